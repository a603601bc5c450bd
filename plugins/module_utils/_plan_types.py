# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation planner's typed view of the estate, its policy and its results.

``_plan_estate`` builds the input types from the estate facts (``_estate_model``); the planner never
reads the facts directly. Every decision carries a machine-readable ``reason`` code; the codes are
listed in docs/evacuation_plan.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT
from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Workload

ACTIVE, SUSPENDED, INACTIVE = "active", "suspended", "inactive"
INACTIVE_POLICIES = ("move", "stay")
STORAGE_POLICIES = ("allow", "block")


@dataclass(frozen=True)
class Reason:
    """Why something cannot happen (or was chosen): a stable code and a human detail."""

    code: str
    detail: str = ""


@dataclass(frozen=True)
class Msp:
    """A mover service partition that can serve this evacuation, with its link and its free operations."""

    system: str
    name: str
    id: int
    gbps: float
    payload_mbs: float  # link capacity shared by the migrations it serves
    stream_mbs: float  # what one migration stream reaches on it
    cap: int  # concurrent migrations it may still serve

    @cached_property
    def key(self) -> str:
        return f"{self.system}/{self.name}"


@dataclass(frozen=True)
class HostingVios:
    """What a destination VIOS offers a partition's virtual adapters."""

    name: str
    running: bool
    collected: bool  # the VIOS itself was read (disks, FC ports, SEAs)
    luns: frozenset[str]  # unique ids of the SAN disks it sees
    luns_complete: bool  # every disk's identity was read: a missing LUN is really missing
    bad_reserve_luns: frozenset[str]  # LUNs it sees with a reserve policy LPM refuses
    npiv_fabrics: tuple[str | None, ...]  # one per usable NPIV port: its fabric (None: not known)
    bridged: frozenset[tuple[str, int]]  # (vswitch, VLAN) bridged by its SEAs or trunk adapters


@dataclass(frozen=True)
class AdapterNeed:
    """A client virtual adapter of the mobile partition and what its destination VIOS must offer."""

    kind: str  # "vscsi" or "npiv"
    slot: int
    source_vios: str
    luns: tuple[str, ...] = ()  # vscsi: unique ids of the backing LUNs
    luns_known: bool = True  # vscsi: every backing disk's identity was read on the source
    fabrics: tuple[str, ...] = ()  # npiv: fabrics of the source port (empty: not known)


@dataclass(frozen=True)
class Partition:
    """A partition of the source system, as the planner sees it."""

    name: str
    id: int
    kind: str  # ACTIVE, SUSPENDED or INACTIVE
    state: str
    mem_mb: int  # memory it needs on the target
    hpt_mb: int  # hypervisor page table charged on the target
    proc_units: float  # processing units (shared) or processors (dedicated) it needs
    shared_procs: bool
    virtual_procs: int
    pool_name: str | None  # shared processor pool (shared processors only)
    compat_mode: str | None  # the mode the target must support (current for active, preferred for inactive)
    shared_memory: bool
    ame: bool
    vlans: tuple[tuple[str, int], ...]
    macs: tuple[str, ...]
    uuid: str | None
    adapters: tuple[AdapterNeed, ...]
    workload: Workload
    blockers: tuple[Reason, ...]  # why it cannot move anywhere; empty when it may
    notes: tuple[Reason, ...] = ()  # warnings that do not stop it

    @property
    def uses_memory_copy(self) -> bool:
        return self.kind != INACTIVE

    @property
    def touched_mb(self) -> float:
        return self.mem_mb * self.workload.touched_fraction if self.uses_memory_copy else 0.0

    @property
    def dirty_mbs(self) -> float:
        return self.workload.dirty_rate_mbs if self.kind == ACTIVE else 0.0

    @property
    def wws_mb(self) -> float:
        return self.mem_mb * self.workload.wws_pct / 100.0


@dataclass(frozen=True)
class System:
    """A managed system: the source or a destination."""

    name: str
    state: str
    lmb_mb: int | None
    compat_modes: tuple[str, ...]
    avail_mem_mb: int | None
    avail_proc_units: float | None
    min_proc_units_per_vp: float | None
    max_lpars: int | None
    partition_count: int
    names: frozenset[str]
    ids: frozenset[int]
    uuids: frozenset[str]
    macs: frozenset[str]
    pools: Mapping[str, float | None]  # shared pool name -> free processing units (None: unlimited)
    capabilities: Mapping[str, bool | None]
    active_capable: bool | None
    inactive_capable: bool | None
    active_cap: int  # active migrations it may still take part in
    inactive_cap: int
    msps: tuple[Msp, ...]
    vios: tuple[HostingVios, ...]

    @property
    def ingress_mbs(self) -> float:
        return sum(m.payload_mbs for m in self.msps)


@dataclass(frozen=True)
class DisruptionGroup:
    """Partitions that must never migrate at the same time."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    """What the user decides: what may move where, and how many at once."""

    exclude: tuple[str, ...] = ()
    pin: Mapping[str, str] = field(default_factory=dict)  # partition -> target system
    disruption_groups: tuple[DisruptionGroup, ...] = ()
    inactive: str = "move"  # INACTIVE_POLICIES
    reserve_inactive_capacity: bool = True  # inactive partitions keep room to be activated on the target
    unverified_storage: str = "allow"  # STORAGE_POLICIES: storage the facts cannot confirm
    fc_fabrics: Mapping[str, str] = field(default_factory=dict)  # "system/vios/fcsN" -> fabric name
    max_concurrent: int | None = DEFAULT_MAX_CONCURRENT  # migrations in flight at once, in all
    max_per_system: int | None = None  # active migrations per system
    max_inactive_per_system: int | None = None
    max_per_msp: int | None = None
    max_per_msp_pair: int | None = None
    max_evaluations: int = 0  # simulations the schedule search may run; 0: automatic


@dataclass(frozen=True)
class Decision:
    """One choice of the planner, with its reason code and the values behind it."""

    lpar: str
    decision: str  # "target", "msp_pair", "start", "kind"
    value: object
    reason: str
    details: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"lpar": self.lpar, "decision": self.decision, "value": self.value, "reason": self.reason, **dict(self.details)}


@dataclass(frozen=True)
class Unmovable:
    """A partition that stays on the source, and why."""

    lpar: str
    reason: str
    detail: str
    by_target: Mapping[str, str] = field(default_factory=dict)  # target -> reason code

    def as_dict(self) -> dict[str, object]:
        return {"lpar": self.lpar, "reason": self.reason, "detail": self.detail, "by_target": dict(self.by_target)}
