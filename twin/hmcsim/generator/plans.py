"""What to build, before building it: system and client plans, and the random context they are drawn with."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Optional

from .catalogue import MachineModel
from .params import WorkloadClass


@dataclass
class ClientPlan:
    lpar_id: int
    workload: WorkloadClass
    mem_mb: int
    proc_units: float
    procs: int
    storage: str                    # vscsi | npiv | both
    vlans: list[int]
    os_version: str
    running: bool
    luns: list[tuple[str, int]] = field(default_factory=list)   # (lun id, size_mb), vSCSI only


@dataclass
class SystemPlan:
    index: int                      # 1-based: sys01
    hmc: int                        # 0-based HMC index
    group: int                      # 0-based SAN group index
    gen: str                        # POWER8 | POWER9
    link_gbps: float
    internal_disks: int
    clients: list[ClientPlan] = field(default_factory=list)
    vios_mem_mb: int = 8192
    vios_proc_units: float = 1.0
    installed_mem_mb: int = 0
    installed_proc_units: float = 0.0
    model: Optional[MachineModel] = None
    serial: str = ""

    @property
    def short(self) -> str:
        return f"sys{self.index:02d}"


@dataclass
class Context:
    """The one random source of a generation and what the steps share; every draw goes through ``rng``
    in a fixed order, so the same arguments give the same fleet."""

    rng: random.Random
    msp_pairs: int
    mem_low_gb: float
    mem_high_gb: float
    workloads: list[WorkloadClass]
    inactive_share: float
    vlan_pools: dict[int, list[int]] = field(default_factory=dict)    # SAN group -> VLANs its partitions draw from
    group_vlans: dict[int, list[int]] = field(default_factory=dict)   # SAN group -> VLANs in use (bridged by every VIOS)
    wwpn_counter: int = 0
    lun_counter: int = 0


def groups(plans: list[SystemPlan]) -> list[list[SystemPlan]]:
    """The systems of each SAN group, groups in order."""
    by_group: dict[int, list[SystemPlan]] = {}
    for plan in plans:
        by_group.setdefault(plan.group, []).append(plan)
    return [by_group[g] for g in sorted(by_group)]
