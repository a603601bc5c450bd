# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The ``policy`` of a maintenance window, and the planner's policy made from a window.

Keys shared with the planner's policy (``_plan_params.POLICY_KEYS``) carry the same names and
meaning; the others steer the evacuation run. Every key is optional; :data:`POLICY_DEFAULTS` holds
the defaults, None meaning "no limit of our own" (the HMC's and the VIOS's caps still apply).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import Checker, at

INACTIVE_POLICIES = ("move", "stay")
STORAGE_POLICIES = ("allow", "block")
CAP_KEYS = ("max_concurrent", "max_per_system", "max_inactive_per_system", "max_per_msp", "max_per_msp_pair")
POLICY_DEFAULTS: dict[str, Any] = {
    "inactive": "move",
    "max_concurrent": None,
    "max_per_system": None,
    "max_inactive_per_system": None,
    "max_per_msp": None,
    "max_per_msp_pair": None,
    "deadline_margin_minutes": 15,
    "retry_other_target": False,
    "recover_on_failure": True,
    "stop_on_failure": False,
    "unverified_storage": "allow",
    "reserve_inactive_capacity": True,
    "migration_timeout_minutes": 60,
    "poll_interval_seconds": 10,
}
BOOLEAN_KEYS = ("retry_other_target", "recover_on_failure", "stop_on_failure", "reserve_inactive_capacity")
# key -> (minimum, maximum)
INTEGER_KEYS = {
    **{key: (1, 64) for key in CAP_KEYS},
    "deadline_margin_minutes": (0, 1440),
    "migration_timeout_minutes": (1, 1440),
    "poll_interval_seconds": (1, 600),
}


def check_policy(check: Checker, path: str, value: Any) -> dict[str, Any] | None:
    """The policy with every key present; None when a value is wrong (problems are in ``check``)."""
    data = {} if value is None else check.mapping(path, value)
    if data is None:
        return None
    check.keys(path, data, POLICY_DEFAULTS)
    policy = dict(POLICY_DEFAULTS)
    good = True
    for key, given in data.items():
        if key not in POLICY_DEFAULTS or given is None:
            continue
        where = at(path, key)
        checked: Any
        if key == "inactive":
            checked = check.choice(where, given, INACTIVE_POLICIES)
        elif key == "unverified_storage":
            checked = check.choice(where, given, STORAGE_POLICIES)
        elif key in BOOLEAN_KEYS:
            checked = check.boolean(where, given)
        else:
            low, high = INTEGER_KEYS[key]
            checked = check.integer(where, given, minimum=low, maximum=high)
        good = good and checked is not None
        policy[key] = checked
    return policy if good else None


def matching(patterns: Iterable[str], names: Iterable[str]) -> list[str]:
    """The names that match any of the glob patterns (case-sensitive, as partition names are)."""
    pats = list(patterns)
    return sorted(n for n in set(names) if any(fnmatch.fnmatchcase(n, p) for p in pats))


def planner_policy(window: Mapping[str, Any], partitions: Iterable[str] | None = None) -> dict[str, Any]:
    """The planner's policy dict (``_plan_params.policy_from``) for this window.

    The planner excludes exact names: with ``partitions`` (the source's partition names) the
    exclusion patterns are expanded to the names they match; without, they are passed as written.
    """
    policy = window["policy"]
    exclude = matching(window["exclusions"], partitions) if partitions is not None else list(window["exclusions"])
    return {
        "exclude": exclude,
        "pin": dict(window["pins"]),
        "disruption_groups": [{"name": g["name"], "members": list(g["members"])} for g in window["disruption_groups"]],
        "inactive": policy["inactive"],
        "reserve_inactive_capacity": policy["reserve_inactive_capacity"],
        "unverified_storage": policy["unverified_storage"],
        **{key: policy[key] for key in CAP_KEYS},
    }
