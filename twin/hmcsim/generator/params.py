"""The generator's public parameters: workload classes, misconfiguration kinds, link speeds, and their check."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

from ..model import Scenario


@dataclass(frozen=True)
class WorkloadClass:
    """A kind of partition: its share of the fleet and the ranges its workload values are drawn from."""

    name: str
    share: float
    dirty_rate_mbs: tuple[float, float]
    wws_pct: tuple[float, float]
    touched_fraction: tuple[float, float]
    mem_median_gb: float           # median of the log-normal memory size of this class
    gb_per_proc_unit: tuple[float, float]


DEFAULT_WORKLOADS: tuple[WorkloadClass, ...] = (
    WorkloadClass("idle", 0.65, (0.0, 30.0), (0.5, 2.0), (0.3, 0.7), 8.0, (12.0, 32.0)),
    WorkloadClass("app", 0.25, (30.0, 100.0), (1.0, 4.0), (0.5, 0.85), 24.0, (8.0, 24.0)),
    WorkloadClass("oltp", 0.10, (100.0, 300.0), (3.0, 8.0), (0.8, 1.0), 64.0, (6.0, 16.0)),
)

# Kinds of injected misconfiguration and what each breaks (the validation check that should catch it).
MISCONFIG_KINDS: dict[str, str] = {
    "reserve_policy": "a backing disk of a vSCSI client has reserve_policy=single_path on one VIOS",
    "wwpn_not_zoned": "the inactive WWPN of one virtual FC client adapter is not zoned on its fabric",
    "vlan_not_bridged": "the partition uses a VLAN that only its own system bridges",
    "rmc_inactive": "RMC is inactive on a running partition",
    "physical_io": "the partition owns a physical I/O slot",
    "migration_disabled": "migration_disabled is set on the partition",
    "huge_pages": "the partition is configured with huge pages",
    "compat_mode": "the partition runs in POWER9 mode while POWER8 systems of its SAN group cannot host it",
    "lmb_mismatch": "one system uses a different logical memory block size than the rest of its SAN group",
}

LINK_SPEEDS_GBPS = (1.0, 10.0, 25.0, 40.0, 100.0)
DEFAULT_LINK_GBPS = (10.0, 10.0, 10.0, 25.0, 25.0, 1.0)   # drawn per system; repeats weight the draw


class Generated(NamedTuple):
    scenario: Scenario
    injected: list[dict[str, str]]    # kind, system, lpar ("" for a system-wide fault), detail


def check_arguments(hmcs: int, systems: int, lpars: int, target_share: float, misconfig: float, kinds: list[str],
                    speeds: list[float], msp_pairs: int, workloads: Sequence[WorkloadClass],
                    memory_range_gb: tuple[float, float], san_group_size: int, inactive_share: float) -> None:
    """Raise ValueError naming every argument out of range."""
    problems = []
    if hmcs < 1 or systems < 1 or lpars < 0:
        problems.append("hmcs and systems must be at least 1 and lpars at least 0")
    for name, share in (("target_share", target_share), ("misconfig", misconfig), ("inactive_share", inactive_share)):
        if not 0.0 <= share <= 1.0:
            problems.append(f"{name} must be between 0 and 1, got {share}")
    unknown = [k for k in kinds if k not in MISCONFIG_KINDS]
    if unknown:
        problems.append(f"unknown misconfiguration kinds {unknown}; known: {', '.join(MISCONFIG_KINDS)}")
    bad_speeds = [s for s in speeds if float(s) not in LINK_SPEEDS_GBPS]
    if bad_speeds:
        problems.append(f"link speeds {bad_speeds} not supported; use {', '.join(f'{s:g}' for s in LINK_SPEEDS_GBPS)}")
    if msp_pairs not in (1, 2):
        problems.append(f"msp_pairs must be 1 or 2, got {msp_pairs}")
    if not workloads or sum(w.share for w in workloads) <= 0:
        problems.append("workloads must hold at least one class with a positive share")
    low, high = memory_range_gb
    if not 1 <= low <= high:
        problems.append(f"memory_range_gb must satisfy 1 <= low <= high, got {memory_range_gb}")
    if san_group_size < 2 and systems > 1:
        problems.append("san_group_size must be at least 2")
    if problems:
        raise ValueError("; ".join(problems))
