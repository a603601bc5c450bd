# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Hard constraints of a partition on a destination system.

:func:`target_reasons` gives every reason a partition cannot go to a target, whatever else goes there
(compatibility, networks, storage, mover service partitions, names). :class:`Capacity` tracks what the
targets have left as partitions are placed (memory with the hypervisor page table, processing units,
shared pool room, partition slots). Storage the facts cannot confirm is a note, or a reason when the
policy says ``unverified_storage: block``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import permutations

from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, AdapterNeed, HostingVios, Partition, Policy, Reason, System

TOLERANCE = 1e-9
OK, UNVERIFIED, NO = 2, 1, 0

# Capability flag the destination needs, and whether the partition uses what it covers.
NEEDED_CAPABILITIES = (
    ("virtual_fc_capable", lambda p: any(a.kind == "npiv" for a in p.adapters)),
    ("active_mem_sharing_capable", lambda p: p.shared_memory),
    ("active_mem_expansion_capable", lambda p: p.ame),
    ("micro_lpar_capable", lambda p: p.shared_procs),
)


@dataclass(frozen=True)
class Verdict:
    """The result of the static checks of one partition on one target."""

    reasons: tuple[Reason, ...]
    notes: tuple[Reason, ...] = ()

    @property
    def feasible(self) -> bool:
        return not self.reasons


def source_reasons(part: Partition, source: System) -> list[Reason]:
    """What the source system itself stops (mobility, mover service partitions, free slots)."""
    out = []
    if part.kind == INACTIVE:
        if source.inactive_capable is False:
            out.append(Reason("mobility_not_capable", f"{source.name} is not capable of inactive partition mobility"))
        if source.inactive_cap <= 0:
            out.append(Reason("no_migration_slot", f"{source.name} has no free inactive migration slot"))
        return out
    if source.active_capable is False:
        out.append(Reason("mobility_not_capable", f"{source.name} is not capable of active partition mobility"))
    if not source.msps:
        out.append(Reason("no_msp_source", f"{source.name} has no usable mover service partition"))
    if source.active_cap <= 0:
        out.append(Reason("no_migration_slot", f"{source.name} has no free active migration slot"))
    return out


def _system_reasons(part: Partition, source: System, target: System) -> Iterable[Reason]:
    if target.state != "Operating":
        yield Reason("target_not_operating", f"{target.name} is {target.state}")
    capable = target.inactive_capable if part.kind == INACTIVE else target.active_capable
    if capable is False:
        yield Reason("mobility_not_capable", f"{target.name} is not capable of {'inactive' if part.kind == INACTIVE else 'active'} partition mobility")
    if (target.inactive_cap if part.kind == INACTIVE else target.active_cap) <= 0:
        yield Reason("no_migration_slot", f"{target.name} has no free migration slot")
    if part.kind != INACTIVE and not target.msps:
        yield Reason("no_msp_target", f"{target.name} has no usable mover service partition")
    if source.lmb_mb is not None and target.lmb_mb is not None and source.lmb_mb != target.lmb_mb:
        yield Reason("lmb_mismatch", f"logical memory block {source.lmb_mb} MB on {source.name}, {target.lmb_mb} MB on {target.name}")
    mode = part.compat_mode
    if mode and mode != "default" and target.compat_modes and mode not in target.compat_modes:
        yield Reason("compat_mode_unsupported", f"{target.name} does not support processor compatibility mode {mode}")
    for flag, uses in NEEDED_CAPABILITIES:
        if uses(part) and target.capabilities.get(flag) is False:
            yield Reason("capability_missing", f"{target.name} is not {flag}")
    per_vp = part.proc_units / part.virtual_procs if part.shared_procs and part.virtual_procs else None
    minimum = target.min_proc_units_per_vp
    if per_vp is not None and minimum is not None and per_vp + TOLERANCE < minimum:
        yield Reason("proc_units_per_vp", f"{part.name} has {per_vp:.2f} units per virtual processor, {target.name} needs {minimum}")
    if part.pool_name and target.pools and part.pool_name not in target.pools:
        yield Reason("shared_pool_missing", f"{target.name} has no shared processor pool {part.pool_name}")


def _identity_reasons(part: Partition, target: System) -> Iterable[Reason]:
    if part.name in target.names:
        yield Reason("name_in_use", f"a partition named {part.name} exists on {target.name}")
    if part.uuid and part.uuid.upper() in target.uuids:
        yield Reason("uuid_in_use", f"the UUID of {part.name} is in use on {target.name}")
    clash = sorted(set(part.macs) & target.macs)
    if clash:
        yield Reason("mac_in_use", f"MAC {clash[0]} of {part.name} is in use on {target.name}")


def _network_reasons(part: Partition, target: System) -> Iterable[Reason]:
    bridged: set[tuple[str, int]] = set()
    for vios in target.vios:
        bridged |= vios.bridged
    for vswitch, vlan in part.vlans:
        if (vswitch, vlan) not in bridged:
            yield Reason("vlan_not_bridged", f"VLAN {vlan} on {vswitch} is not bridged by a VIOS of {target.name}")
            return


def adapter_status(need: AdapterNeed, vios: HostingVios) -> int:
    """OK, UNVERIFIED or NO: whether this destination VIOS can host this client adapter."""
    if not vios.running:
        return NO
    if not vios.collected:
        return UNVERIFIED
    if need.kind == "npiv":
        if not vios.npiv_fabrics:
            return NO
        if not need.fabrics:
            return UNVERIFIED
        if any(f in need.fabrics for f in vios.npiv_fabrics if f is not None):
            return OK
        return UNVERIFIED if any(f is None for f in vios.npiv_fabrics) else NO
    if any(lun in vios.bad_reserve_luns for lun in need.luns):
        return NO
    missing = [lun for lun in need.luns if lun not in vios.luns]
    if missing:
        return UNVERIFIED if not vios.luns_complete else NO
    return OK if need.luns_known else UNVERIFIED


def _assign(groups: Sequence[Sequence[int]], count: int) -> bool:
    """Whether every group (the VIOS each may use) gets a VIOS of its own."""
    if len(groups) > count:
        return False
    for chosen in permutations(range(count), len(groups)):
        if all(v in g for v, g in zip(chosen, groups)):
            return True
    return False


def _storage_reasons(part: Partition, target: System) -> tuple[list[Reason], bool]:
    """(reasons, unverified): adapters no destination VIOS can host, and missing redundancy."""
    reasons: list[Reason] = []
    unverified = False
    status = [[adapter_status(need, vios) for vios in target.vios] for need in part.adapters]
    for need, row in zip(part.adapters, status):
        best = max(row, default=NO)
        if best == NO:
            code = "npiv_fabric_unreachable" if need.kind == "npiv" else "vscsi_luns_not_seen"
            what = "no NPIV port on its fabric" if need.kind == "npiv" else "does not see its LUNs"
            reasons.append(Reason(code, f"no VIOS of {target.name} can host client slot {need.slot} ({what})"))
        unverified = unverified or best == UNVERIFIED
    if reasons:
        return reasons, unverified
    for kind in ("vscsi", "npiv"):
        by_source: dict[str, list[int]] = {}
        for i, need in enumerate(part.adapters):
            if need.kind == kind:
                by_source.setdefault(need.source_vios, []).append(i)
        if len(by_source) < 2:
            continue
        groups = [[v for v in range(len(target.vios)) if all(status[i][v] != NO for i in by_source[name])] for name in sorted(by_source)]
        if not _assign(groups, len(target.vios)):
            detail = f"{part.name} uses {len(by_source)} VIOS for {kind}; {target.name} cannot host them on as many"
            reasons.append(Reason("redundant_vios_unavailable", detail))
    return reasons, unverified


def target_reasons(part: Partition, source: System, target: System, policy: Policy) -> Verdict:
    """Everything that stops ``part`` from going to ``target`` (capacity left aside)."""
    reasons = [*_system_reasons(part, source, target), *_identity_reasons(part, target), *_network_reasons(part, target)]
    storage, unverified = _storage_reasons(part, target)
    reasons.extend(storage)
    notes = []
    if unverified and not storage:
        note = Reason("storage_unverified", f"the estate facts cannot confirm that {target.name} reaches the storage of {part.name}")
        (reasons if policy.unverified_storage == "block" else notes).append(note)
    return Verdict(tuple(reasons), tuple(notes))


@dataclass
class Room:
    """What a target has left."""

    mem_mb: float
    proc_units: float
    pools: dict[str, float | None]
    slots: float


@dataclass
class Capacity:
    """Free capacity of every target, updated as partitions are placed. Unknown values do not limit."""

    policy: Policy
    room: dict[str, Room] = field(default_factory=dict)
    initial: dict[str, Room] = field(default_factory=dict)

    @classmethod
    def of(cls, targets: Iterable[System], policy: Policy) -> Capacity:
        cap = cls(policy)
        inf = float("inf")
        for t in targets:
            slots = inf if t.max_lpars is None else float(t.max_lpars - t.partition_count)
            mem = inf if t.avail_mem_mb is None else float(t.avail_mem_mb)
            proc = inf if t.avail_proc_units is None else float(t.avail_proc_units)
            cap.room[t.name] = Room(mem, proc, dict(t.pools), slots)
            cap.initial[t.name] = Room(mem, proc, dict(t.pools), slots)
        return cap

    def consumes(self, part: Partition) -> bool:
        return part.kind != INACTIVE or self.policy.reserve_inactive_capacity

    def shortfall(self, part: Partition, target: str) -> Reason | None:
        """Why ``part`` does not fit in what ``target`` has left, or None."""
        room = self.room[target]
        need = part.mem_mb + part.hpt_mb
        if need > room.mem_mb:
            return Reason("memory", f"{part.name} needs {need} MB with its page table, {target} has {room.mem_mb:g} MB left")
        if self.consumes(part) and part.proc_units > room.proc_units + TOLERANCE:
            return Reason("processors", f"{part.name} needs {part.proc_units:g} units, {target} has {room.proc_units:g} left")
        pool = room.pools.get(part.pool_name or "")
        if self.consumes(part) and pool is not None and part.proc_units > pool + TOLERANCE:
            return Reason("shared_pool_capacity", f"pool {part.pool_name} of {target} has {pool:g} units left")
        if room.slots < 1:
            return Reason("lpar_limit", f"{target} has no free partition slot")
        return None

    def take(self, part: Partition, target: str) -> None:
        room = self.room[target]
        room.slots -= 1
        if not self.consumes(part):
            return
        room.mem_mb -= part.mem_mb + part.hpt_mb
        room.proc_units -= part.proc_units
        pool = room.pools.get(part.pool_name or "")
        if pool is not None:
            room.pools[part.pool_name or ""] = pool - part.proc_units

    def give_back(self, part: Partition, target: str) -> None:
        room = self.room[target]
        room.slots += 1
        if not self.consumes(part):
            return
        room.mem_mb += part.mem_mb + part.hpt_mb
        room.proc_units += part.proc_units
        pool = room.pools.get(part.pool_name or "")
        if pool is not None:
            room.pools[part.pool_name or ""] = pool + part.proc_units

    def headroom(self, part: Partition, target: str) -> float:
        """Smallest fraction of the target's initial free memory or processors left after placing ``part``."""
        room, start = self.room[target], self.initial[target]
        fractions = []
        if start.mem_mb not in (0.0, float("inf")):
            fractions.append((room.mem_mb - (part.mem_mb + part.hpt_mb if self.consumes(part) else 0)) / start.mem_mb)
        if start.proc_units not in (0.0, float("inf")):
            fractions.append((room.proc_units - (part.proc_units if self.consumes(part) else 0)) / start.proc_units)
        return min(fractions, default=1.0)
