# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""VIOS facts read through ``viosvrcmd``: a fixed set of commands per VIOS, then a few per device.

Fixed per VIOS (VIOS_COMMANDS): ioslevel, the vioslpm0 attributes, one device list, the vSCSI,
NPIV and network mappings and lsnports. Then per VIOS: ``lsdev -dev entN -attr`` for each SEA
(for ha_mode; SEAs do not grow with partitions) and ``lsdev -dev hdiskN -attr`` for each disk in
scope. A VIOS prints a disk's unique id and reserve policy only per device, so by default only the
disks that back a vSCSI mapping are read (``vios_disks=mapped``); ``all`` reads every disk.
"""

from __future__ import annotations

import re

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_values as v
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    Disk,
    FcPort,
    NpivMapping,
    PartitionFacts,
    Sea,
    VioslpmFacts,
    ViosFacts,
    VscsiDevice,
    VscsiMapping,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcParseError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_lsdev_attr, parse_lsmap_fmt, parse_table

VIOS_COMMANDS: dict[str, list[str]] = {
    "ioslevel": ["ioslevel"],
    "vioslpm0": ["lsdev", "-dev", "vioslpm0", "-attr"],
    "devices": ["lsdev", "-field", "name", "status", "physloc", "description", "-fmt", ":"],
    "vscsi": ["lsmap", "-all", "-field", "svsa", "physloc", "clientid", "vtd", "backing", "-fmt", ":"],
    "npiv": ["lsmap", "-all", "-npiv", "-fmt", ":"],
    "net": ["lsmap", "-all", "-net", "-fmt", ":"],
    "nports": ["lsnports"],
}
NPIV_FIELDS = ("name", "physloc", "clntid", "clntname", "clntos", "status", "fc", "fcphysloc", "ports", "flags",
               "vfcclient", "vfcclientdrc")
NET_GROUP = ("sea", "backing", "status", "bdphysloc")
# lsnports exits with this status when the VIOS has no NPIV-capable port (VIOS docs, E_NO_NPIV_PORTS).
NO_NPIV_PORTS_RC = 62
DISK_SCOPES = ("mapped", "all")
_SAN_HINTS = ("fc", "fibre", "mpio", "fcp", "san", "2145", "2076", "hitachi", "emc", "netapp", "pure")
_INTERNAL_HINTS = ("sas", "scsi disk", "sata", "sisarray", "raid")
_OPTICAL_RE = re.compile(r"^cd\d+$")


def device_command(device: str) -> list[str]:
    """``lsdev -dev NAME -attr``: every attribute of one device (SEA or disk)."""
    return ["lsdev", "-dev", device, "-attr"]


def empty_vios(reason: str | None) -> ViosFacts:
    return {
        "collected": False, "skipped_reason": reason, "ioslevel": None, "vioslpm0": None, "vasi": None, "vasi_devices": [],
        "disks": {}, "vscsi_mappings": [], "npiv_mappings": [], "fc_ports": {}, "seas": [],
    }


def skip_reason(partition: PartitionFacts) -> str | None:
    """Why viosvrcmd cannot reach this VIOS (it runs over RMC), or None."""
    if partition["state"] != "Running":
        return f"the VIOS is {partition['state']}, not Running"
    if partition["rmc_state"] != "active":
        return f"RMC is {partition['rmc_state'] or 'unknown'}, not active"
    return None


# ----- parsing the fixed commands -----


def vioslpm(text: str | None) -> VioslpmFacts | None:
    if not text:
        return None
    attributes = {row["attribute"]: row["value"] for row in parse_lsdev_attr(text)}
    return {
        "cfg_msp_lpm_ops": v.integer(attributes.get("cfg_msp_lpm_ops")),
        "concurrency_lvl": v.integer(attributes.get("concurrency_lvl")),
        "max_lpm_vasi": v.integer(attributes.get("max_lpm_vasi")),
        "max_vasi_ops": v.integer(attributes.get("max_vasi_ops")),
        "tcp_port_low": v.integer(attributes.get("tcp_port_low")),
        "tcp_port_high": v.integer(attributes.get("tcp_port_high")),
        "attributes": attributes,
    }


def devices(text: str) -> list[dict[str, str]]:
    """``lsdev -field name status physloc description -fmt :`` (the description may hold colons)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split(":", 3)
        if len(parts) != 4:
            raise HmcParseError(f"lsdev line has {len(parts)} fields, expected 4: {line!r}")
        out.append(dict(zip(("name", "status", "physloc", "description"), (p.strip() for p in parts))))
    return out


def disk_kind(description: str | None, attributes: dict[str, str] | None = None) -> str:
    attributes = attributes or {}
    if "ww_name" in attributes or attributes.get("unique_id", "").lower().endswith("fcp"):
        return "san"
    text = (description or "").lower()
    if any(hint in text for hint in _SAN_HINTS):
        return "san"
    if any(hint in text for hint in _INTERNAL_HINTS):
        return "internal"
    return "unknown"


def disks(device_list: list[dict[str, str]]) -> dict[str, Disk]:
    out: dict[str, Disk] = {}
    for dev in device_list:
        if not dev["name"].startswith("hdisk"):
            continue
        out[dev["name"]] = {
            "name": dev["name"], "kind": disk_kind(dev["description"]), "description": v.text(dev["description"]),
            "physloc": v.text(dev["physloc"]), "pvid": None, "unique_id": None, "lun_id": None, "reserve_policy": None,
            "mapped": False,
        }
    return out


def add_disk_attributes(disk: Disk, text: str) -> None:
    """Fill identity and reserve policy from ``lsdev -dev hdiskN -attr``."""
    attributes = {row["attribute"]: row["value"] for row in parse_lsdev_attr(text)}
    pvid = (attributes.get("pvid") or "").strip()
    disk["pvid"] = pvid[:16] if pvid and pvid.lower() != "none" else None
    disk["unique_id"] = v.text(attributes.get("unique_id"))
    disk["lun_id"] = v.text(attributes.get("lun_id"))
    disk["reserve_policy"] = v.text(attributes.get("reserve_policy"))
    if disk["kind"] == "unknown":
        disk["kind"] = disk_kind(disk["description"], attributes)


def backing_kind(backing: str, known_disks: dict[str, Disk]) -> str:
    if backing in known_disks:
        return known_disks[backing]["kind"]
    if backing.startswith("/"):
        return "file"
    if _OPTICAL_RE.match(backing):
        return "optical"
    return "lv"


def fc_ports(text: str) -> dict[str, FcPort]:
    out: dict[str, FcPort] = {}
    for row in parse_table(text):
        out[row["name"]] = {
            "name": row["name"], "physloc": v.text(row.get("physloc")), "npiv_capable": True,
            "fabric_npiv": v.flag(row.get("fabric")), "total_ports": v.integer(row.get("tports")),
            "available_ports": v.integer(row.get("aports")), "total_wwpns": v.integer(row.get("swwpns")),
            "available_wwpns": v.integer(row.get("awwpns")),
        }
    return out


# ----- joining the VIOS view with the HMC adapter list -----


class Partners:
    """The partitions of one system by id, to resolve the client end of a server adapter."""

    def __init__(self, vios: PartitionFacts, partitions: dict[str, PartitionFacts]) -> None:
        self.vios = vios
        self.by_id = {p["id"]: p for p in partitions.values()}

    def scsi(self, server_slot: int | None, reported_id: int | None) -> tuple[int | None, str | None, int | None]:
        adapter = next((a for a in self.vios["virtual_scsi"] if a["slot"] == server_slot), None)
        return self._client(adapter["remote_lpar_id"] if adapter else None, reported_id, server_slot, "virtual_scsi",
                            adapter["remote_slot"] if adapter else None)

    def fc(self, server_slot: int | None, reported_id: int | None, reported_slot: int | None) -> tuple[int | None, str | None, int | None]:
        adapter = next((a for a in self.vios["virtual_fc"] if a["slot"] == server_slot), None)
        slot = adapter["remote_slot"] if adapter and adapter["remote_slot"] is not None else reported_slot
        return self._client(adapter["remote_lpar_id"] if adapter else None, reported_id, server_slot, "virtual_fc", slot)

    def _client(self, hmc_id: int | None, reported_id: int | None, server_slot: int | None, kind: str,
                fallback_slot: int | None) -> tuple[int | None, str | None, int | None]:
        client_id = hmc_id if hmc_id is not None else (reported_id or None)
        client = self.by_id.get(client_id) if client_id is not None else None
        if client is None:
            return client_id, None, fallback_slot
        adapters = client["virtual_scsi"] if kind == "virtual_scsi" else client["virtual_fc"]
        match = next((a for a in adapters if a["remote_lpar_id"] == self.vios["id"] and a["remote_slot"] == server_slot), None)
        return client_id, client["name"], match["slot"] if match else fallback_slot


def vscsi_mappings(text: str, partners: Partners, known_disks: dict[str, Disk]) -> list[VscsiMapping]:
    out: list[VscsiMapping] = []
    for record in parse_lsmap_fmt(text, ("svsa", "physloc", "clientid"), ("vtd", "backing")):
        slot = v.slot_of(record.fields["physloc"])
        client_id, client_name, client_slot = partners.scsi(slot, v.integer(record.fields["clientid"]))
        devices_: list[VscsiDevice] = [
            {"vtd": g["vtd"], "backing": g["backing"], "kind": backing_kind(g["backing"], known_disks)} for g in record.groups
        ]
        for device in devices_:
            if device["backing"] in known_disks:
                known_disks[device["backing"]]["mapped"] = True
        out.append({
            "server_adapter": record.fields["svsa"], "server_slot": slot, "client_lpar_id": client_id,
            "client_lpar_name": client_name, "client_slot": client_slot, "devices": devices_,
        })
    return sorted(out, key=lambda m: (m["server_slot"] is None, m["server_slot"] or 0, m["server_adapter"]))


def npiv_mappings(text: str, partners: Partners) -> list[NpivMapping]:
    out: list[NpivMapping] = []
    for record in parse_lsmap_fmt(text, NPIV_FIELDS):
        f = record.fields
        slot = v.slot_of(f["physloc"])
        client_id, client_name, client_slot = partners.fc(slot, v.integer(f["clntid"]), v.slot_of(f["vfcclientdrc"]))
        out.append({
            "server_adapter": f["name"], "server_slot": slot, "client_lpar_id": client_id,
            "client_lpar_name": client_name or v.text(f["clntname"]), "client_slot": client_slot,
            "fc_port": v.text(f["fc"]), "status": v.text(f["status"]),
        })
    return sorted(out, key=lambda m: (m["server_slot"] is None, m["server_slot"] or 0, m["server_adapter"]))


def seas(text: str, vios: PartitionFacts) -> list[Sea]:
    """SEAs from ``lsmap -all -net -fmt :``; ha_mode and friends are added by add_sea_attributes()."""
    found: dict[str, Sea] = {}
    for record in parse_lsmap_fmt(text, ("svea", "physloc"), NET_GROUP):
        for group in record.groups:
            name = group["sea"].strip()
            if not name or " " in name:  # "NO SHARED ETHERNET ADAPTER FOUND"
                continue
            sea = found.setdefault(name, {
                "name": name, "status": v.text(group["status"]), "real_adapter": v.text(group["backing"]), "ha_mode": None,
                "ctl_chan": None, "pvid": None, "pvid_adapter": None, "virt_adapters": [], "trunk_slots": [],
                "trunk_priority": None, "vlans": [], "vswitch": None,
            })
            sea["virt_adapters"].append(record.fields["svea"])
            slot = v.slot_of(record.fields["physloc"])
            if slot is not None:
                sea["trunk_slots"].append(slot)
    for sea in found.values():
        _bridge(sea, vios)
    return [found[name] for name in sorted(found)]


def _bridge(sea: Sea, vios: PartitionFacts) -> None:
    trunks = [a for a in vios["virtual_eth"] if a["slot"] in sea["trunk_slots"]]
    sea["trunk_slots"] = sorted(set(sea["trunk_slots"]))
    sea["vlans"] = sorted({vlan for a in trunks for vlan in [a["port_vlan_id"], *a["addl_vlan_ids"]] if vlan is not None})
    switches = sorted({a["vswitch"] for a in trunks if a["vswitch"]})
    sea["vswitch"] = switches[0] if len(switches) == 1 else (",".join(switches) or None)
    priorities = sorted({a["trunk_priority"] for a in trunks if a["trunk_priority"] is not None})
    sea["trunk_priority"] = priorities[0] if priorities else None


def add_sea_attributes(sea: Sea, text: str) -> None:
    attributes = {row["attribute"]: row["value"] for row in parse_lsdev_attr(text)}
    sea["ha_mode"] = v.text(attributes.get("ha_mode"))
    sea["ctl_chan"] = v.text(attributes.get("ctl_chan"))
    sea["pvid"] = v.integer(attributes.get("pvid"))
    sea["pvid_adapter"] = v.text(attributes.get("pvid_adapter"))
    sea["real_adapter"] = v.text(attributes.get("real_adapter")) or sea["real_adapter"]
    listed = v.strings(attributes.get("virt_adapters"))
    if listed:
        sea["virt_adapters"] = listed


def disks_in_scope(facts: ViosFacts, scope: str) -> list[str]:
    """The disks whose attributes are read: those backing a vSCSI mapping, or all of them."""
    if scope == "all":
        return sorted(facts["disks"])
    return sorted(name for name, disk in facts["disks"].items() if disk["mapped"])
