# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""How many migrations may be in flight: the user's cap, each system's and each mover service partition's.

A system allows ``num_*_migrations_supported`` at once (active and inactive counted apart, on the
source and on the destination); migrations started by others before the run use up slots. Migrations
of this run that were already in progress at its start are counted as ours, not as others'. A mover
service partition (VIOS) handles at most ``msp_limit`` migrations (VIOS ``cfg_msp_lpm_ops``, default 8);
that cap applies where the MSPs are named in the request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MSP_OPS
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity

DEFAULT_MSP_LIMIT = DEFAULT_MSP_OPS


def kind_class(kind: str) -> str:
    """Systems count inactive migrations apart from active (and suspended) ones."""
    return "inactive" if kind == "inactive" else "active"


@dataclass(frozen=True)
class SlotNeed:
    """The slots one migration holds: one per system (source and target) and one per named MSP."""

    systems: tuple[str, ...]
    kind: str = "active"
    msps: tuple[tuple[str, str], ...] = ()     # (system, msp name)

    @property
    def klass(self) -> str:
        return kind_class(self.kind)


class SlotBook:
    """Counts migrations in flight against every cap. Not thread-safe: the scheduler owns it."""

    def __init__(
        self,
        max_concurrent: int | None,
        capacities: Mapping[str, SystemCapacity],
        msp_limit: int = DEFAULT_MSP_LIMIT,
        attached: Iterable[SlotNeed] = (),
    ) -> None:
        self.max_concurrent = None if max_concurrent is None else max(1, max_concurrent)  # None: no cap in all
        self.msp_limit = max(1, msp_limit)
        ours = Counter((system, need.klass) for need in attached for system in need.systems)
        self.system_caps: dict[tuple[str, str], int] = {}
        for system, cap in capacities.items():
            for klass in ("active", "inactive"):
                others = max(0, cap.in_progress(klass) - ours[(system, klass)])
                self.system_caps[(system, klass)] = cap.supported(klass) - others
        self.in_flight = 0
        self._systems: Counter[tuple[str, str]] = Counter()
        self._msps: Counter[tuple[str, str]] = Counter()

    def blocker(self, need: SlotNeed) -> str | None:
        """Why ``need`` cannot start now, or None when it fits under every cap."""
        if self.max_concurrent is not None and self.in_flight >= self.max_concurrent:
            return f"{self.in_flight} migrations in flight, max_concurrent is {self.max_concurrent}"
        for system in need.systems:
            cap = self.system_caps.get((system, need.klass))
            if cap is not None and self._systems[(system, need.klass)] >= cap:
                return f"system {system} has no free {need.klass} migration slot ({max(cap, 0)} available to this run)"
        for msp in need.msps:
            if self._msps[msp] >= self.msp_limit:
                return f"mover service partition {msp[1]} on {msp[0]} already runs {self.msp_limit} migrations"
        return None

    def never_fits(self, need: SlotNeed) -> str | None:
        """Why ``need`` could not start even with nothing of this run in flight, else None."""
        for system in need.systems:
            cap = self.system_caps.get((system, need.klass))
            if cap is not None and cap <= 0:
                return f"system {system} has no free {need.klass} migration slot: migrations started elsewhere use all of them"
        return None

    def take(self, need: SlotNeed) -> None:
        self.in_flight += 1
        for system in need.systems:
            self._systems[(system, need.klass)] += 1
        for msp in need.msps:
            self._msps[msp] += 1

    def release(self, need: SlotNeed) -> None:
        self.in_flight -= 1
        for system in need.systems:
            self._systems[(system, need.klass)] -= 1
        for msp in need.msps:
            self._msps[msp] -= 1
