# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The preflight rule table: importing the rule modules registers their rules, in this order."""

from __future__ import annotations

from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_capacity  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_hmc  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_lpar  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_msp  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_network  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_storage  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_system  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_rules_target  # noqa: F401 pylint: disable=unused-import
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import RULES, Rule, rule_table

# Rule that marks a pair whose partition already runs on the target (nothing to check).
ALREADY_THERE = "LPM-TGT-007"


GROUP_ORDER = ("HMC", "SYS", "LPAR", "TGT", "MEM", "CPU", "RMC", "MSP", "STG", "NET")


def _order(entry: Rule) -> tuple[int, str]:
    group = entry.id.split("-")[1]
    return (GROUP_ORDER.index(group) if group in GROUP_ORDER else len(GROUP_ORDER), entry.id)


def all_rules() -> list[Rule]:
    """Every rule, grouped by ID prefix in a stable order."""
    return sorted(RULES.values(), key=_order)


def table() -> list[dict[str, Any]]:
    return rule_table(all_rules())
