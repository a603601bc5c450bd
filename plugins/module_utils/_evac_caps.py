# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The caps an evacuation run holds at every instant.

The migration engine's SlotBook counts what the HMC allows (``lslparmigr -r sys`` per system, active and
inactive apart, less the migrations others run) and the cap in all, when the policy (or the module)
sets one; on top of it this counts each system's migrations of this run against
``policy.max_per_system`` (active) and ``policy.max_inactive_per_system``, each mover service
partition against its own limit (the planner's: ``cfg_msp_lpm_ops``, 4 on 1 GbE,
``policy.max_per_msp``), each MSP pair against ``policy.max_per_msp_pair``, and keeps the members of
a disruption group from overlapping. These are the caps the planner's simulation counts
(``_concurrency_limits``), so the run allows what the plan predicts and no more.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._migration_caps import SlotBook, SlotNeed, kind_class
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity

# The SlotBook's uniform MSP limit is replaced by the per-MSP limits below.
NO_UNIFORM_MSP_LIMIT = 1 << 20


@dataclass(frozen=True)
class Slot:
    """What one migration holds while it runs."""

    lpar: str
    source: str
    target: str
    kind: str = "active"
    source_msp: str = ""
    dest_msp: str = ""

    @property
    def need(self) -> SlotNeed:
        msps = tuple((s, m) for s, m in ((self.source, self.source_msp), (self.target, self.dest_msp)) if m)
        return SlotNeed((self.source, self.target), self.kind, msps)

    @property
    def msps(self) -> tuple[tuple[str, str], ...]:
        return self.need.msps

    @property
    def pair(self) -> tuple[str, str] | None:
        return (self.source_msp, self.dest_msp) if self.source_msp and self.dest_msp else None


class Caps:
    """``blocker(slot)`` says why a migration cannot start now; ``take``/``release`` count it."""

    def __init__(
        self,
        max_concurrent: int | None,
        capacities: Mapping[str, SystemCapacity],
        msp_limits: Mapping[tuple[str, str], int],
        pair_cap: int | None,
        groups: Mapping[str, Iterable[str]],
        attached: Iterable[Slot] = (),
        per_system: Mapping[str, int | None] | None = None,
    ) -> None:
        attached = list(attached)
        self.book = SlotBook(max_concurrent, capacities, NO_UNIFORM_MSP_LIMIT, [s.need for s in attached])
        self.msp_limits = dict(msp_limits)
        self.pair_cap = pair_cap
        # "active" / "inactive" -> this run's migrations per system (source and target), as the policy caps them
        self.per_system = {k: v for k, v in (per_system or {}).items() if v is not None}
        self._systems: Counter[tuple[str, str]] = Counter()
        self.group_of: dict[str, list[str]] = {}
        for group, members in groups.items():
            for member in members:
                self.group_of.setdefault(member, []).append(group)
        self._msps: Counter[tuple[str, str]] = Counter()
        self._pairs: Counter[tuple[str, str]] = Counter()
        self._busy_groups: Counter[str] = Counter()

    def blocker(self, slot: Slot) -> str | None:
        for group in self.group_of.get(slot.lpar, ()):
            if self._busy_groups[group]:
                return f"another member of disruption group {group} is migrating"
        why = self.book.blocker(slot.need)
        if why is not None:
            return why
        klass = kind_class(slot.kind)
        limit = self.per_system.get(klass)
        for system in slot.need.systems if limit is not None else ():
            if self._systems[(system, klass)] >= limit:
                return f"system {system} already runs {limit} {klass} migrations of this evacuation (the policy's cap per system)"
        for msp in slot.msps:
            limit = self.msp_limits.get(msp)
            if limit is not None and self._msps[msp] >= limit:
                return f"mover service partition {msp[1]} on {msp[0]} already runs {limit} migrations"
        pair = slot.pair
        if pair is not None and self.pair_cap is not None and self._pairs[pair] >= self.pair_cap:
            return f"the MSP pair {pair[0]} -> {pair[1]} already runs {self.pair_cap} migrations"
        return None

    def never_fits(self, slot: Slot) -> str | None:
        return self.book.never_fits(slot.need)

    def take(self, slot: Slot) -> None:
        self.book.take(slot.need)
        for system in slot.need.systems:
            self._systems[(system, kind_class(slot.kind))] += 1
        for msp in slot.msps:
            self._msps[msp] += 1
        if slot.pair is not None:
            self._pairs[slot.pair] += 1
        for group in self.group_of.get(slot.lpar, ()):
            self._busy_groups[group] += 1

    def release(self, slot: Slot) -> None:
        self.book.release(slot.need)
        for system in slot.need.systems:
            self._systems[(system, kind_class(slot.kind))] -= 1
        for msp in slot.msps:
            self._msps[msp] -= 1
        if slot.pair is not None:
            self._pairs[slot.pair] -= 1
        for group in self.group_of.get(slot.lpar, ()):
            self._busy_groups[group] -= 1

    @property
    def in_flight(self) -> int:
        return self.book.in_flight

    def load(self, msp: tuple[str, str]) -> int:
        return self._msps[msp]
