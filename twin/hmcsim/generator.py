"""Seeded fleet generator: realistic PowerVM estates of any size, optionally with injected misconfigurations.

``generate(seed=...)`` builds a :class:`~hmcsim.model.Scenario` with N HMCs, M managed systems (mixed POWER8
and POWER9, grouped into SAN groups), dual VIOS per system and K client partitions whose sizes and dirty
rates follow the ranges in lpm-model.md §2.5. With ``misconfig=0`` every client partition can be moved off
any one system: the systems of a SAN group see the same LUNs and fabrics, bridge the same VLANs, run
compatible processor modes and leave enough free memory and processor units for the others.
``misconfig`` breaks a share of the client partitions (or their VIOS, fabric or system) in ways LPM
validation must catch; ``generate_with_report`` returns the list of what was broken.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same scenario, byte for
byte once dumped. See docs/twin.md ("Generated fleets") for the parameters.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Optional, Sequence

from . import scenario as scenario_io
from .estate import COMPAT_MODES, NATIVE_MODE
from .model import (Clock, Disk, Fabric, FcPort, Hmc, Lpar, ManagedSystem, Physics, Scenario, Sea, User, VEth,
                    VFc, Vios, VScsi, Workload)


# ----- public parameters -----

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


# ----- hardware catalogue -----

@dataclass(frozen=True)
class _Model:
    type_model: str
    max_mem_gb: int
    max_cores: int
    firmware: str
    enterprise: bool


_MODELS: dict[str, tuple[_Model, ...]] = {      # smallest first
    "POWER8": (_Model("8286-42A", 2048, 24, "SV860_215", False),
               _Model("9119-MME", 16384, 80, "SC860_215", True),
               _Model("9119-MHE", 32768, 192, "SC860_215", True)),
    "POWER9": (_Model("9009-42A", 4096, 24, "VL950_092", False),
               _Model("9040-MR9", 16384, 48, "VM950_092", True),
               _Model("9080-M9S", 65536, 192, "VH950_092", True)),
}
_IOSLEVELS = {"POWER8": ("2.2.6.51", "3.1.0.21", "3.1.1.25"), "POWER9": ("3.1.1.25", "3.1.2.10", "3.1.2.21")}
_OS_VERSIONS = (("AIX 7.2 7200-04-02-2028", 0.45), ("AIX 7.1 7100-05-06-2015", 0.25),
                ("Linux/Red Hat 4.18.0-193.el8.ppc64le 8.2", 0.18), ("Linux/SuSE 4.12.14-122.37-default 15.2", 0.12))
_NICE_GB = (4, 6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768, 1024,
            1536, 2048, 3072, 4096)
_MEM_SIGMA = 0.9                 # log-normal spread of partition memory within a workload class
_MEM_GRANULE_MB = 64 * 1024      # installed memory comes in 64 GB steps
_FIRMWARE_BASE_MB = 2048         # ManagedSystem.firmware_mem_base_mb default
_HEADROOM = 1.10                 # the load fills at most ~90% of a system before evacuation headroom
_RESERVE = 0.05                  # share of a target kept free when checking that an evacuation fits
_LMB_MB = 256
_MISMATCHED_LMB_MB = 128
_VLANS_PER_TRUNK = 18            # additional VLANs per trunk adapter (802.1Q limit is 19 or 20)
_CLIENT_SLOTS = {"eth": (2, 3), "scsi": (4, 5), "fc": (6, 7), "extra_eth": 8}


# ----- plans (what to build, before building it) -----

@dataclass
class _ClientPlan:
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
class _SystemPlan:
    index: int                      # 1-based: sys01
    hmc: int                        # 0-based HMC index
    group: int                      # 0-based SAN group index
    gen: str                        # POWER8 | POWER9
    link_gbps: float
    internal_disks: int
    clients: list[_ClientPlan] = field(default_factory=list)
    vios_mem_mb: int = 8192
    vios_proc_units: float = 1.0
    installed_mem_mb: int = 0
    installed_proc_units: float = 0.0
    model: Optional[_Model] = None
    serial: str = ""

    @property
    def short(self) -> str:
        return f"sys{self.index:02d}"


# ----- entry points -----

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
    _check_arguments(hmcs, systems, lpars, target_share, misconfig, kinds, speeds, msp_pairs, workloads,
                     memory_range_gb, san_group_size, inactive_share)
    builder = _Builder(random.Random(seed), msp_pairs, memory_range_gb, list(workloads), inactive_share)
    plans = builder.plan_systems(hmcs, systems, speeds, san_group_size)
    builder.plan_clients(plans, lpars, target_share)
    for group in _groups(plans):
        builder.size_group(group)
    builder.name_systems(plans)
    sc = builder.build(seed, hmcs, plans)
    injected = _Injector(builder.rng, sc, plans).inject(misconfig, kinds)
    sc.description = _describe(seed, hmcs, plans, msp_pairs, injected)
    return Generated(sc, injected)


def _check_arguments(hmcs: int, systems: int, lpars: int, target_share: float, misconfig: float, kinds: list[str],
                     speeds: list[float], msp_pairs: int, workloads: Sequence[WorkloadClass],
                     memory_range_gb: tuple[float, float], san_group_size: int, inactive_share: float) -> None:
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


def _groups(plans: list[_SystemPlan]) -> list[list[_SystemPlan]]:
    groups: dict[int, list[_SystemPlan]] = {}
    for plan in plans:
        groups.setdefault(plan.group, []).append(plan)
    return [groups[g] for g in sorted(groups)]


def _footprint_mb(mem_mb: int) -> int:
    """Memory a partition takes on a system: its memory plus the hypervisor page table.

    Mirrors Estate.hpt_mb with the default maximum memory (twice the memory) and hpt_ratio 64.
    """
    return mem_mb + (2 * mem_mb) // 64


# ----- the builder -----

class _Builder:
    def __init__(self, rng: random.Random, msp_pairs: int, memory_range_gb: tuple[float, float],
                 workloads: list[WorkloadClass], inactive_share: float) -> None:
        self.rng = rng
        self.msp_pairs = msp_pairs
        self.mem_low_gb, self.mem_high_gb = memory_range_gb
        self.workloads = workloads
        self.inactive_share = inactive_share
        self.vlan_pools: dict[int, list[int]] = {}     # SAN group -> VLANs its partitions draw from
        self.group_vlans: dict[int, list[int]] = {}    # SAN group -> VLANs in use (bridged by every VIOS)
        self.wwpn_counter = 0
        self.lun_counter = 0

    # -- plans --
    def plan_systems(self, hmcs: int, systems: int, speeds: list[float], group_size: int) -> list[_SystemPlan]:
        n_groups = max(1, systems // group_size)     # a short last group joins the one before
        plans = []
        for i in range(systems):
            group = min(i // group_size, n_groups - 1)
            plans.append(_SystemPlan(index=i + 1, hmc=i * hmcs // systems, group=group, gen="POWER9",
                                     link_gbps=float(self.rng.choice(speeds)),
                                     internal_disks=self.rng.choice((1, 2))))
        for group in _groups(plans):
            # mixed generations: the first system of a group is a POWER9, the second a POWER8, the rest 60/40
            for pos, plan in enumerate(group):
                plan.gen = ("POWER9", "POWER8")[pos] if pos < 2 else self.rng.choices(
                    ("POWER9", "POWER8"), (0.6, 0.4))[0]
        return plans

    def plan_clients(self, plans: list[_SystemPlan], lpars: int, target_share: float) -> None:
        hosts: list[_SystemPlan] = []
        for group in _groups(plans):
            g = group[0].group
            self.vlan_pools[g] = sorted(self.rng.sample(range(100, 1000), self.rng.randint(3, 12)))
            landing = min(int(target_share * len(group)), len(group) - 1)
            hosts.extend(group[:len(group) - landing])
        counts = [lpars // len(hosts)] * len(hosts)
        for i in self.rng.sample(range(len(hosts)), lpars % len(hosts)):
            counts[i] += 1
        for plan, count in zip(hosts, counts):
            plan.clients = [self._client(plan, 3 + k) for k in range(count)]
        for group in _groups(plans):
            g = group[0].group
            used = sorted({v for p in group for c in p.clients for v in c.vlans})
            self.group_vlans[g] = used or self.vlan_pools[g][:1]

    def _client(self, plan: _SystemPlan, lpar_id: int) -> _ClientPlan:
        rng = self.rng
        pool = self.vlan_pools[plan.group]
        workload = rng.choices(self.workloads, [w.share for w in self.workloads])[0]
        mem_gb = self._memory_gb(workload)
        proc_units = round(min(16.0, max(0.1, mem_gb / rng.uniform(*workload.gb_per_proc_unit))), 1)
        procs = max(1, math.ceil(proc_units)) + rng.choice((0, 1))
        storage = rng.choices(("vscsi", "npiv", "both"), (0.45, 0.45, 0.10))[0]
        vlans = [rng.choice(pool)]
        if rng.random() < 0.15:
            second = rng.choice(pool)
            if second != vlans[0]:
                vlans.append(second)
        os_version = rng.choices([o for o, _ in _OS_VERSIONS], [w for _, w in _OS_VERSIONS])[0]
        client = _ClientPlan(lpar_id, workload, int(mem_gb * 1024), proc_units, procs, storage, vlans, os_version,
                             running=rng.random() >= self.inactive_share)
        if storage in ("vscsi", "both"):
            client.luns.append(self._lun(plan.group, rng.choice((51200, 76800, 102400))))
            for _ in range(rng.choice((0, 1, 1, 2))):
                client.luns.append(self._lun(plan.group, max(51200, int(mem_gb * 1024 * rng.uniform(1, 4)))))
        return client

    def _memory_gb(self, workload: WorkloadClass) -> int:
        raw = self.rng.lognormvariate(math.log(workload.mem_median_gb), _MEM_SIGMA)
        raw = min(max(raw, self.mem_low_gb), self.mem_high_gb)
        nice = [g for g in _NICE_GB if self.mem_low_gb <= g <= self.mem_high_gb]
        choices = sorted(set(nice) | {math.ceil(self.mem_low_gb), math.floor(self.mem_high_gb)})
        return min(choices, key=lambda g: (abs(math.log(g) - math.log(raw)), g))

    def _lun(self, group: int, size_mb: int) -> tuple[str, int]:
        self.lun_counter += 1
        return f"60050768018{group:03X}E0{self.lun_counter:016X}", size_mb

    def next_wwpns(self) -> list[str]:
        base = 0xA000000000 + 2 * self.wwpn_counter
        self.wwpn_counter += 1
        return [f"c05076{base:010x}", f"c05076{base + 1:010x}"]

    # -- sizing --
    def size_group(self, group: list[_SystemPlan]) -> None:
        """Installed memory and processor units: the load plus room to take any one system's clients."""
        for plan in group:
            big = len(plan.clients) > 60
            plan.vios_mem_mb = 16384 if big else 8192
            plan.vios_proc_units = 2.0 if big else 1.0
            plan.installed_mem_mb = _round_up(int(self._used_mem(plan) * _HEADROOM), _MEM_GRANULE_MB)
            plan.installed_proc_units = float(_round_up(math.ceil(self._used_proc(plan) * _HEADROOM), 2))
        if len(group) < 2:
            return
        self._meet_bound(group, "mem")
        self._meet_bound(group, "proc")
        for _ in range(100 * len(group)):
            short = self._evacuation_shortfall(group)
            if short is None:
                return
            self._grow([p for p in group if p is not short[0]], short[1], 1)
        raise RuntimeError("could not size the systems of a SAN group for evacuation")  # pragma: no cover

    def _free(self, plan: _SystemPlan, resource: str) -> float:
        """What a system can still take, keeping the reserve free."""
        if resource == "mem":
            return plan.installed_mem_mb * (1 - _RESERVE) - self._used_mem(plan)
        return plan.installed_proc_units * (1 - _RESERVE) - self._used_proc(plan)

    @staticmethod
    def _grow(plans: list[_SystemPlan], resource: str, steps: int) -> None:
        for plan in plans:
            if resource == "mem":
                plan.installed_mem_mb += steps * _MEM_GRANULE_MB
            else:
                plan.installed_proc_units += steps * 2.0

    def _meet_bound(self, group: list[_SystemPlan], resource: str) -> None:
        """Grow the systems until, for each source, the others' free capacity covers its clients plus one
        largest client per extra target: enough for any largest-first placement in one dimension."""
        step = _MEM_GRANULE_MB if resource == "mem" else 2.0
        for _ in range(len(group) + 1):
            grown = False
            for source in group:
                items = [_footprint_mb(c.mem_mb) if resource == "mem" else c.proc_units for c in source.clients]
                if not items:
                    continue
                targets = [p for p in group if p is not source]
                need = sum(items) + (len(targets) - 1) * max(items)
                deficit = need - sum(self._free(t, resource) for t in targets)
                if deficit > 0:
                    self._grow(targets, resource, math.ceil(deficit / len(targets) / step))
                    grown = True
            if not grown:
                return

    def _used_mem(self, plan: _SystemPlan) -> int:
        return (_FIRMWARE_BASE_MB + 2 * _footprint_mb(plan.vios_mem_mb)
                + sum(_footprint_mb(c.mem_mb) for c in plan.clients))

    def _used_proc(self, plan: _SystemPlan) -> float:
        return 2 * plan.vios_proc_units + sum(c.proc_units for c in plan.clients)

    def _evacuation_shortfall(self, group: list[_SystemPlan]) -> Optional[tuple[_SystemPlan, str]]:
        """The first system whose clients do not fit on the others (largest first, onto the roomiest)."""
        for source in group:
            targets = [p for p in group if p is not source]
            # a reserve on every target keeps the evacuation feasible for other placement orders too
            free_mem = {p.index: self._free(p, "mem") for p in targets}
            free_proc = {p.index: self._free(p, "proc") for p in targets}
            for client in sorted(source.clients, key=lambda c: (-c.mem_mb, -c.proc_units, c.lpar_id)):
                need_mem, need_proc = _footprint_mb(client.mem_mb), client.proc_units
                fits = [i for i in free_mem if free_mem[i] >= need_mem and free_proc[i] >= need_proc - 1e-9]
                if not fits:
                    mem_short = all(free_mem[i] < need_mem for i in free_mem)
                    return source, "mem" if mem_short else "proc"
                best = max(fits, key=lambda i: (free_mem[i], -i))
                free_mem[best] -= need_mem
                free_proc[best] -= need_proc
        return None

    def name_systems(self, plans: list[_SystemPlan]) -> None:
        serials: set[str] = set()
        for plan in plans:
            models = _MODELS[plan.gen]
            plan.model = next((m for m in models if m.max_mem_gb * 1024 >= plan.installed_mem_mb
                               and m.max_cores >= plan.installed_proc_units), models[-1])
            while True:
                serial = self.rng.choice(("78", "21", "10", "06")) + "".join(
                    self.rng.choice("0123456789ABCDEF") for _ in range(5))
                if serial not in serials:
                    serials.add(serial)
                    plan.serial = serial
                    break

    # -- objects --
    def build(self, seed: int, hmcs: int, plans: list[_SystemPlan]) -> Scenario:
        hmc_objs = [Hmc(name=f"hmc{h + 1:02d}", ipaddr=f"127.0.0.{h + 1}", version="V9R1.942.0",
                        service_pack="0", build_level="20200326.1",
                        users=[User(name="hscroot", password="abc123")]) for h in range(hmcs)]
        for hmc in hmc_objs:
            hmc.trusted = [f"hscroot@{other.ipaddr}" for other in hmc_objs if other is not hmc]
        fabrics: list[Fabric] = []
        systems: list[ManagedSystem] = []
        for group in _groups(plans):
            g = group[0].group
            fab_a, fab_b = Fabric(f"SAN{g + 1:02d}_A"), Fabric(f"SAN{g + 1:02d}_B")
            fabrics += [fab_a, fab_b]
            group_luns = [lun for p in group for c in p.clients for lun in c.luns]
            for plan in group:
                systems.append(self._system(plan, hmc_objs[plan.hmc].name, group, group_luns, fab_a, fab_b))
        return Scenario(name=f"fleet-{seed}", seed=seed, clock=Clock(start="2021-06-07T08:00:00+00:00"),
                        physics=Physics(), hmcs=hmc_objs, fabrics=fabrics, systems=systems)

    def _system(self, plan: _SystemPlan, hmc: str, group: list[_SystemPlan], group_luns: list[tuple[str, int]],
                fab_a: Fabric, fab_b: Fabric) -> ManagedSystem:
        model = plan.model
        assert model is not None
        most_clients = max(len(p.clients) for p in group)
        compat = "POWER8" if any(p.gen == "POWER8" for p in group) else "default"
        name = f"{plan.gen.lower().replace('power', 'p')}-{plan.short}-{model.type_model}-SN{plan.serial}"
        vios_names = [f"{plan.short}-vios1", f"{plan.short}-vios2"]
        clients = [self._client_lpar(plan, c, vios_names, compat, fab_a, fab_b) for c in plan.clients]
        luns = {c.lpar_id: c.luns for c in plan.clients}
        vioses = [self._vios(plan, v, clients, luns, group_luns, most_clients) for v in (1, 2)]
        return ManagedSystem(
            name=name, type_model=model.type_model, serial=plan.serial, hmc=hmc,
            ipaddr=_system_ip(plan.index, 0), proc_type=plan.gen, firmware=model.firmware,
            lmb_mb=_LMB_MB, installed_mem_mb=plan.installed_mem_mb, installed_proc_units=plan.installed_proc_units,
            max_lpars=max(1000 if model.enterprise else 400, len(plan.clients) + most_clients + 8),
            active_migrations_supported=16, inactive_migrations_supported=4,
            lpars=vioses + clients)

    def _client_lpar(self, plan: _SystemPlan, c: _ClientPlan, vios_names: list[str], compat: str,
                     fab_a: Fabric, fab_b: Fabric) -> Lpar:
        name = f"{plan.short}-lp{c.lpar_id:03d}"
        lp = Lpar(name=name, id=c.lpar_id, state="Running" if c.running else "Not Activated",
                  os_version=c.os_version if c.running else "Unknown", mem_mb=c.mem_mb,
                  proc_units=c.proc_units, procs=c.procs,
                  compat_desired=compat if plan.gen == "POWER9" else "default",
                  rmc_state="active" if c.running else "inactive",
                  rmc_ipaddr=_client_ip(plan.index, c.lpar_id) if c.running else "",
                  workload=Workload(round(self.rng.uniform(*c.workload.dirty_rate_mbs), 1),
                                    round(self.rng.uniform(*c.workload.wws_pct), 1),
                                    round(self.rng.uniform(*c.workload.touched_fraction), 2)))
        lp.eth = [VEth(slot=_CLIENT_SLOTS["eth"][i], port_vlan_id=vlan) for i, vlan in enumerate(c.vlans)]
        if c.storage in ("vscsi", "both"):
            lp.scsi = [VScsi(slot=slot, remote_lpar=vios) for slot, vios in zip(_CLIENT_SLOTS["scsi"], vios_names)]
        if c.storage in ("npiv", "both"):
            for slot, vios, fabric in zip(_CLIENT_SLOTS["fc"], vios_names, (fab_a, fab_b)):
                wwpns = self.next_wwpns()
                fabric.zoned_wwpns.extend(wwpns)
                lp.fc.append(VFc(slot=slot, remote_lpar=vios, wwpns=wwpns))
        return lp

    def _vios(self, plan: _SystemPlan, v: int, clients: list[Lpar], luns: dict[int, list[tuple[str, int]]],
              group_luns: list[tuple[str, int]], most_clients: int) -> Lpar:
        name = f"{plan.short}-vios{v}"
        ioslevel = _IOSLEVELS[plan.gen][plan.index % len(_IOSLEVELS[plan.gen])]
        assert plan.model is not None
        unit = f"U{plan.model.type_model.replace('-', '.')}.{plan.serial}"      # the system unit's location code
        fc_card, eth_card = 2 * v - 1, 2 * v          # VIOS 1 owns slots C1 and C2, VIOS 2 owns C3 and C4
        first = plan.internal_disks
        disks = [Disk(name=f"hdisk{d}", lun=f"int-{plan.short}-vios{v}-{d}", kind="internal",
                      reserve_policy="single_path", size_mb=571236) for d in range(first)]
        hdisk = {lun: f"hdisk{first + i}" for i, (lun, _) in enumerate(group_luns)}
        disks += [Disk(name=hdisk[lun], lun=lun, size_mb=size) for lun, size in group_luns]
        fabrics = (f"SAN{plan.group + 1:02d}_A", f"SAN{plan.group + 1:02d}_B")
        if v == 2:
            fabrics = fabrics[::-1]
        fc_ports = [FcPort(name=f"fcs{p}", fabric=fabrics[p], physloc=f"{unit}-P1-C{fc_card}-T{p + 1}")
                    for p in range(2)]
        vlans = self.group_vlans[plan.group]
        chunks = [vlans[i:i + _VLANS_PER_TRUNK] for i in range(0, len(vlans), _VLANS_PER_TRUNK)]
        trunk_slots = [11] + [13 + i for i in range(len(chunks) - 1)]
        eth = [VEth(slot=slot, port_vlan_id=1 if i == 0 else 4000 + i, addl_vlan_ids=chunk, is_trunk=True,
                    trunk_priority=v, ieee_virtual_eth=True)
               for i, (slot, chunk) in enumerate(zip(trunk_slots, chunks))]
        eth.append(VEth(slot=12, port_vlan_id=99))
        sea = Sea(name="ent8", trunk_slots=trunk_slots, ctl_chan="ent5", priority=v,
                  state="PRIMARY" if v == 1 else "BACKUP")
        scsi: list[VScsi] = []
        fc: list[VFc] = []
        slot = 20
        for lp in clients:
            client_scsi = next((a for a in lp.scsi if a.remote_lpar == name), None)
            if client_scsi is not None:
                client_scsi.remote_slot = slot
                scsi.append(VScsi(slot=slot, adapter_type="server", remote_lpar=lp.name,
                                  remote_slot=client_scsi.slot, backing=[hdisk[lun] for lun, _ in luns[lp.id]]))
                slot += 1
            client_fc = next((a for a in lp.fc if a.remote_lpar == name), None)
            if client_fc is not None:
                client_fc.remote_slot = slot
                fc.append(VFc(slot=slot, adapter_type="server", remote_lpar=lp.name, remote_slot=client_fc.slot,
                              fc_port="fcs0"))
                slot += 1
        vios = Vios(ioslevel=ioslevel, msp_link_gbps=plan.link_gbps,
                    msp_ipaddr=f"10.{250 - plan.index // 256}.{plan.index % 256}.{10 + v}",
                    vioslpm0={"cfg_msp_lpm_ops": "4"} if plan.link_gbps < 10 else {},
                    disks=disks, fc_ports=fc_ports, seas=[sea])
        return Lpar(name=name, id=v, env="vioserver", os_version=f"VIOS {ioslevel}", mem_mb=plan.vios_mem_mb,
                    proc_units=plan.vios_proc_units, procs=2 * int(plan.vios_proc_units),
                    msp=v <= self.msp_pairs, time_ref=True, rmc_ipaddr=_system_ip(plan.index, v),
                    io_slots=[drc_index(fc_card), drc_index(eth_card)],
                    max_virtual_slots=max(200, _round_up(24 + 2 * (len(clients) + most_clients) + 16, 100)),
                    eth=eth, scsi=scsi, fc=fc, vios=vios)


def drc_index(position: int) -> str:
    """The DRC index of physical slot C<position> of the system unit (position in bits 16-23)."""
    return f"{0x21000000 | (position << 16) | (0x10 + position):08X}"


def _system_ip(system: int, vios: int) -> str:
    """The system's service processor (vios=0) or the RMC address of its VIOS 1 or 2."""
    return f"10.{vios}.{system // 250}.{system % 250 + 4}"


def _client_ip(system: int, lpar_id: int) -> str:
    n = system * 4096 + lpar_id
    return f"10.{64 + n // 65536}.{n // 256 % 256}.{n % 256}"


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step


# ----- misconfiguration -----

class _Injector:
    def __init__(self, rng: random.Random, sc: Scenario, plans: list[_SystemPlan]) -> None:
        self.rng = rng
        self.sc = sc
        self.group_of = {ms.name: plan.group for ms, plan in zip(sc.systems, plans)}
        self.fabrics = {f.name: f for f in sc.fabrics}
        self.lmb_done = False
        self.odd_vlan = 3000

    def inject(self, share: float, kinds: list[str]) -> list[dict[str, str]]:
        running = [(ms, lp) for ms in self.sc.systems for lp in ms.lpars
                   if lp.env != "vioserver" and lp.state == "Running"]
        clients = sum(1 for ms in self.sc.systems for lp in ms.lpars if lp.env != "vioserver")
        count = min(len(running), round(share * clients))
        injected: list[dict[str, str]] = []
        if not kinds or count == 0:
            return injected
        for ms, lp in self.rng.sample(running, len(running)):
            if len(injected) == count:
                break
            options = [k for k in kinds if self._applies(k, ms, lp)]
            if not options:
                continue
            kind = self.rng.choice(options)
            detail = getattr(self, f"_{kind}")(ms, lp)
            injected.append({"kind": kind, "system": ms.name, "lpar": "" if kind == "lmb_mismatch" else lp.name,
                             "detail": detail})
        return injected

    def _peers(self, ms: ManagedSystem) -> list[ManagedSystem]:
        return [o for o in self.sc.systems if o is not ms and self.group_of[o.name] == self.group_of[ms.name]]

    def _applies(self, kind: str, ms: ManagedSystem, lp: Lpar) -> bool:
        if kind == "reserve_policy":
            return bool(lp.scsi)
        if kind == "wwpn_not_zoned":
            return bool(lp.fc)
        if kind == "compat_mode":
            return ms.proc_type == "POWER9" and any(o.proc_type == "POWER8" for o in self._peers(ms))
        if kind == "lmb_mismatch":
            return not self.lmb_done and bool(self._peers(ms))
        return True

    def _vios(self, ms: ManagedSystem, name: str) -> Lpar:
        return next(v for v in ms.lpars if v.name == name)

    def _reserve_policy(self, ms: ManagedSystem, lp: Lpar) -> str:
        adapter = self.rng.choice(lp.scsi)
        vios = self._vios(ms, adapter.remote_lpar)
        server = next(a for a in vios.scsi if a.remote_lpar == lp.name)
        assert vios.vios is not None
        disk = next(d for d in vios.vios.disks if d.name == server.backing[0])
        disk.reserve_policy = "single_path"
        return f"{disk.name} (LUN {disk.lun}) on {vios.name} backs {lp.name} with reserve_policy=single_path"

    def _wwpn_not_zoned(self, ms: ManagedSystem, lp: Lpar) -> str:
        adapter = self.rng.choice(lp.fc)
        wwpn = adapter.wwpns[1]
        fabric = next(f for f in self.fabrics.values() if wwpn in f.zoned_wwpns)
        fabric.zoned_wwpns.remove(wwpn)
        return f"inactive WWPN {wwpn} of virtual FC client adapter {adapter.slot} is not zoned on {fabric.name}"

    def _vlan_not_bridged(self, ms: ManagedSystem, lp: Lpar) -> str:
        self.odd_vlan += 1
        vlan = self.odd_vlan
        lp.eth.append(VEth(slot=_CLIENT_SLOTS["extra_eth"], port_vlan_id=vlan))
        for vios in ms.lpars:
            if vios.env == "vioserver":
                trunk = max((a for a in vios.eth if a.is_trunk), key=lambda a: a.slot)
                trunk.addl_vlan_ids = trunk.addl_vlan_ids + [vlan]
        return f"VLAN {vlan} (virtual ethernet slot {_CLIENT_SLOTS['extra_eth']}) is bridged only on {ms.name}"

    def _rmc_inactive(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.rmc_state = "inactive"
        return "rmc_state=inactive while the partition is Running"

    def _physical_io(self, ms: ManagedSystem, lp: Lpar) -> str:
        used = {(int(d.split("/")[0], 16) >> 16) & 0xFF for p in ms.lpars for d in p.io_slots}
        position = next(p for p in range(5, 256) if p not in used)
        drc = drc_index(position)
        lp.io_slots = lp.io_slots + [drc]
        return f"owns physical I/O slot {drc} (C{position})"

    def _migration_disabled(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.migration_disabled = True
        return "migration_disabled=1"

    def _huge_pages(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.huge_pages = self.rng.choice((2, 4, 8))
        return f"{lp.huge_pages} huge pages of {ms.huge_page_mb} MB configured"

    def _compat_mode(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.compat_desired = "POWER9"
        lp.compat_current = ""
        others = [o.name for o in self._peers(ms) if "POWER9" not in (o.compat_modes or COMPAT_MODES[o.proc_type])]
        return f"runs in POWER9 mode ({NATIVE_MODE[ms.proc_type]} system); not supported on {', '.join(others)}"

    def _lmb_mismatch(self, ms: ManagedSystem, lp: Lpar) -> str:
        self.lmb_done = True
        ms.lmb_mb = _MISMATCHED_LMB_MB
        others = sorted({o.lmb_mb for o in self._peers(ms)})
        return f"LMB size {ms.lmb_mb} MB; the rest of its SAN group uses {', '.join(map(str, others))} MB"


def _describe(seed: int, hmcs: int, plans: list[_SystemPlan], msp_pairs: int, injected: list[dict[str, str]]) -> str:
    clients = sum(len(p.clients) for p in plans)
    groups = len(_groups(plans))
    lines = [f"Generated fleet (seed {seed}): {hmcs} HMC(s), {len(plans)} managed systems in {groups} SAN group(s), "
             f"{clients} client partitions, dual VIOS with {msp_pairs} MSP pair(s) per system."]
    if injected:
        lines.append(f"Injected misconfigurations ({len(injected)}):")
        lines += [f"- {i['kind']}: {i['lpar'] or i['system']} on {i['system']}: {i['detail']}" for i in injected]
    else:
        lines.append("No misconfigurations injected.")
    return "\n".join(lines)


# ----- command line (hmcsim generate) -----

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hmcsim generate", description="Generate a seeded fleet scenario as YAML.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--hmcs", type=int, default=1, help="number of HMCs (default 1)")
    p.add_argument("--systems", type=int, default=4, help="number of managed systems (default 4)")
    p.add_argument("--lpars", type=int, default=40, help="number of client partitions (default 40)")
    p.add_argument("--misconfig", type=float, default=0.0, help="share of client partitions to break (0-1)")
    p.add_argument("--misconfig-kinds", default="",
                   help=f"comma list of kinds to inject (default all: {', '.join(MISCONFIG_KINDS)})")
    p.add_argument("--link-gbps", default="", help="comma list of MSP link speeds to draw from, e.g. 1,10,25")
    p.add_argument("--msp-pairs", type=int, default=1, choices=(1, 2), help="MSP pairs per system (default 1)")
    p.add_argument("--target-share", type=float, default=0.0, help="share of systems starting without clients")
    p.add_argument("--san-group-size", type=int, default=4, help="systems per SAN group (default 4)")
    p.add_argument("--max-lpar-gb", type=float, default=256, help="largest client partition memory (default 256)")
    p.add_argument("-o", "--output", default="", help="write the YAML here (default: stdout)")
    return p


def main_generate(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``hmcsim generate``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        speeds = [float(s) for s in args.link_gbps.split(",") if s.strip()] or None
        kinds = [k.strip() for k in args.misconfig_kinds.split(",") if k.strip()] or None
        result = generate_with_report(seed=args.seed, hmcs=args.hmcs, systems=args.systems, lpars=args.lpars,
                                      misconfig=args.misconfig, misconfig_kinds=kinds, link_gbps=speeds,
                                      msp_pairs=args.msp_pairs, target_share=args.target_share,
                                      san_group_size=args.san_group_size,
                                      memory_range_gb=(min(4.0, args.max_lpar_gb), args.max_lpar_gb))
    except ValueError as exc:
        parser.error(str(exc))
    text = scenario_io.dump(result.scenario)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}: {len(result.scenario.systems)} systems, "
              f"{len(result.injected)} injected misconfiguration(s)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
