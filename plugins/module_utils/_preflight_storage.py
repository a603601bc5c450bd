# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""How the partition's virtual storage looks on both sides, computed once per pair.

For each client vSCSI adapter: the source VIOS, its backing devices (lsmap) and the target VIOS that
sees every LUN (same ``unique_id``). For each client virtual FC adapter: the source VIOS and a target
VIOS with an NPIV-capable port. The target VIOS in the same position as the source VIOS is preferred.
A target VIOS whose details or disk identities were not read makes the choice Unknown, not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import Disk, PartitionFacts, VirtualFc, VirtualScsi
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext

OPTICAL_VTD_PREFIX = "vtopt"


@dataclass
class Backing:
    vtd: str
    device: str
    kind: str  # san, internal, lv, optical, file, unknown
    disk: Disk | None


@dataclass
class ScsiPath:
    client: VirtualScsi
    vios: PartitionFacts | None  # the source VIOS
    devices: list[Backing] = field(default_factory=list)
    problem: str | None = None  # why the source side could not be read
    preferred: PartitionFacts | None = None  # the running target VIOS in the source VIOS's position (the HMC's first choice)
    dest: PartitionFacts | None = None
    dest_problem: str | None = None  # why the target side cannot be decided

    def luns(self) -> list[str] | None:
        """unique_ids of the SAN disks behind the adapter; None when one of them was not read."""
        ids = [b.disk["unique_id"] if b.disk is not None else None for b in self.devices if b.kind == "san"]
        return None if any(i is None for i in ids) else [str(i) for i in ids]


@dataclass
class FcPath:
    client: VirtualFc
    vios: PartitionFacts | None
    preferred: PartitionFacts | None = None
    dest: PartitionFacts | None = None
    dest_problem: str | None = None
    ports: dict[str, list[str]] = field(default_factory=dict)  # target VIOS -> usable NPIV ports


@dataclass
class StorageView:
    scsi: list[ScsiPath]
    fc: list[FcPath]

    def dest_vios(self) -> list[PartitionFacts]:
        """The target VIOS chosen to host an adapter, and those the HMC tries first."""
        paths: list[ScsiPath | FcPath] = [*self.scsi, *self.fc]
        chosen = [v for p in paths for v in (p.preferred, p.dest) if v is not None]
        return list({p["name"]: p for p in chosen}.values())


def view(ctx: PairContext) -> StorageView:
    cached = ctx.cache.get("storage")
    if isinstance(cached, StorageView):
        return cached
    result = StorageView([_scsi_path(ctx, c) for c in lk.client_scsi(ctx.lpar)], [_fc_path(ctx, c) for c in lk.client_fc(ctx.lpar)])
    ctx.cache["storage"] = result
    return result


def _backing(vios: PartitionFacts, vtd: str, device: str, kind: str) -> Backing:
    if vtd.startswith(OPTICAL_VTD_PREFIX):
        kind = "optical"
    return Backing(vtd, device, kind, lk.disk_of(vios, device))


def _scsi_path(ctx: PairContext, client: VirtualScsi) -> ScsiPath:
    vios = lk.remote_vios(ctx.src, client)
    path = ScsiPath(client, vios)
    if vios is None:
        path.problem = f"client adapter {client['slot']} names no partition of {ctx.src['name']}"
        return path
    if not lk.collected(vios):
        path.problem = lk.not_read_reason(vios)
        return path
    mapping = lk.scsi_mapping(vios, ctx.lpar, client)
    if mapping is not None:
        path.devices = [_backing(vios, d["vtd"], d["backing"], d["kind"]) for d in mapping["devices"]]
    _choose_scsi(ctx, path)
    return path


def _scsi_host(vios: PartitionFacts, luns: list[str] | None) -> tuple[bool, str | None]:
    """(can host, why undecided) for a target VIOS and the LUNs of a client adapter."""
    if not lk.running(vios):
        return False, None
    if not lk.collected(vios):
        return False, lk.not_read_reason(vios)
    if luns is None:
        return False, "the identity (unique_id) of a source backing disk was not read"
    if all(lk.disk_with_lun(vios, lun) is not None for lun in luns):
        return True, None
    unread = lk.unread_disks(vios)
    if unread:
        return False, (f"the LUN is not among the disks of VIOS {vios['name']} whose identity was read; {len(unread)} were not read "
                       "(target_disks=all, or an estate gathered with vios_disks=all, reads them)")
    return False, None


def _choose_scsi(ctx: PairContext, path: ScsiPath) -> None:
    luns = path.luns()
    undecided: list[str] = []
    ordered = lk.ordered_by_position(ctx.dst, lk.position(ctx.src, path.vios))
    path.preferred = next((v for v in ordered if lk.running(v)), None)
    for vios in ordered:
        ok, why = _scsi_host(vios, luns)
        if ok:
            path.dest = vios
            return
        if why:
            undecided.append(why)
    path.dest_problem = undecided[0] if undecided else None


def _fc_path(ctx: PairContext, client: VirtualFc) -> FcPath:
    vios = lk.remote_vios(ctx.src, client)
    path = FcPath(client, vios)
    undecided: list[str] = []
    ordered = lk.ordered_by_position(ctx.dst, lk.position(ctx.src, vios))
    path.preferred = next((v for v in ordered if lk.running(v)), None)
    for candidate in ordered:
        if not lk.running(candidate):
            continue
        if not lk.collected(candidate):
            undecided.append(lk.not_read_reason(candidate))
            continue
        ports = lk.npiv_ports(candidate)
        path.ports[candidate["name"]] = ports
        if ports and path.dest is None:
            path.dest = candidate
    if path.dest is None and undecided:
        path.dest_problem = undecided[0]
    return path


def msp_candidates(partitions: list[PartitionFacts]) -> list[PartitionFacts]:
    """Running VIOS with msp=1, best first: RMC active and a VASI device seen."""
    found = [p for p in partitions if p["msp"] and lk.running(p)]

    def rank(p: PartitionFacts) -> tuple[bool, bool]:
        vasi = p["vios"]["vasi"] if p["vios"] is not None else None
        return p["rmc_state"] != "active", vasi is False

    return sorted(found, key=rank)
