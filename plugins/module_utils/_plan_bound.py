# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Lower bound on the evacuation makespan (lpm-model.md §2.6) and the bottleneck that sets it.

    LB_src  = sum_i V_i / sum_s B_s                      source egress
    LB_dst  = max_d sum_{i->d} V_i / B_d                 destination ingress (chosen placement)
    LB_long = max_i (o_i + V_i / b_i)                    longest single migration
    LB_slot = sum_i (o_i + V_i / b_i) / min(C_sys, sum_s c_s)   concurrency slots
    LB      = max(LB_src, LB_dst, LB_long, LB_slot)

V_i is the fewest bytes the model sends for partition i at any rate up to b_i (its best single-stream
rate over the mover service pairs it may use), o_i its fixed overhead. Inactive migrations (o_i only)
count in LB_long and in a slot term of their own. The placement-independent LB_dst is the larger of
all bytes over all destination ingress and, per target, the bytes of partitions that can go nowhere
else. ``model_tight`` adds what no schedule avoids under the model: nothing is sent before the first
pre-copy fixed phase ends and every migration ends with its clean-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Physics, least_bytes
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Msp, Partition, Policy, System


def best_rate(sources: Sequence[Msp], dests: Sequence[Msp]) -> float:
    """The best rate one migration reaches over any pair of these mover service partitions."""
    return max((min(s.stream_mbs, d.stream_mbs, s.payload_mbs, d.payload_mbs) for s in sources for d in dests), default=0.0)


@dataclass(frozen=True)
class Estimate:
    """Model figures of one partition for bounds and priorities."""

    volume_mb: float  # V_i
    rate_mbs: float  # b_i (0 for an inactive migration)
    fixed_s: float  # o_i

    @property
    def solo_s(self) -> float:
        return self.fixed_s + (self.volume_mb / self.rate_mbs if self.rate_mbs > 0 else 0.0)


def estimate(part: Partition, source: System, targets: Sequence[System], physics: Physics) -> Estimate:
    """V_i, b_i and o_i of a partition that may go to any of ``targets``."""
    if part.kind == INACTIVE:
        return Estimate(0.0, 0.0, physics.inactive_s)
    rate = max((best_rate(source.msps, t.msps) for t in targets), default=0.0)
    if rate <= 0:
        return Estimate(part.touched_mb, 0.0, physics.active_fixed_s)
    return Estimate(least_bytes(part.touched_mb, part.dirty_mbs, part.wws_mb, rate, physics), rate, physics.active_fixed_s)


@dataclass(frozen=True)
class Bound:
    """The terms of the lower bound, in seconds."""

    src: float
    dst: float  # for the chosen placement
    dst_min: float  # for any placement
    long: float
    slot: float
    tight_src: float
    terms: Mapping[str, Mapping[str, object]] = field(default_factory=dict)  # what sets each term

    @property
    def value(self) -> float:
        """LB with the placement-independent destination term."""
        return max(self.src, self.dst_min, self.long, self.slot)

    @property
    def value_placement(self) -> float:
        """LB for the chosen placement."""
        return max(self.src, self.dst, self.long, self.slot)

    @property
    def model_tight(self) -> float:
        return max(self.value, self.tight_src)

    def bottleneck(self) -> dict[str, object]:
        """The binding term of the placement-independent LB, with what sets it."""
        named = (("source_egress", self.src), ("destination_ingress", self.dst_min), ("longest_migration", self.long), ("concurrency_slots", self.slot))
        name, seconds = max(named, key=lambda kv: kv[1])
        return {"term": name, "seconds": round(seconds, 3), **dict(self.terms.get(name, {}))}

    def as_dict(self) -> dict[str, object]:
        return {
            "lb_seconds": round(self.value, 3),
            "lb_placement_seconds": round(self.value_placement, 3),
            "lb_model_tight_seconds": round(self.model_tight, 3),
            "lb_src": round(self.src, 3),
            "lb_dst": round(self.dst, 3),
            "lb_dst_min": round(self.dst_min, 3),
            "lb_long": round(self.long, 3),
            "lb_slot": round(self.slot, 3),
        }


def _slot_capacity(source: System, policy: Policy) -> int:
    caps = [source.active_cap, sum(m.cap for m in source.msps)]
    if policy.max_concurrent is not None:
        caps.append(policy.max_concurrent)
    return max(1, min(caps))


def lower_bound(
    moving: Sequence[tuple[Partition, str]],
    source: System,
    targets: Mapping[str, System],
    options: Mapping[str, Sequence[str]],
    physics: Physics,
    policy: Policy,
) -> Bound:
    """LB of §2.6 for ``moving`` ((partition, chosen target) pairs); ``options`` are each one's feasible targets."""
    free: dict[str, Estimate] = {}
    placed: dict[str, Estimate] = {}
    for part, target in moving:
        free[part.name] = estimate(part, source, [targets[t] for t in options.get(part.name, (target,))], physics)
        placed[part.name] = estimate(part, source, [targets[target]], physics)
    active = [(p, t) for p, t in moving if p.kind != INACTIVE]
    egress = sum(m.payload_mbs for m in source.msps)
    volume = sum(free[p.name].volume_mb for p, _target in active)
    src = volume / egress if egress > 0 and active else 0.0
    terms: dict[str, dict[str, object]] = {"source_egress": {"system": source.name, "volume_mb": round(volume, 1), "egress_mbs": egress}}

    by_target: dict[str, float] = {}
    forced: dict[str, float] = {}
    for part, target in active:
        by_target[target] = by_target.get(target, 0.0) + placed[part.name].volume_mb
        if len(options.get(part.name, ())) <= 1:
            forced[target] = forced.get(target, 0.0) + free[part.name].volume_mb
    dst = 0.0
    for name in sorted(by_target):
        ingress = targets[name].ingress_mbs
        if ingress > 0 and by_target[name] / ingress > dst:
            dst = by_target[name] / ingress
    used = sorted({t for p, _target in active for t in options.get(p.name, ())})
    total_ingress = sum(targets[t].ingress_mbs for t in used)
    dst_min = volume / total_ingress if total_ingress > 0 and active else 0.0
    dst_target = "all"
    for name in sorted(forced):
        ingress = targets[name].ingress_mbs
        if ingress > 0 and forced[name] / ingress > dst_min:
            dst_min, dst_target = forced[name] / ingress, name
    terms["destination_ingress"] = {"target": dst_target}

    long, long_lpar = 0.0, ""
    for part, _target in moving:
        if free[part.name].solo_s > long:
            long, long_lpar = free[part.name].solo_s, part.name
    terms["longest_migration"] = {"lpar": long_lpar}

    slots = _slot_capacity(source, policy)
    slot = sum(free[p.name].solo_s for p, _target in active) / slots
    inactive = [p for p, _target in moving if p.kind == INACTIVE]
    inactive_slot = sum(free[p.name].solo_s for p in inactive) / max(1, source.inactive_cap) if inactive else 0.0
    all_slot = sum(free[p.name].solo_s for p, _target in moving) / policy.max_concurrent if policy.max_concurrent else 0.0
    terms["concurrency_slots"] = {"slots": slots}
    slot = max(slot, inactive_slot, all_slot)
    tight = physics.pre_copy_fixed_s + src + physics.t_cleanup_s if active else 0.0
    return Bound(src, dst, dst_min, long, slot, tight, terms)
