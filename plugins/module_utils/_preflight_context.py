# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""What a preflight rule sees: one partition, its source system, one target system and the facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import PartitionFacts, SystemFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts, PartitionExtras, SystemExtras
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import KIND_OF_STATE


@dataclass(frozen=True)
class Pair:
    """A partition and the target system it should move to."""

    lpar: str
    source: str
    target: str


@dataclass
class PairContext:
    facts: Facts
    pair: Pair
    lpar: PartitionFacts
    src: SystemFacts
    dst: SystemFacts
    remote_user: str = "hscroot"
    cache: dict[str, Any] = field(default_factory=dict)  # lookups shared by several rules of this pair

    @property
    def kind(self) -> str | None:
        """active, inactive or suspended from the partition state; None for other states."""
        return KIND_OF_STATE.get(self.lpar["state"])

    @property
    def name(self) -> str:
        return self.lpar["name"]

    @property
    def remote(self) -> bool:
        """Whether the target is managed by another HMC than the source."""
        return self.facts.hmc_name(self.src["name"]) != self.facts.hmc_name(self.dst["name"])

    def extras(self) -> PartitionExtras | None:
        return self.facts.partition_extras(self.src["name"], self.name)

    def system_extras(self, system: SystemFacts) -> SystemExtras | None:
        return self.facts.system_extras(system["name"])

    def both(self) -> tuple[SystemFacts, SystemFacts]:
        return self.src, self.dst
