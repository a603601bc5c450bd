"""Read-only lookups over the estate that several rules and the resolution share.

Storage: a client adapter names its VIOS (``remote_lpar``) and the server slot (``remote_slot``); the
server adapter on that VIOS names the client back. LUN identity is ``Disk.lun``. NPIV reachability is
a VIOS FC port on a fabric whose zoning holds the client's WWPNs. VLAN bridging is an SEA of a VIOS
whose trunk slots point at trunk virtual Ethernet adapters carrying the VLAN.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Union

from ..estate import Estate
from ..model import Disk, Fabric, FcPort, Lpar, ManagedSystem, VFc, VScsi

DEFAULT_MSP_LPM_OPS = 8          # vioslpm0 cfg_msp_lpm_ops default (hmc-cli-facts.md §8.3)
GOOD_RESERVE_POLICIES = ("no_reserve", "pr_shared")   # compared lower-case
Adapter = Union[VScsi, VFc]


def vioses(ms: ManagedSystem) -> list[Lpar]:
    """The VIOS partitions of a system, first VIOS first (by partition ID)."""
    return sorted((lp for lp in ms.lpars if lp.env == "vioserver"), key=lambda lp: lp.id)


def running_vios(lp: Lpar) -> bool:
    return lp.env == "vioserver" and lp.vios is not None and lp.state == "Running"


def position(ms: ManagedSystem, vios_name: str) -> Optional[int]:
    names = [v.name for v in vioses(ms)]
    return names.index(vios_name) if vios_name in names else None


def client_scsi(lp: Lpar) -> list[VScsi]:
    return [a for a in lp.scsi if a.adapter_type == "client"]


def client_fc(lp: Lpar) -> list[VFc]:
    return [a for a in lp.fc if a.adapter_type == "client"]


def server_adapter(ms: ManagedSystem, lp: Lpar, client: Adapter) -> tuple[Optional[Lpar], Optional[Adapter]]:
    """The VIOS and its server adapter behind a client adapter (exact match first, then "any")."""
    vios = Estate.find_lpar(ms, name=client.remote_lpar)
    if vios is None:
        return None, None
    pool: list[Any] = vios.scsi if isinstance(client, VScsi) else vios.fc
    servers = [a for a in pool if a.adapter_type == "server"]
    for server in servers:
        if server.remote_lpar == lp.name and server.remote_slot == client.slot:
            return vios, server
    for server in servers:
        if server.slot == client.remote_slot and server.remote_lpar in ("any", ""):
            return vios, server
    return vios, None


@dataclass
class Backing:
    device: str
    kind: str                 # san | internal | lv | optical | missing
    disk: Optional[Disk] = None


def backing_devices(vios: Lpar, server: VScsi) -> list[Backing]:
    out: list[Backing] = []
    info = vios.vios
    for device in server.backing:
        if info is None:
            out.append(Backing(device, "missing"))
            continue
        disk = next((d for d in info.disks if d.name == device), None)
        if device in info.optical or device.startswith(("cd", "vtopt")):
            out.append(Backing(device, "optical"))
        elif device in info.logical_volumes:
            out.append(Backing(device, "lv"))
        elif disk is not None:
            out.append(Backing(device, disk.kind, disk))
        else:
            out.append(Backing(device, "missing"))
    return out


def scsi_luns(ms: ManagedSystem, lp: Lpar, client: VScsi) -> Optional[list[str]]:
    """LUNs of the SAN disks behind a client vSCSI adapter; None when no server adapter serves it."""
    vios, server = server_adapter(ms, lp, client)
    if vios is None or server is None or not isinstance(server, VScsi):
        return None
    return [b.disk.lun for b in backing_devices(vios, server) if b.kind == "san" and b.disk is not None]


def disk_with_lun(vios: Lpar, lun: str) -> Optional[Disk]:
    if vios.vios is None:
        return None
    return next((d for d in vios.vios.disks if d.lun == lun and d.kind == "san"), None)


def good_reserve(disk: Disk) -> bool:
    return disk.reserve_policy.lower() in GOOD_RESERVE_POLICIES


def wwpns_to_check(client: VFc, npivval: str) -> list[str]:
    """Which client WWPNs the destination must find zoned.

    Default and ``--npivval portdisk``: both (the active and the inactive WWPN, lpm-model.md §3).
    ``--npivval port``: port-level validation logs in only with the WWPN the destination will use
    (the inactive one, the second of the pair). Inferred, kept here so it can be corrected in one place.
    """
    if npivval == "port" and len(client.wwpns) > 1:
        return [client.wwpns[1]]
    return list(client.wwpns)


def npiv_ports(vios: Lpar, wwpns: Iterable[str], fabrics: Iterable[Fabric], port_name: str = "") -> list[FcPort]:
    """NPIV-capable ports of a VIOS on a fabric where every one of ``wwpns`` is zoned."""
    if vios.vios is None:
        return []
    needed = [w.lower() for w in wwpns]
    zoned = {f.name: {w.lower() for w in f.zoned_wwpns} for f in fabrics}
    return [p for p in vios.vios.fc_ports
            if p.npiv and p.aports > 0 and (not port_name or p.name == port_name)
            and p.fabric in zoned and all(w in zoned[p.fabric] for w in needed)]


def bridged_vlans(ms: ManagedSystem) -> set[tuple[str, int]]:
    """(vswitch, vlan) pairs bridged to the outside by an SEA with its link up on a running VIOS."""
    out: set[tuple[str, int]] = set()
    for vios in vioses(ms):
        if not running_vios(vios) or vios.vios is None:
            continue
        trunks = {e.slot: e for e in vios.eth if e.is_trunk}
        for sea in vios.vios.seas:
            if not sea.link_up:
                continue
            for slot in sea.trunk_slots:
                eth = trunks.get(slot)
                if eth is not None:
                    out.update((eth.vswitch, v) for v in [eth.port_vlan_id, *eth.addl_vlan_ids])
    return out


def used_slots(lp: Lpar) -> set[int]:
    return ({a.slot for a in lp.eth} | {a.slot for a in lp.scsi} | {a.slot for a in lp.fc}
            | set(lp.serial_slots))


def free_slots(lp: Lpar) -> int:
    return lp.max_virtual_slots - len(used_slots(lp))


# Mover service partitions whose LPM network is slower than 10 Gbit/s run at most 4 migrations
# (lpm-model.md §2.1, field guide slide 48), whatever cfg_msp_lpm_ops says.
SLOW_LINK_GBPS = 10.0
SLOW_LINK_MSP_LIMIT = 4


def msp_limit(vios: Lpar) -> int:
    """Concurrent migrations this MSP accepts: vioslpm0 cfg_msp_lpm_ops, capped at 4 on 1 GbE."""
    overrides = vios.vios.vioslpm0 if vios.vios is not None else {}
    try:
        limit = int(overrides.get("cfg_msp_lpm_ops", DEFAULT_MSP_LPM_OPS))
    except ValueError:
        limit = DEFAULT_MSP_LPM_OPS
    if vios.vios is not None and vios.vios.msp_link_gbps < SLOW_LINK_GBPS:
        limit = min(limit, SLOW_LINK_MSP_LIMIT)
    return limit


def msp_load(estate: Estate, ms: ManagedSystem, vios: Lpar) -> int:
    """Migrations in progress that use this VIOS as a source or destination MSP (of either pair)."""
    count = 0
    for m in estate.migrations:
        if not getattr(m, "in_progress", False):
            continue
        sources = (getattr(m, "source_msp", None), getattr(m, "redundant_source_msp", None))
        dests = (getattr(m, "dest_msp", None), getattr(m, "redundant_dest_msp", None))
        if getattr(m, "source", None) == ms.name and vios.name in sources:
            count += 1
        elif getattr(m, "target", None) == ms.name and vios.name in dests:
            count += 1
    return count


def migration_partition(m: Any) -> str:
    """The partition name a migration object moves, whatever attribute holds it."""
    for attr in ("lpar_name", "lpar", "name"):
        value = getattr(m, attr, None)
        if isinstance(value, str):
            return value
        if value is not None and hasattr(value, "name"):
            return str(value.name)
    return ""


def migrations_in_progress(estate: Estate, ms: ManagedSystem, kinds: tuple[str, ...]) -> int:
    return sum(1 for m in estate.migrations
               if getattr(m, "in_progress", False) and getattr(m, "kind", "active") in kinds
               and ms.name in (getattr(m, "source", None), getattr(m, "target", None)))
