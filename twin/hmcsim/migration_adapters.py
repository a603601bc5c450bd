"""The partition's virtual I/O during a migration: the shell on the target, its adapters, the move.

When the shell is created, each client vSCSI/vFC adapter of the partition gets a server adapter on
the destination VIOS chosen by validation: vSCSI backed by the disks of that VIOS that carry the same
LUNs, vFC mapped to an NPIV port on the fabric where the client's WWPNs are zoned. The shell's
client adapters point at them. On success the partition object moves to the target and takes the
shell's adapters (MACs and both WWPNs keep their values); the source VIOS server adapters that named
the partition are removed, those open to "any" partition stay (field guide, slide 46). On rollback
the shell and the adapters created for it go away.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import Optional, Union

from .estate import Estate
from .model import Fabric, Lpar, ManagedSystem, Profile, VFc, VScsi
from .request import Mapping, MigrationRequest, Resolution

Adapter = Union[VScsi, VFc]
FIRST_FREE_SLOT = 10          # lowest slot considered for a new VIOS server adapter


@dataclass
class Shell:
    lpar: Lpar                                     # the shell partition in the target's list
    created: list[tuple[Lpar, Adapter]] = field(default_factory=list)   # (destination VIOS, adapter)


def vioses(ms: ManagedSystem) -> list[Lpar]:
    return sorted((lp for lp in ms.lpars if lp.env == "vioserver"), key=lambda lp: lp.id)


def _used_slots(lp: Lpar) -> set[int]:
    return {a.slot for a in lp.eth} | {a.slot for a in lp.scsi} | {a.slot for a in lp.fc} | set(lp.serial_slots)


def _free_slot(vios: Lpar, wanted: list[Optional[int]]) -> int:
    """The first wanted slot that is free and below the VIOS's max_virtual_slots, else the lowest free one from
    FIRST_FREE_SLOT (then below it). Validation (vios_slots, vios_slot_free) made sure there is one."""
    used = _used_slots(vios)
    for slot in wanted:
        if slot is not None and slot not in used and slot < vios.max_virtual_slots:
            return slot
    for slot in [*range(FIRST_FREE_SLOT, vios.max_virtual_slots), *range(2, min(FIRST_FREE_SLOT, vios.max_virtual_slots))]:
        if slot not in used:
            return slot
    raise RuntimeError(f"no free virtual slot on {vios.name} (max_virtual_slots {vios.max_virtual_slots})")


def _server_of(ms: ManagedSystem, lp: Lpar, client: Adapter) -> tuple[Optional[Lpar], Optional[Adapter]]:
    """The source VIOS and server adapter behind a client adapter."""
    vios = Estate.find_lpar(ms, name=client.remote_lpar)
    if vios is None:
        return None, None
    pool: list = vios.scsi if isinstance(client, VScsi) else vios.fc
    servers = [a for a in pool if a.adapter_type == "server"]
    exact = [a for a in servers if a.remote_lpar == lp.name and a.remote_slot == client.slot]
    loose = [a for a in servers if a.slot == client.remote_slot and a.remote_lpar in (lp.name, "any", "")]
    found = (exact or loose or [None])[0]
    return vios, found


def _dest_vios(source: ManagedSystem, target: ManagedSystem, chosen: str, client: Adapter) -> Optional[Lpar]:
    """The destination VIOS validation chose, else the one in the same position as the source VIOS."""
    dests = vioses(target)
    if chosen:
        return next((v for v in dests if v.name == chosen), None)
    names = [v.name for v in vioses(source)]
    pos = names.index(client.remote_lpar) if client.remote_lpar in names else 0
    return dests[pos] if pos < len(dests) else (dests[0] if dests else None)


def _mapping(mappings: list[Mapping], slot: int) -> Optional[Mapping]:
    return next((m for m in mappings if m.client_slot == slot), None)


def _backing(src_vios: Optional[Lpar], server: Optional[Adapter], dest_vios: Lpar) -> list[str]:
    """Names on the destination VIOS of the disks backing the source server adapter (same LUN)."""
    if src_vios is None or src_vios.vios is None or dest_vios.vios is None or not isinstance(server, VScsi):
        return []
    out = []
    for device in server.backing:
        disk = next((d for d in src_vios.vios.disks if d.name == device), None)
        if disk is None:
            continue
        twin = next((d for d in dest_vios.vios.disks if d.lun == disk.lun), None)
        if twin is not None:
            out.append(twin.name)
    return out


def _zoned(fabrics: list[Fabric], wwpns: list[str]) -> set[str]:
    wanted = {w.lower() for w in wwpns}
    return {f.name for f in fabrics if wanted <= {w.lower() for w in f.zoned_wwpns}}


def _fc_port(fabrics: list[Fabric], src_vios: Optional[Lpar], server: Optional[Adapter], dest_vios: Lpar,
             client: VFc, mapping: Optional[Mapping]) -> str:
    """An NPIV port of the destination VIOS on the right fabric."""
    if dest_vios.vios is None:
        return ""
    ports = [p for p in dest_vios.vios.fc_ports if p.npiv]
    if mapping is not None and mapping.dest_fc_port:
        return mapping.dest_fc_port
    source_fabric = ""
    if src_vios is not None and src_vios.vios is not None and isinstance(server, VFc):
        source_fabric = next((p.fabric for p in src_vios.vios.fc_ports if p.name == server.fc_port), "")
    zoned = _zoned(fabrics, client.wwpns)
    for good in ([source_fabric] if source_fabric in zoned else []) + sorted(zoned) + [source_fabric]:
        port = next((p for p in ports if p.fabric == good), None)
        if port is not None:
            return port.name
    return ports[0].name if ports else ""


def _pool(target: ManagedSystem, lp: Lpar, req: MigrationRequest) -> str:
    pools = target.shared_proc_pools
    if req.shared_proc_pool_name:
        chosen = next((p for p in pools if p.name == req.shared_proc_pool_name), None)
    elif req.shared_proc_pool_id is not None:
        chosen = next((p for p in pools if p.id == req.shared_proc_pool_id), None)
    else:
        chosen = next((p for p in pools if p.name == lp.shared_proc_pool), None)
    return chosen.name if chosen is not None else "DefaultPool"


def create_shell(estate: Estate, req: MigrationRequest, res: Resolution, lpar_id: int, state: str) -> Shell:
    """Put the shell partition and its VIOS server adapters on the target."""
    source, target, lp = req.source, req.target, req.lpar
    assert target is not None
    shell_lp = copy.deepcopy(lp)
    shell_lp.id = lpar_id
    shell_lp.state = state
    shell_lp.shared_proc_pool = _pool(target, lp, req)
    shell = Shell(shell_lp)
    shell_lp.scsi = [_move_client(estate, shell, req, res.scsi_dest, req.scsi_mappings, a) for a in lp.scsi]
    shell_lp.fc = [_move_client(estate, shell, req, res.fc_dest, req.fc_mappings, a) for a in lp.fc]
    target.lpars.append(shell_lp)
    return shell


def _move_client(estate: Estate, shell: Shell, req: MigrationRequest, chosen: dict[int, str],
                 mappings: list[Mapping], client: Adapter) -> Adapter:
    if client.adapter_type != "client":
        return copy.deepcopy(client)
    assert req.target is not None
    dest = _dest_vios(req.source, req.target, chosen.get(client.slot, ""), client)
    if dest is None:
        return copy.deepcopy(client)
    src_vios, server = _server_of(req.source, req.lpar, client)
    mapping = _mapping(mappings, client.slot)
    slot = _free_slot(dest, [mapping.dest_vios_slot if mapping else None, server.slot if server else None])
    new: Adapter
    if isinstance(client, VScsi):
        new = VScsi(slot, "server", req.lpar.name, client.slot, backing=_backing(src_vios, server, dest))
        dest.scsi.append(new)
    else:
        port = _fc_port(estate.scenario.fabrics, src_vios, server, dest, client, mapping)
        new = VFc(slot, "server", req.lpar.name, client.slot, fc_port=port)
        dest.fc.append(new)
    shell.created.append((dest, new))
    return replace(copy.deepcopy(client), remote_lpar=dest.name, remote_slot=slot)


def _drop(items: list, obj: object) -> None:
    for i, item in enumerate(items):
        if item is obj:
            del items[i]
            return


def remove_shell(target: ManagedSystem, shell: Shell) -> None:
    """Roll back: the shell and the adapters created for it go away."""
    _drop(target.lpars, shell.lpar)
    for vios, adapter in shell.created:
        _drop(vios.scsi if isinstance(adapter, VScsi) else vios.fc, adapter)
    shell.created.clear()


def complete_move(source: ManagedSystem, target: ManagedSystem, lp: Lpar, shell: Shell, state: str,
                  profile_name: str = "") -> None:
    """The partition leaves the source and takes the shell's place (and adapters) on the target."""
    _drop(source.lpars, lp)
    for vios in vioses(source):
        vios.scsi[:] = [a for a in vios.scsi if not (a.adapter_type == "server" and a.remote_lpar == lp.name)]
        vios.fc[:] = [a for a in vios.fc if not (a.adapter_type == "server" and a.remote_lpar == lp.name)]
    lp.id = shell.lpar.id
    lp.scsi = shell.lpar.scsi
    lp.fc = shell.lpar.fc
    lp.shared_proc_pool = shell.lpar.shared_proc_pool
    lp.state = state
    if profile_name:
        lp.profiles = [p for p in lp.profiles if p.name != profile_name] + [Profile(profile_name)]
        lp.curr_profile = profile_name
    for i, item in enumerate(target.lpars):
        if item is shell.lpar:
            target.lpars[i] = lp
            break
    else:
        target.lpars.append(lp)
