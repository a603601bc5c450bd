"""The device registry of a VIOS, derived from the model on every command.

Each :class:`Device` names its class in data/vios_devices.yaml (descriptions, attributes, change
method), its physical location and parent, the model object behind it (``ref``) and the attribute
values computed from the model (``derived``). Listings are in natural name order with SEAs last, as
in a real ``lsdev -virtual``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Optional

from ..model import Disk, Lpar, ManagedSystem, Sea, VEth, Vios
from .data import device_class, rules
from .naming import Topology, enclosure, fc_port_location, natural_key, number, topology, virtual_location
from .udid import unique_id


@dataclass
class Device:
    name: str
    kind: str                       # a class of data/vios_devices.yaml
    physloc: str = ""
    parent: str = ""
    status: str = "Available"
    variant: str = "default"        # which description of the class applies
    ref: Any = None                 # the model object behind the device
    derived: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> dict[str, Any]:
        return device_class(self.kind)

    @property
    def description(self) -> str:
        texts: dict[str, str] = self.spec["description"]
        return texts.get(self.variant, texts["default"])

    @property
    def virtual(self) -> bool:
        return bool(self.spec.get("virtual", False))

    def column(self, name: str) -> str:
        """A value for lsdev -field."""
        odm: dict[str, str] = self.spec["odm"]
        values = {"name": self.name, "status": self.status, "description": self.description,
                  "physloc": self.physloc, "parent": self.parent, "prefix": self.name.rstrip("0123456789")}
        return values.get(name, odm.get(name, ""))


def _stable_hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def hardware_address(ms: ManagedSystem, lpar: Lpar, dev: Device) -> str:
    """The MAC of an Ethernet device as entstat prints it: a virtual adapter's own, else one derived from
    the system, the VIOS and the physical port (an SEA's is its real adapter's)."""
    if isinstance(dev.ref, VEth) and dev.ref.mac_addr:
        raw = dev.ref.mac_addr.lower()
        return ":".join(raw[i:i + 2] for i in range(0, 12, 2))
    owner = dev.ref.real_adapter if isinstance(dev.ref, Sea) else dev.name
    digest = _stable_hex(f"{ms.serial}/{lpar.name}/{owner}", 6)
    return str(rules("entstat")["mac_prefix"]) + "".join(f":{digest[i:i + 2]}" for i in range(0, 6, 2))


def level_at_least(level: str, minimum: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".") if p.isdigit())
    return parts(level) >= parts(minimum)


def rootvg_disk(vios: Vios) -> Optional[Disk]:
    """The disk holding the VIOS's rootvg: its first internal disk."""
    return next((d for d in vios.disks if d.kind == "internal"), None)


def disk_pvid(ms: ManagedSystem, lpar: Lpar, vios: Vios, disk: Disk) -> str:
    """The 16-digit PVID of a disk, or ``none``; a rootvg disk always has one."""
    if disk.pvid and disk.pvid != "none":
        return disk.pvid
    if disk is rootvg_disk(vios):
        return "00f6" + _stable_hex(f"{ms.serial}/{lpar.name}/{disk.name}", 12)
    return "none"


class Registry:
    """Every device of one VIOS, by name."""

    def __init__(self, ms: ManagedSystem, lpar: Lpar, vios: Vios) -> None:
        self.system = ms
        self.lpar = lpar
        self.vios = vios
        self.topology: Topology = topology(vios, lpar)
        found: list[Device] = []
        found += self._disks()
        found += self._fc()
        found += self._ethernet()
        found += self._virtual_scsi_fc()
        found += self._others()
        self.devices = sorted(found, key=lambda d: (d.kind == "sea", natural_key(d.name)))
        self._by_name = {d.name: d for d in self.devices}

    def get(self, name: str) -> Optional[Device]:
        return self._by_name.get(name)

    def sea_members(self) -> set[str]:
        """The Ethernet adapters some SEA uses: real adapters and trunk adapters."""
        seas = self.vios.seas
        trunks = {self.topology.ent_of_slot(slot) for sea in seas for slot in sea.trunk_slots}
        return {sea.real_adapter for sea in seas} | {name for name in trunks if name is not None}

    # ----- builders -----
    def _disks(self) -> list[Device]:
        ms, vios = self.system, self.vios
        out: list[Device] = []
        first_port = vios.fc_ports[0] if vios.fc_ports else None
        fabric = first_port.fabric if first_port else ""
        ww_name = "0x5005076801" + _stable_hex(f"storage/{fabric}", 6)
        san_index = internal_index = 0
        for disk in vios.disks:
            if disk.kind == "lv":
                out.append(Device(disk.name, "lv", ref=disk))
                continue
            pvid = disk_pvid(ms, self.lpar, vios, disk)
            derived = {"pvid": pvid + "0000000000000000" if pvid != "none" else "none",
                       "unique_id": unique_id(ms, self.lpar, disk)}
            if disk.kind == "internal":
                internal_index += 1
                location = str(rules("hardware")["internal_disk_location"]).format(n=internal_index)
                derived["size_in_mb"] = str(disk.size_mb)
                out.append(Device(disk.name, "disk_internal", f"{enclosure(ms, vios)}-{location}", "sissas0",
                                  ref=disk, derived=derived))
                continue
            san_index += 1
            lun_hex = f"{san_index:x}000000000000"
            derived.update(lun_id="0x" + lun_hex, ww_name=ww_name)
            port_loc = fc_port_location(ms, vios, first_port) if first_port else enclosure(ms, vios)
            parent = f"fscsi{number(first_port.name, 'fcs')}" if first_port else ""
            out.append(Device(disk.name, "disk_san", f"{port_loc}-W{ww_name[2:].upper()}-L{lun_hex}", parent,
                              variant=disk.vendor, ref=disk, derived=derived))
        out += [Device(name, "lv") for name in vios.logical_volumes]
        optical_loc = f"{enclosure(ms, vios)}-{rules('hardware')['optical_location']}"
        out += [Device(name, "optical", optical_loc, "sata0") for name in vios.optical
                if number(name, "cd") is not None]
        return out

    def _fc(self) -> list[Device]:
        out: list[Device] = []
        for port in self.vios.fc_ports:
            out.append(Device(port.name, "fcs", fc_port_location(self.system, self.vios, port), ref=port))
            n = number(port.name, "fcs")
            if n is not None:
                out.append(Device(f"fscsi{n}", "fscsi", parent=port.name, ref=port,
                                  derived={"scsi_id": f"0x{0x10100 + 0x100 * n:x}"}))
        return out

    def _ethernet(self) -> list[Device]:
        ms, lp, vios, topo = self.system, self.lpar, self.vios, self.topology
        hw = rules("hardware")
        per_card, first_card = int(hw["ent_ports_per_card"]), int(hw["ent_first_card"])
        out: list[Device] = []
        for i, name in enumerate(topo.physical_ents):
            location = str(hw["ent_card_location"]).format(card=first_card + i // per_card, port=i % per_card + 1)
            out.append(Device(name, "ent_physical", f"{enclosure(ms, vios)}-{location}"))
        for name, eth in topo.virtual_ents:
            out.append(Device(name, "ent_virtual", virtual_location(ms, lp.id, eth.slot, port=True), "vio0", ref=eth))
        for sea in vios.seas:
            trunks = [topo.ent_of_slot(slot) or "" for slot in sea.trunk_slots]
            pvid_eth = topo.veth_of(sea.pvid_adapter)
            derived = {"pvid": str(pvid_eth.port_vlan_id if pvid_eth else 1),
                       "virt_adapters": ",".join(t for t in trunks if t)}
            out.append(Device(sea.name, "sea", ref=sea, derived=derived))
        return out

    def _virtual_scsi_fc(self) -> list[Device]:
        ms, lp, topo = self.system, self.lpar, self.topology
        out = [Device(name, "vhost", virtual_location(ms, lp.id, a.slot), "vio0", ref=a) for name, a in topo.vhosts]
        out += [Device(name, "vfchost", virtual_location(ms, lp.id, a.slot), "vio0", ref=a)
                for name, a in topo.vfchosts]
        for vtd in topo.vtds:
            kind = "vtopt" if vtd.kind in ("optical", "file") else "vtscsi"
            out.append(Device(vtd.name, kind, parent=vtd.vhost, variant=vtd.kind, ref=vtd,
                              derived={"LogicalUnitAddr": vtd.lun, "aix_tdev": vtd.backing}))
        return out

    def _others(self) -> list[Device]:
        ms, lp, vios = self.system, self.lpar, self.vios
        out = [Device("vsa0", "vsa", virtual_location(ms, lp.id, 0), "vio0")]
        if vios.vasi:
            out.append(Device("vasi0", "vasi", parent="vio0"))
        if level_at_least(vios.ioslevel, str(rules("lsdev")["vioslpm0_min_level"])):
            out.append(Device("vioslpm0", "vioslpm"))
        return out
