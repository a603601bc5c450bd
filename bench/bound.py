"""A lower bound of the evacuation makespan computed from the twin's instance alone (lpm-model.md §2.6).

It reads the twin's scenario (memory, workloads, MSP links and caps, physics) and knows nothing of
the planner. It is deliberately simple, hence looser than the planner's ``_plan_bound``:

* V_i = the touched memory (the first pre-copy pass; re-sent pages only add), 0 for an inactive move;
* b_i = the best rate one stream reaches over any source MSP and any MSP of any target;
* o_i = every fixed phase of the migration (validation, shell, MSP set-up, suspend, clean-up);

    LB_src  = sum V_i / source MSP egress        LB_dst = sum V_i / ingress of every target MSP
    LB_long = max (o_i + V_i / b_i)              LB_slot = sum (o_i + V_i / b_i) / slots
    LB      = max of the four

where slots = min(the source's concurrent active migrations, the sum of its MSPs' caps), and
inactive migrations fill the inactive slots apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hmcsim.model import Lpar, ManagedSystem, Scenario
from hmcsim.physics import link_payload_mbs, stream_mbs
from hmcsim.rules.lookup import msp_limit


@dataclass(frozen=True)
class OwnBound:
    src: float
    dst: float
    long: float
    slot: float

    @property
    def value(self) -> float:
        return max(self.src, self.dst, self.long, self.slot)


def _msps(system: ManagedSystem) -> list[Lpar]:
    return [v for v in system.lpars if v.env == "vioserver" and v.msp and v.state == "Running" and v.vios is not None and v.vios.vasi]


def own_bound(scenario: Scenario, source: str, moving: Iterable[str]) -> OwnBound:
    """The bound for moving the partitions named ``moving`` off ``source`` to every other system."""
    physics = scenario.physics
    systems = {s.name: s for s in scenario.systems}
    src = systems[source]
    targets = [s for s in scenario.systems if s.name != source]
    src_msps = _msps(src)
    dst_msps = [m for t in targets for m in _msps(t)]
    assert src_msps and dst_msps, "an instance needs mover service partitions on both sides"

    def gbps(v: Lpar) -> float:
        assert v.vios is not None
        return v.vios.msp_link_gbps

    egress = sum(link_payload_mbs(physics, gbps(m)) for m in src_msps)
    ingress = sum(link_payload_mbs(physics, gbps(m)) for m in dst_msps)
    best = max(
        min(stream_mbs(physics, gbps(s)), stream_mbs(physics, gbps(d)), link_payload_mbs(physics, gbps(s)), link_payload_mbs(physics, gbps(d)))
        for s in src_msps
        for d in dst_msps
    )
    active_fixed = physics.t_validate_s + physics.t_create_s + physics.t_msp_setup_s + physics.t_suspend_s + physics.t_cleanup_s
    inactive_fixed = physics.t_validate_s + physics.t_create_s + physics.t_inactive_copy_s + physics.t_cleanup_s
    names = set(moving)
    volume = active_slot = inactive_slot = long = 0.0
    for lp in src.lpars:
        if lp.name not in names:
            continue
        if lp.state == "Not Activated":
            solo = inactive_fixed
            inactive_slot += solo
        else:
            v = lp.mem_mb * lp.workload.touched_fraction
            volume += v
            solo = active_fixed + v / best
            active_slot += solo
        long = max(long, solo)
    slots = max(1, min(src.active_migrations_supported, sum(msp_limit(m) for m in src_msps)))
    slot = max(active_slot / slots, inactive_slot / max(1, src.inactive_migrations_supported))
    return OwnBound(volume / egress, volume / ingress, long, slot)
