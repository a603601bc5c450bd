# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The facts preflight reads: one or several estates (one per HMC) plus the extra facts of preflight.

An estate (``_estate_model.EstateFacts``) describes the systems of one HMC. Several estates (from
several HMCs) are joined here; each system remembers the HMC it came from, which tells whether a
migration crosses management consoles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts, HmcFacts, PartitionFacts, SystemFacts
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError


class PartitionExtras(TypedDict):
    """Partition facts preflight reads besides the estate (``lssyscfg -r lpar`` and ``-r prof``)."""

    ever_activated: bool | None  # resource_config=1: the partition has been activated at least once
    redundant_err_path_reporting: bool | None
    suspend_capable: bool | None
    bsr_arrays: int | None  # in the current (else default) profile
    desired_huge_pages: int | None
    lhea_logical_ports: list[str] | None
    sriov_logical_ports: list[str] | None
    max_virtual_slots: int | None  # curr_max_virtual_slots (read for VIOS of target systems)


class SystemExtras(TypedDict):
    """System facts preflight reads besides the estate."""

    service_lpar_id: int | None
    capabilities: dict[str, bool | None]  # flags the estate does not read
    partitions: dict[str, PartitionExtras]


class TrustFacts(TypedDict):
    """``mkauthkeys --ip REMOTE -u USER --test`` run on the source HMC."""

    remote: str
    user: str
    trusted: bool | None  # None when the test could not be run
    detail: str


class ExtraFacts(TypedDict):
    systems: dict[str, SystemExtras]
    trust: list[TrustFacts]
    warnings: list[str]


def empty_extras() -> ExtraFacts:
    return {"systems": {}, "trust": [], "warnings": []}


@dataclass
class Facts:
    """The systems of every estate given, by name, with their HMC, and preflight's extra facts."""

    systems: dict[str, SystemFacts] = field(default_factory=dict)
    hmc_of: dict[str, HmcFacts] = field(default_factory=dict)
    extras: ExtraFacts = field(default_factory=empty_extras)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_estates(cls, estates: Iterable[EstateFacts]) -> Facts:
        facts = cls()
        for estate in estates:
            hmc = estate["hmc"]
            for name, system in estate["systems"].items():
                if name in facts.systems:
                    other = facts.hmc_of[name]["name"]
                    facts.warnings.append(f"{name} is in the facts of {other} and of {hmc['name']}; the facts of {other} are used")
                    continue
                facts.systems[name] = system
                facts.hmc_of[name] = hmc
            facts.warnings.extend(estate.get("warnings", []))
        return facts

    def system(self, ref: str) -> SystemFacts | None:
        """A system by name or by type-model*serial."""
        if ref in self.systems:
            return self.systems[ref]
        return next((s for s in self.systems.values() if s["mtms"] == ref), None)

    def locate(self, lpar: str) -> list[tuple[SystemFacts, PartitionFacts]]:
        """Every system holding a partition of that name (a failed migration can leave two)."""
        return [(s, s["partitions"][lpar]) for s in self.systems.values() if lpar in s["partitions"]]

    def hmc_name(self, system: str) -> str:
        return self.hmc_of[system]["name"]

    def partition_extras(self, system: str, lpar: str) -> PartitionExtras | None:
        extras = self.extras["systems"].get(system)
        return extras["partitions"].get(lpar) if extras is not None else None

    def system_extras(self, system: str) -> SystemExtras | None:
        return self.extras["systems"].get(system)

    def trust(self, remote: str) -> TrustFacts | None:
        return next((t for t in self.extras["trust"] if t["remote"] == remote), None)


def estates_from_option(value: Any) -> list[EstateFacts]:
    """The ``estate`` option: one estate dict or a list of them (one per HMC), as estate_info returns it."""
    items = value if isinstance(value, list) else [value]
    out: list[EstateFacts] = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and "estate" in item and "systems" not in item:
            item = item["estate"]  # the whole registered result of estate_info
        if not isinstance(item, Mapping) or not isinstance(item.get("systems"), Mapping) or not isinstance(item.get("hmc"), Mapping):
            raise HmcInputError(f"estate item {index} is not an estate (a dict with 'hmc' and 'systems', as estate_info returns it)")
        out.append(cast(EstateFacts, dict(item)))
    return out
