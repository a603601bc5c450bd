"""The shape of a fleet: systems, their HMC and SAN group, processor generations, machine models and serials."""
from __future__ import annotations

from .catalogue import MODELS
from .plans import Context, SystemPlan, groups


def plan_systems(ctx: Context, hmcs: int, systems: int, speeds: list[float], group_size: int) -> list[SystemPlan]:
    """One plan per system: HMCs in contiguous blocks, SAN groups of ``group_size`` (a short last group joins
    the one before), an MSP link speed and internal disk count each, mixed generations in every group."""
    n_groups = max(1, systems // group_size)
    plans = []
    for i in range(systems):
        plans.append(SystemPlan(index=i + 1, hmc=i * hmcs // systems, group=min(i // group_size, n_groups - 1),
                                gen="POWER9", link_gbps=float(ctx.rng.choice(speeds)),
                                internal_disks=ctx.rng.choice((1, 2))))
    for group in groups(plans):
        # mixed generations: the first system of a group is a POWER9, the second a POWER8, the rest 60/40
        for pos, plan in enumerate(group):
            plan.gen = ("POWER9", "POWER8")[pos] if pos < 2 else ctx.rng.choices(
                ("POWER9", "POWER8"), (0.6, 0.4))[0]
    return plans


def name_systems(ctx: Context, plans: list[SystemPlan]) -> None:
    """Pick each system's model (the smallest of its generation that holds its sized memory and cores) and a
    serial number unique in the fleet."""
    serials: set[str] = set()
    for plan in plans:
        models = MODELS[plan.gen]
        plan.model = next((m for m in models if m.max_mem_gb * 1024 >= plan.installed_mem_mb
                           and m.max_cores >= plan.installed_proc_units), models[-1])
        while True:
            serial = ctx.rng.choice(("78", "21", "10", "06")) + "".join(
                ctx.rng.choice("0123456789ABCDEF") for _ in range(5))
            if serial not in serials:
                serials.add(serial)
                plan.serial = serial
                break
