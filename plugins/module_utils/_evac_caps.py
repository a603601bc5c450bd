# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The caps an evacuation run holds at every instant.

The migration engine's SlotBook counts what the HMC allows (``lslparmigr -r sys`` per system, active and
inactive apart, less the migrations others run) and the run's own ``max_concurrent``; on top of it
this counts each mover service partition against its own limit (the planner's: ``cfg_msp_lpm_ops``,
4 on 1 GbE, ``policy.max_per_msp``), each MSP pair against ``policy.max_per_msp_pair``, and keeps the
members of a disruption group from overlapping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._migration_caps import SlotBook, SlotNeed
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
        max_concurrent: int,
        capacities: Mapping[str, SystemCapacity],
        msp_limits: Mapping[tuple[str, str], int],
        pair_cap: int | None,
        groups: Mapping[str, Iterable[str]],
        attached: Iterable[Slot] = (),
    ) -> None:
        attached = list(attached)
        self.book = SlotBook(max_concurrent, capacities, NO_UNIFORM_MSP_LIMIT, [s.need for s in attached])
        self.msp_limits = dict(msp_limits)
        self.pair_cap = pair_cap
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
        for msp in slot.msps:
            self._msps[msp] += 1
        if slot.pair is not None:
            self._pairs[slot.pair] += 1
        for group in self.group_of.get(slot.lpar, ()):
            self._busy_groups[group] += 1

    def release(self, slot: Slot) -> None:
        self.book.release(slot.need)
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
