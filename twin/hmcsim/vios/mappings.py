"""What lsmap reports, as records: vSCSI adapters and their VTDs, NPIV adapters, network mappings.

Each record is an ordered dict of lsmap field name -> value (the -field names of the VIOS docs).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model import FcPort, Lpar, VFc
from . import attrs
from .data import rules
from .devices import Registry
from .naming import location_prefix, sea_of_slot, virtual_location
from .shell import ViosCtx

VSCSI_ADAPTER_FIELDS = ("svsa", "physloc", "clientid")
VSCSI_VTD_FIELDS = ("vtd", "status", "lun", "backing", "bdphysloc", "mirrored")
NPIV_FIELDS = ("name", "physloc", "clntid", "clntname", "clntos", "status", "fc", "fcphysloc", "ports", "flags",
               "vfcclient", "vfcclientdrc")
NET_ADAPTER_FIELDS = ("svea", "physloc")
NET_SEA_FIELDS = ("sea", "backing", "status", "bdphysloc")

FLAGS = {"logged_in": "a<LOGGED_IN,STRIP_MERGE>", "not_mapped": "1<NOT_MAPPED,NOT_CONNECTED>",
         "not_logged": "4<NOT_LOGGED>"}


@dataclass
class Mapping:
    adapter: dict[str, str]
    children: list[dict[str, str]] = field(default_factory=list)


def os_running(lpar: Optional[Lpar]) -> bool:
    """Whether a client partition is up (its adapters connected, its disks open on the VIOS)."""
    return lpar is not None and lpar.state in rules("chdev").get("open_client_states", [])


def vscsi(ctx: ViosCtx, registry: Registry) -> list[Mapping]:
    out: list[Mapping] = []
    zero_inactive = rules("lsmap").get("inactive_client_id_zero", True)
    for name, adapter in registry.topology.vhosts:
        client = ctx.estate.find_lpar(ctx.system, name=adapter.remote_lpar)
        client_id = client.id if client is not None and (os_running(client) or not zero_inactive) else 0
        row = {"svsa": name, "physloc": virtual_location(ctx.system, ctx.lpar.id, adapter.slot),
               "clientid": f"0x{client_id:08x}"}
        mapping = Mapping(row)
        for vtd in registry.topology.vtds:
            if vtd.vhost != name:
                continue
            backing = registry.get(vtd.backing)
            vtd_dev = registry.get(vtd.name)
            mirrored = attrs.running(ctx.vios, vtd_dev, "mirrored") if vtd_dev and vtd_dev.kind == "vtscsi" else "N/A"
            mapping.children.append({"vtd": vtd.name, "status": "Available", "lun": vtd.lun, "backing": vtd.backing,
                                     "bdphysloc": backing.physloc if backing else "", "mirrored": mirrored,
                                     "_kind": vtd.kind})
        out.append(mapping)
    return out


def _client_adapter(client: Lpar, vios: Lpar, server: VFc) -> Optional[tuple[int, VFc]]:
    adapters = sorted((a for a in client.fc if a.adapter_type == "client"), key=lambda a: a.slot)
    for index, adapter in enumerate(adapters):
        if adapter.remote_lpar == vios.name and adapter.remote_slot == server.slot:
            return index, adapter
    return None


def client_os(client: Lpar) -> str:
    npiv = rules("npiv")
    by_env: dict[str, str] = npiv.get("client_os_by_env", {})
    if client.env in by_env:
        return by_env[client.env]
    for prefix, label in npiv.get("client_os", []):
        if client.os_version.startswith(prefix):
            return str(label)
    return client.os_version.split(" ")[0] if client.os_version else ""


def npiv(ctx: ViosCtx, registry: Registry, fmt: bool) -> list[Mapping]:
    rule = rules("npiv")
    suffix = str(rule["client_drc_suffix_fmt" if fmt else "client_drc_suffix_default"])
    zoned = {fabric.name: set(fabric.zoned_wwpns) for fabric in ctx.estate.scenario.fabrics}
    ports: dict[str, FcPort] = {p.name: p for p in ctx.vios.fc_ports}
    out: list[Mapping] = []
    for name, adapter in registry.topology.vfchosts:
        port = ports.get(adapter.fc_port)
        client = ctx.estate.find_lpar(ctx.system, name=adapter.remote_lpar)
        found = _client_adapter(client, ctx.lpar, adapter) if client is not None else None
        logged_in = bool(port and port.npiv and port.fabric and client and os_running(client) and found)
        row = dict.fromkeys(NPIV_FIELDS, "")
        row.update(name=name, physloc=virtual_location(ctx.system, ctx.lpar.id, adapter.slot),
                   status="LOGGED_IN" if logged_in else "NOT_LOGGED_IN", ports="0",
                   flags=FLAGS["logged_in" if logged_in else "not_logged" if port else "not_mapped"])
        port_dev = registry.get(port.name) if port is not None else None
        if port is not None:
            row.update(fc=port.name, fcphysloc=port_dev.physloc if port_dev is not None else port.physloc)
        if logged_in and client is not None and found is not None:
            index, client_adapter = found
            active = client_adapter.wwpns[0] if client_adapter.wwpns else ""
            on_fabric = active in zoned.get(port.fabric, set()) if port is not None else False
            count = rule["ports_logged_in_zoned"] if on_fabric else rule["ports_logged_in_unzoned"]
            drc = f"{location_prefix(ctx.system)}-V{client.id}-C{client_adapter.slot}{suffix}"
            row.update(clntid=str(client.id), clntname=client.name, clntos=client_os(client), ports=str(count),
                       vfcclient=f"fcs{index}", vfcclientdrc=drc)
        out.append(Mapping(row))
    return out


def net(ctx: ViosCtx, registry: Registry) -> list[Mapping]:
    out: list[Mapping] = []
    for name, eth in registry.topology.virtual_ents:
        mapping = Mapping({"svea": name, "physloc": virtual_location(ctx.system, ctx.lpar.id, eth.slot, port=True)})
        sea = sea_of_slot(ctx.vios, eth.slot)
        if sea is not None:
            real = registry.get(sea.real_adapter)
            mapping.children.append({"sea": sea.name, "backing": sea.real_adapter, "status": "Available",
                                     "bdphysloc": real.physloc if real else ""})
        out.append(mapping)
    return out
