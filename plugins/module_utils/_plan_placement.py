# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Which target each partition goes to.

Pinned partitions first, then the others with the fewest feasible targets first and, among those, the
largest first; inactive partitions last. Each goes to a target where it fits (``_plan_constraints``):

* while some target is calm - it would stay under the evacuation's horizon (the time the source
  needs anyway: its egress bytes, or its concurrency slots) and the partition's own migration to it
  (alone, at the best rate of that target's links: ``solo_on``) is as short as to any target with
  room - the calm one with the most free capacity after placement
  (``most_free_capacity_after_placement``);
* otherwise the one whose transfer load (ingress bytes over ingress capacity, migration time over
  its concurrency, or the partition's own migration time to that target) stays lowest
  (``least_transfer_load``).

So a partition goes behind a slower link only when the faster targets have no room for it or are
loaded past the horizon, never for free memory alone: a migration behind a slow link holds a source
slot (and, in a disruption group, its whole group) for longer even when it stays under the horizon.

When this greedy pass leaves a partition without room although it fits somewhere on its own, a
bounded depth-first search over all placements looks for one that places more partitions
(``repacked_to_fit``). The search visits at most ``SEARCH_NODES`` nodes, so it is exhaustive on small
estates and deterministic everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._plan_bound import Estimate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Decision, Partition, Reason, System, Unmovable

SEARCH_NODES = 20_000
EPS_S = 1e-6

SoloTimes = Mapping[tuple[str, str], float]  # (partition, target) -> its migration time alone to that target


@dataclass
class Placement:
    target_of: dict[str, str] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    unmovable: list[Unmovable] = field(default_factory=list)


@dataclass
class _Load:
    """Transfer load placed on each target so far."""

    targets: Mapping[str, System]
    volume: dict[str, float] = field(default_factory=dict)
    slot_time: dict[str, float] = field(default_factory=dict)

    def after(self, target: str, est: Estimate, solo: float | None = None) -> float:
        """The target's load with this partition too; ``solo``: its own migration time to this target."""
        system = self.targets[target]
        ingress = system.ingress_mbs
        slots = max(1, min(system.active_cap, sum(m.cap for m in system.msps)))
        by_bytes = (self.volume.get(target, 0.0) + est.volume_mb) / ingress if ingress > 0 else 0.0
        by_slots = (self.slot_time.get(target, 0.0) + (est.solo_s if solo is None else solo)) / slots
        return max(by_bytes, by_slots)

    def add(self, target: str, est: Estimate, solo: float | None = None) -> None:
        self.volume[target] = self.volume.get(target, 0.0) + est.volume_mb
        self.slot_time[target] = self.slot_time.get(target, 0.0) + (est.solo_s if solo is None else solo)


def _order(parts: Sequence[Partition], options: Mapping[str, Sequence[str]]) -> list[Partition]:
    return sorted(parts, key=lambda p: (p.kind == INACTIVE, len(options[p.name]), -(p.mem_mb + p.hpt_mb), -p.proc_units, p.name))


def _choose(part: Partition, fits: list[str], est: Estimate, capacity: Capacity, load: _Load, horizon: float, solo_on: SoloTimes) -> Decision:
    own = {t: solo_on.get((part.name, t), est.solo_s) for t in fits}
    scored = [(t, load.after(t, est, own[t]), capacity.headroom(part, t)) for t in sorted(fits)]
    details: dict[str, object] = {}
    if part.kind == INACTIVE:
        target, _load, room = max(scored, key=lambda s: s[2])
        reason = "most_free_capacity_after_placement"
    else:
        # Calm: the target stays under the horizon and this migration is as short as anywhere.
        fastest = min(own.values())
        calm = [s for s in scored if s[1] <= horizon and own[s[0]] <= fastest + EPS_S]
        scored = [(t, max(after, solo_on.get((part.name, t), 0.0)), room) for t, after, room in scored]
        if calm:
            target, after, room = max(calm, key=lambda s: (s[2], -s[1]))
            reason = "most_free_capacity_after_placement"
        else:
            target, after, room = min(scored, key=lambda s: (s[1], -s[2]))
            reason = "least_transfer_load"
        details["transfer_load_s"] = round(after, 3)
    if len(fits) == 1:
        reason = "only_target_with_room"
    details["free_fraction_after"] = round(room, 4)
    details["candidates"] = sorted(fits)
    return Decision(part.name, "target", target, reason, details)


def _search(parts: Sequence[Partition], options: Mapping[str, Sequence[str]], capacity: Capacity, preferred: Mapping[str, str]) -> dict[str, str]:
    """The placement of the most partitions that the bounded depth-first search finds."""
    order = sorted(parts, key=lambda p: (-(p.mem_mb + p.hpt_mb), -p.proc_units, p.name))
    best: dict[str, str] = {}
    chosen: dict[str, str] = {}
    nodes = 0

    def visit(k: int) -> bool:
        nonlocal nodes, best
        if len(chosen) + len(order) - k <= len(best):
            return False
        if k == len(order):
            best = dict(chosen)
            return len(best) == len(order)
        nodes += 1
        if nodes > SEARCH_NODES:
            return False
        part = order[k]
        targets = sorted(options[part.name], key=lambda t: (t != preferred.get(part.name), t))
        for target in targets:
            if capacity.shortfall(part, target) is None:
                capacity.take(part, target)
                chosen[part.name] = target
                done = visit(k + 1)
                capacity.give_back(part, target)
                del chosen[part.name]
                if done:
                    return True
        return visit(k + 1)

    visit(0)
    return best


def place(
    parts: Sequence[Partition],
    options: Mapping[str, Sequence[str]],
    targets: Mapping[str, System],
    pins: Mapping[str, str],
    estimates: Mapping[str, Estimate],
    capacity: Capacity,
    horizon: float,
    solo_on: SoloTimes | None = None,
) -> Placement:
    """Place ``parts`` (each with at least one feasible target in ``options``) on the targets.

    ``solo_on`` gives (partition, target) -> the partition's migration time alone to that target;
    when missing, its best time to any target (``estimates``) stands in. Ties go to the target that
    comes first by name (``max``/``min`` keep the first of equals).
    """
    solo_on = solo_on or {}
    result = Placement()
    load = _Load(targets)
    short: dict[str, dict[str, Reason]] = {}
    pinned = [p for p in parts if p.name in pins]
    for part in sorted(pinned, key=lambda p: p.name):
        target = pins[part.name]
        lack = capacity.shortfall(part, target)
        if lack is not None:
            result.unmovable.append(Unmovable(part.name, "pinned_target_no_capacity", lack.detail, {target: lack.code}))
            continue
        capacity.take(part, target)
        load.add(target, estimates[part.name], solo_on.get((part.name, target)))
        result.target_of[part.name] = target
        result.decisions[part.name] = Decision(part.name, "target", target, "pinned")
    free = [p for p in parts if p.name not in pins]
    for part in _order(free, options):
        fits, lacks = [], {}
        for target in options[part.name]:
            lack = capacity.shortfall(part, target)
            if lack is None:
                fits.append(target)
            else:
                lacks[target] = lack
        if not fits:
            short[part.name] = lacks
            continue
        decision = _choose(part, fits, estimates[part.name], capacity, load, horizon, solo_on)
        target = str(decision.value)
        capacity.take(part, target)
        load.add(target, estimates[part.name], solo_on.get((part.name, target)))
        result.target_of[part.name] = target
        result.decisions[part.name] = decision
    if short:
        _repack(result, free, options, capacity, short)
    for name in sorted(short):
        if name in result.target_of:
            continue
        lacks = short[name]
        codes = {r.code for r in lacks.values()}
        code = codes.pop() if len(codes) == 1 else "no_capacity"
        detail = "; ".join(lacks[t].detail for t in sorted(lacks))
        result.unmovable.append(Unmovable(name, code, detail, {t: lacks[t].code for t in sorted(lacks)}))
    return result


def _repack(result: Placement, free: Sequence[Partition], options: Mapping[str, Sequence[str]], capacity: Capacity, short: Mapping[str, object]) -> None:
    """Search for a placement of more of ``free``; adopt it when it places more than the greedy pass."""
    greedy = {p.name: result.target_of[p.name] for p in free if p.name in result.target_of}
    for part in free:
        if part.name in greedy:
            capacity.give_back(part, greedy[part.name])
    found = _search(free, options, capacity, greedy)
    chosen = found if len(found) > len(greedy) else greedy
    for part in free:
        if part.name in chosen:
            capacity.take(part, chosen[part.name])
    if chosen is greedy:
        return
    for part in free:
        target = chosen.get(part.name)
        if target is None:
            result.target_of.pop(part.name, None)
            result.decisions.pop(part.name, None)
        elif greedy.get(part.name) != target:
            result.target_of[part.name] = target
            result.decisions[part.name] = Decision(part.name, "target", target, "repacked_to_fit", {"candidates": sorted(options[part.name])})
