"""The generator's entry points: plan, size, name, build, break; and the scenario's description."""
from __future__ import annotations

import random
from typing import Optional, Sequence

from ..model import Scenario
from .build import build
from .misconfig import Injector
from .params import DEFAULT_LINK_GBPS, DEFAULT_WORKLOADS, MISCONFIG_KINDS, Generated, WorkloadClass, check_arguments
from .partitions import plan_clients
from .plans import Context, SystemPlan, groups
from .sizing import size_group
from .topology import name_systems, plan_systems


def generate(*, seed: int, hmcs: int = 1, systems: int = 4, lpars: int = 40, target_share: float = 0.0,
             misconfig: float = 0.0, misconfig_kinds: Optional[Sequence[str]] = None,
             link_gbps: Optional[Sequence[float]] = None, msp_pairs: int = 1,
             workloads: Sequence[WorkloadClass] = DEFAULT_WORKLOADS,
             memory_range_gb: tuple[float, float] = (4, 256), san_group_size: int = 4,
             inactive_share: float = 0.02) -> Scenario:
    """A generated fleet (see :func:`generate_with_report` for the parameters)."""
    return generate_with_report(seed=seed, hmcs=hmcs, systems=systems, lpars=lpars, target_share=target_share,
                                misconfig=misconfig, misconfig_kinds=misconfig_kinds, link_gbps=link_gbps,
                                msp_pairs=msp_pairs, workloads=workloads, memory_range_gb=memory_range_gb,
                                san_group_size=san_group_size, inactive_share=inactive_share).scenario


def generate_with_report(*, seed: int, hmcs: int = 1, systems: int = 4, lpars: int = 40, target_share: float = 0.0,
                         misconfig: float = 0.0, misconfig_kinds: Optional[Sequence[str]] = None,
                         link_gbps: Optional[Sequence[float]] = None, msp_pairs: int = 1,
                         workloads: Sequence[WorkloadClass] = DEFAULT_WORKLOADS,
                         memory_range_gb: tuple[float, float] = (4, 256), san_group_size: int = 4,
                         inactive_share: float = 0.02) -> Generated:
    """A generated fleet and the misconfigurations injected into it.

    seed: drives every random choice. hmcs / systems / lpars: how many HMCs, managed systems and client
    partitions (VIOS not counted). target_share: share (0-1) of each SAN group's systems that start without
    client partitions, as landing systems. misconfig: share (0-1) of client partitions to break, one kind each
    (drawn from misconfig_kinds, default all of MISCONFIG_KINDS; lmb_mismatch at most once). link_gbps: MSP link
    speeds drawn per system (default mostly 10 GbE, some 25 and 1). msp_pairs: 1 = only vios1 of each system is
    a mover service partition, 2 = both VIOS are (a second MSP pair per system). workloads: partition classes.
    memory_range_gb: bounds of a client partition's memory. san_group_size: systems per SAN group (shared
    fabrics, LUNs and VLANs). inactive_share: share of client partitions that are Not Activated.
    """
    kinds = list(misconfig_kinds) if misconfig_kinds is not None else list(MISCONFIG_KINDS)
    speeds = list(link_gbps) if link_gbps else list(DEFAULT_LINK_GBPS)
    check_arguments(hmcs, systems, lpars, target_share, misconfig, kinds, speeds, msp_pairs, workloads,
                    memory_range_gb, san_group_size, inactive_share)
    low, high = memory_range_gb
    ctx = Context(random.Random(seed), msp_pairs, low, high, list(workloads), inactive_share)
    plans = plan_systems(ctx, hmcs, systems, speeds, san_group_size)
    plan_clients(ctx, plans, lpars, target_share)
    for group in groups(plans):
        size_group(group)
    name_systems(ctx, plans)
    sc = build(ctx, seed, hmcs, plans)
    injected = Injector(ctx.rng, sc, plans).inject(misconfig, kinds)
    sc.description = describe(seed, hmcs, plans, msp_pairs, injected)
    return Generated(sc, injected)


def describe(seed: int, hmcs: int, plans: list[SystemPlan], msp_pairs: int, injected: list[dict[str, str]]) -> str:
    """The scenario's description: its size and every injected misconfiguration in words."""
    clients = sum(len(p.clients) for p in plans)
    n_groups = len(groups(plans))
    lines = [f"Generated fleet (seed {seed}): {hmcs} HMC(s), {len(plans)} managed systems in {n_groups} SAN "
             f"group(s), {clients} client partitions, dual VIOS with {msp_pairs} MSP pair(s) per system."]
    if injected:
        lines.append(f"Injected misconfigurations ({len(injected)}):")
        lines += [f"- {i['kind']}: {i['lpar'] or i['system']} on {i['system']}: {i['detail']}" for i in injected]
    else:
        lines.append("No misconfigurations injected.")
    return "\n".join(lines)
