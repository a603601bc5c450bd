"""Names and physical locations of a VIOS's devices, derived deterministically from the model.

- vhostN / vfchostN: the VIOS's server vSCSI / vFC adapters in slot order;
- vtscsiN / vtoptN: the backing devices of the vhosts, in vhost order then backing order; the LUN
  address of the k-th backing device of a vhost is 0x8{k+1}00000000000000;
- entN: physical ports ent0.. in whole cards (enough to cover every SEA's real adapter), then the
  virtual Ethernet adapters in slot order taking the lowest free numbers, except that the first trunk
  adapter of an SEA is named by the SEA's ``pvid_adapter``; SEAs keep their scenario names;
- physical locations: ``U<type>.<model>.<serial>-V<lpar id>-C<slot>`` (``-T1`` for Ethernet) for
  virtual adapters, the FC port's own ``physloc`` (or one derived in the VIOS's enclosure) otherwise.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from ..model import FcPort, Lpar, ManagedSystem, Sea, VEth, VFc, Vios, VScsi
from .data import rules


def number(name: str, prefix: str) -> Optional[int]:
    match = re.fullmatch(re.escape(prefix) + r"(\d+)", name)
    return int(match.group(1)) if match else None


def natural_key(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def location_prefix(ms: ManagedSystem) -> str:
    machine_type, _, model = ms.type_model.partition("-")
    return f"U{machine_type}.{model}.{ms.serial}"


def virtual_location(ms: ManagedSystem, lpar_id: int, slot: int, port: bool = False) -> str:
    return f"{location_prefix(ms)}-V{lpar_id}-C{slot}" + ("-T1" if port else "")


def enclosure(ms: ManagedSystem, vios: Vios) -> str:
    """The I/O enclosure of the VIOS: the one its FC ports name, or one derived from the serial."""
    for port in vios.fc_ports:
        if "-P" in port.physloc:
            return port.physloc.split("-P", 1)[0]
    return str(rules("hardware")["enclosure"]).format(serial=ms.serial, type_model=ms.type_model)


def fc_port_location(ms: ManagedSystem, vios: Vios, port: FcPort) -> str:
    if port.physloc:
        return port.physloc
    index = vios.fc_ports.index(port)
    return f"{enclosure(ms, vios)}-" + str(rules("hardware")["fc_port_location"]).format(port=index + 1)


def backing_kind(vios: Vios, name: str) -> str:
    """disk | lv | optical | file: what a vSCSI backing device name refers to on this VIOS."""
    for disk in vios.disks:
        if disk.name == name:
            return "lv" if disk.kind == "lv" else "disk"
    if name in vios.logical_volumes:
        return "lv"
    if name in vios.optical:
        return "optical" if number(name, "cd") is not None else "file"
    if "/" in name or name.endswith(".iso"):
        return "file"
    return "disk"


@dataclass
class Vtd:
    name: str
    vhost: str
    adapter: VScsi
    backing: str
    kind: str          # disk | lv | optical | file
    lun: str           # 0x8100000000000000


@dataclass
class Topology:
    vhosts: list[tuple[str, VScsi]] = field(default_factory=list)
    vfchosts: list[tuple[str, VFc]] = field(default_factory=list)
    vtds: list[Vtd] = field(default_factory=list)
    physical_ents: list[str] = field(default_factory=list)
    virtual_ents: list[tuple[str, VEth]] = field(default_factory=list)

    def ent_of_slot(self, slot: int) -> Optional[str]:
        return next((name for name, eth in self.virtual_ents if eth.slot == slot), None)

    def veth_of(self, name: str) -> Optional[VEth]:
        return next((eth for ent, eth in self.virtual_ents if ent == name), None)


def sea_of_slot(vios: Vios, slot: int) -> Optional[Sea]:
    return next((sea for sea in vios.seas if slot in sea.trunk_slots), None)


def _physical_ent_count(vios: Vios) -> int:
    per_card = int(rules("hardware")["ent_ports_per_card"])
    highest = max((number(sea.real_adapter, "ent") or 0 for sea in vios.seas), default=0)
    return per_card * max(1, math.ceil((highest + 1) / per_card))


def _virtual_ents(vios: Vios, lpar: Lpar, first_free: int) -> list[tuple[str, VEth]]:
    fixed: dict[int, str] = {}
    used: set[int] = set(range(first_free))
    for sea in vios.seas:
        for name in (sea.name, sea.pvid_adapter):
            n = number(name, "ent")
            if n is not None:
                used.add(n)
        if sea.trunk_slots and sea.pvid_adapter:
            fixed.setdefault(sea.trunk_slots[0], sea.pvid_adapter)
    out: list[tuple[str, VEth]] = []
    next_free = first_free
    for eth in sorted(lpar.eth, key=lambda e: e.slot):
        name = fixed.get(eth.slot, "")
        if not name:
            while next_free in used:
                next_free += 1
            name = f"ent{next_free}"
            used.add(next_free)
        out.append((name, eth))
    return out


def topology(vios: Vios, lpar: Lpar) -> Topology:
    topo = Topology()
    servers = sorted((a for a in lpar.scsi if a.adapter_type == "server"), key=lambda a: a.slot)
    topo.vhosts = [(f"vhost{i}", a) for i, a in enumerate(servers)]
    fc_servers = sorted((a for a in lpar.fc if a.adapter_type == "server"), key=lambda a: a.slot)
    topo.vfchosts = [(f"vfchost{i}", a) for i, a in enumerate(fc_servers)]
    counters = {"vtscsi": 0, "vtopt": 0}
    for vhost, adapter in topo.vhosts:
        for k, backing in enumerate(adapter.backing):
            kind = backing_kind(vios, backing)
            prefix = "vtopt" if kind in ("optical", "file") else "vtscsi"
            name = f"{prefix}{counters[prefix]}"
            counters[prefix] += 1
            topo.vtds.append(Vtd(name, vhost, adapter, backing, kind, f"0x{0x81 + k:02x}00000000000000"))
    count = _physical_ent_count(vios)
    topo.physical_ents = [f"ent{i}" for i in range(count)]
    topo.virtual_ents = _virtual_ents(vios, lpar, count)
    return topo
