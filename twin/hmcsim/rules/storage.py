"""Virtual storage of the mobile partition (field guide slides 8-9, 19, 21, 26-28, 32, 36, 46)."""
from __future__ import annotations

from collections import Counter
from typing import Iterator, Optional

from ..estate import Estate
from ..model import Lpar, VFc, VScsi
from . import lookup
from .base import Check, Fields, reason_text, rule
from .resolve import mapped_vios


def _dest_vios(check: Check, name: Optional[str]) -> Optional[Lpar]:
    return Estate.find_lpar(check.target, name=name) if name else None


@rule("mapping_slots")
def mapping_slots(check: Check) -> Iterator[Fields]:
    """migrlpar virtual_scsi_mappings / virtual_fc_mappings (slides 34, 50): every mapping names a client
    adapter of the partition."""
    scsi = {a.slot for a in lookup.client_scsi(check.lp)}
    fc = {a.slot for a in lookup.client_fc(check.lp)}
    for label, mappings, slots in (("SCSI", check.req.scsi_mappings, scsi),
                                   ("fibre channel", check.req.fc_mappings, fc)):
        for mapping in mappings:
            if mapping.client_slot not in slots:
                yield {"slot": mapping.client_slot, "kind": label, "lpar": check.lp.name}


@rule("scsi_backing_san")
def scsi_backing_san(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), prereqs (slide 8), external storage (slide 26): client vSCSI disks are
    external SAN disks - not logical volumes, not internal disks."""
    for client in lookup.client_scsi(check.lp):
        vios, server = lookup.server_adapter(check.src, check.lp, client)
        if vios is None or not isinstance(server, VScsi):
            continue
        for backing in lookup.backing_devices(vios, server):
            if backing.kind in ("lv", "internal"):
                kind = reason_text("backing_lv" if backing.kind == "lv" else "backing_internal")
                yield {"slot": client.slot, "lpar": check.lp.name, "kind": kind, "device": backing.device,
                       "vios": vios.name}


@rule("scsi_reserve_policy")
def scsi_reserve_policy(check: Check) -> Iterator[Fields]:
    """Prereqs (slide 8), external storage (slide 26), lpm-model.md §3: backing disks have
    reserve_policy no_reserve (or PR_shared) on the source VIOS and on the destination VIOS."""
    for client in lookup.client_scsi(check.lp):
        vios, server = lookup.server_adapter(check.src, check.lp, client)
        if vios is None or not isinstance(server, VScsi):
            continue
        dest = _dest_vios(check, check.res.scsi_dest.get(client.slot))
        for backing in lookup.backing_devices(vios, server):
            if backing.kind != "san" or backing.disk is None:
                continue
            if not lookup.good_reserve(backing.disk):
                yield {"device": backing.disk.name, "vios": vios.name, "lpar": check.lp.name,
                       "policy": backing.disk.reserve_policy}
            twin = lookup.disk_with_lun(dest, backing.disk.lun) if dest is not None else None
            if twin is not None and not lookup.good_reserve(twin):
                yield {"device": twin.name, "vios": dest.name if dest else "", "lpar": check.lp.name,
                       "policy": twin.reserve_policy}


@rule("scsi_optical")
def scsi_optical(check: Check) -> Iterator[Fields]:
    """Slide 9 and lpm-model.md §3: no virtual optical device (cd0, file-backed optical) mapped to the
    mobile partition."""
    for client in lookup.client_scsi(check.lp):
        vios, server = lookup.server_adapter(check.src, check.lp, client)
        if vios is None or not isinstance(server, VScsi):
            continue
        for backing in lookup.backing_devices(vios, server):
            if backing.kind == "optical":
                yield {"device": backing.device, "vios": vios.name, "lpar": check.lp.name}


@rule("server_adapters")
def server_adapters(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19), effects of migration (slide 46): the VIOS server adapters of the
    partition are not marked required and are not open to "any" client partition."""
    for client in [*lookup.client_scsi(check.lp), *lookup.client_fc(check.lp)]:
        vios, server = lookup.server_adapter(check.src, check.lp, client)
        if vios is None or server is None:
            continue
        if server.is_required or server.remote_lpar in ("any", ""):
            yield {"vios": vios.name, "slot": server.slot, "lpar": check.lp.name}


@rule("scsi_hosted")
def scsi_hosted(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19), prereqs (slide 8): a destination VIOS sees the same LUNs and can host
    each client virtual SCSI adapter (the requested VIOS when mapped)."""
    for client in lookup.client_scsi(check.lp):
        if client.slot not in check.res.scsi_dest:
            yield {"slot": client.slot}


@rule("fc_hosted")
def fc_hosted(check: Check) -> Iterator[Fields]:
    """Zoning for NPIV (slides 21, 28), lpm-model.md §3: both WWPNs of each client virtual FC adapter
    are zoned in a fabric reached by an NPIV-capable port of a destination VIOS."""
    for client in lookup.client_fc(check.lp):
        if client.slot not in check.res.fc_dest:
            yield {"slot": client.slot}


def _redundant_groups(check: Check) -> list[tuple[str, list[VScsi | VFc]]]:
    """Client adapters reaching the same storage through different source VIOS (MPIO)."""
    groups: list[tuple[str, list[VScsi | VFc]]] = []
    by_lun: dict[str, list[VScsi]] = {}
    for client in lookup.client_scsi(check.lp):
        for lun in lookup.scsi_luns(check.src, check.lp, client) or []:
            by_lun.setdefault(lun, []).append(client)
    seen: set[tuple[int, ...]] = set()
    for clients in by_lun.values():
        key = tuple(sorted(c.slot for c in clients))
        if len({c.remote_lpar for c in clients}) > 1 and key not in seen:
            seen.add(key)
            groups.append(("SCSI", list(clients)))
    fcs = lookup.client_fc(check.lp)
    if len({c.remote_lpar for c in fcs}) > 1:
        groups.append(("fibre channel", list(fcs)))
    return groups


@rule("redundant_vios")
def redundant_vios(check: Check) -> Iterator[Fields]:
    """Dual (redundant) VIOS (slide 32): a partition using MPIO across two VIOS must migrate to two VIOS,
    unless overridden (--mpio 2, --redundantvios 2 or 0: then a warning)."""
    for label, clients in _redundant_groups(check):
        dest = check.res.scsi_dest if label == "SCSI" else check.res.fc_dest
        if any(c.slot not in dest for c in clients):
            continue          # unhosted adapters are reported on their own
        if len({dest[c.slot] for c in clients}) < 2:
            yield {"kind": label, "slots": ", ".join(str(c.slot) for c in clients), "lpar": check.lp.name}


@rule("vios_slots")
def vios_slots(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19), effects of migration (slide 46): each destination VIOS has enough
    available virtual slots for the server adapters it must create."""
    needed = Counter([*check.res.scsi_dest.values(), *check.res.fc_dest.values()])
    for name, count in needed.items():
        vios = _dest_vios(check, name)
        if vios is not None and lookup.free_slots(vios) < count:
            yield {"vios": name, "needed": count}


@rule("vios_slot_free")
def vios_slot_free(check: Check) -> Iterator[Fields]:
    """Slide 50 (specify virtual slot IDs with migrlpar): a requested destination VIOS slot is free."""
    for mapping in [*check.req.scsi_mappings, *check.req.fc_mappings]:
        if mapping.dest_vios_slot is None:
            continue
        vios = mapped_vios(check.target, mapping)
        if vios is not None and (mapping.dest_vios_slot in lookup.used_slots(vios)
                                 or mapping.dest_vios_slot >= vios.max_virtual_slots):
            yield {"slot": mapping.dest_vios_slot, "vios": vios.name}
