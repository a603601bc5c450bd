"""The makespan set: seeded evacuation instances drawn from the twin's fleet generator.

Each instance is one source system with 5-60 client partitions and 2-8 empty target systems in
one SAN group, so every target can host every partition the hard constraints allow. What varies,
drawn from ``random.Random(seed)``: the number of targets and partitions, the size class of the
partitions (4 GB up to 2 TB), the MSP link speeds (1, 10, 25 GbE, or a mix drawn per system),
one or two MSP pairs per system, the share of partitions that cannot move (misconfigurations the
planner can see in the facts) or are not activated, and the disruption groups. Dirty rates come
from the generator's workload classes (0-300 MB/s).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from hmcsim.generator import DEFAULT_WORKLOADS, Generated, WorkloadClass, generate_with_report
from hmcsim.model import Scenario

# Misconfigurations visible in the HMC facts, so the planner leaves the partition on the source.
VISIBLE_MISCONFIG = ("physical_io", "migration_disabled", "huge_pages", "rmc_inactive", "vlan_not_bridged", "reserve_policy")
LINK_CHOICES: tuple[tuple[float, ...], ...] = ((1.0,), (10.0,), (25.0,), (10.0, 25.0), (1.0, 10.0, 25.0))
# size class -> (memory scale of the workload classes, largest partition in GB)
SIZE_CLASSES: dict[str, tuple[float, int]] = {"small": (1.0, 256), "mixed": (3.0, 1024), "large": (8.0, 2048)}
BASE_SEED = 1000


@dataclass(frozen=True)
class Instance:
    """The parameters of one evacuation instance (all drawn from ``seed``)."""

    index: int
    seed: int
    targets: int
    lpars: int
    size: str
    link_gbps: tuple[float, ...]
    msp_pairs: int
    misconfig: float
    inactive_share: float
    groups: int

    @property
    def systems(self) -> int:
        return self.targets + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def draw(index: int, base_seed: int = BASE_SEED) -> Instance:
    """Instance number ``index`` of the set."""
    seed = base_seed + index
    rng = random.Random(seed)
    return Instance(
        index=index,
        seed=seed,
        targets=rng.randint(2, 8),
        lpars=rng.randint(5, 60),
        size=rng.choice(sorted(SIZE_CLASSES)),
        link_gbps=rng.choice(LINK_CHOICES),
        msp_pairs=rng.choice((1, 2)),
        misconfig=rng.choice((0.0, 0.05, 0.1, 0.15)),
        inactive_share=rng.choice((0.0, 0.03, 0.08)),
        groups=rng.choice((0, 0, 1, 2, 3)),
    )


def _workloads(scale: float) -> tuple[WorkloadClass, ...]:
    return tuple(
        WorkloadClass(w.name, w.share, w.dirty_rate_mbs, w.wws_pct, w.touched_fraction, w.mem_median_gb * scale,
                      (w.gb_per_proc_unit[0] * scale, w.gb_per_proc_unit[1] * scale))
        for w in DEFAULT_WORKLOADS
    )  # fmt: skip


def generate(inst: Instance) -> Generated:
    """The fleet of an instance: the same instance always gives the same fleet."""
    scale, largest = SIZE_CLASSES[inst.size]
    return generate_with_report(
        seed=inst.seed,
        systems=inst.systems,
        lpars=inst.lpars,
        target_share=1.0,  # every system but the first starts empty: the targets
        san_group_size=inst.systems,
        link_gbps=list(inst.link_gbps),
        msp_pairs=inst.msp_pairs,
        workloads=_workloads(scale),
        memory_range_gb=(4, largest),
        misconfig=inst.misconfig,
        misconfig_kinds=list(VISIBLE_MISCONFIG),
        inactive_share=inst.inactive_share,
    )


def source_of(scenario: Scenario) -> str:
    """The system being evacuated: the one that holds the client partitions."""
    return scenario.systems[0].name


def disruption_groups(inst: Instance, scenario: Scenario) -> list[dict[str, Any]]:
    """``inst.groups`` groups of 2-4 client partitions of the source that must never migrate at once."""
    rng = random.Random(inst.seed * 7919)
    clients = sorted(lp.name for lp in scenario.systems[0].lpars if lp.env != "vioserver")
    groups = []
    for n in range(inst.groups):
        size = min(len(clients), rng.randint(2, 4))
        if size < 2:
            break
        members = rng.sample(clients, size)
        clients = [c for c in clients if c not in members]
        groups.append({"name": f"g{n + 1}", "members": sorted(members)})
    return groups
