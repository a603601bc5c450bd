"""lsdev -dev NAME -vpd: a device's vital product data in the lscfg -vl layout (data/vios_vpd.yaml).

The values are fixed per device class, or derived from the model and the device: the location, the
port number, a physical FC port's WWPN, an Ethernet adapter's MAC (the one entstat shows), a virtual
adapter's bus address (0x30000000 + slot), a disk's vendor, LUN and model, serials derived from names.
"""
from __future__ import annotations

import hashlib
import re
from typing import Any

from ..model import Disk, FcPort, Lpar, ManagedSystem, VEth, VFc, VScsi
from .data import vpd_table
from .devices import Device, hardware_address
from .udid import sas_model

_PORT = re.compile(r"-T(\d+)$")
VIRTUAL_BUS = 0x30000000


def _hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits].upper()


def _slot(dev: Device) -> int:
    if isinstance(dev.ref, (VEth, VScsi, VFc)):
        return dev.ref.slot
    return 0


def values(ms: ManagedSystem, lpar: Lpar, dev: Device) -> dict[str, Any]:
    """Everything a VPD template may name for this device."""
    spec = vpd_table("vpd")
    port = _PORT.search(dev.physloc)
    out: dict[str, Any] = {"name": dev.name, "physloc": dev.physloc, "description": dev.description,
                           "serial": _hex(f"{ms.serial}/{lpar.name}/{dev.name}", 10),
                           "port": int(port.group(1)) - 1 if port else 0,
                           "unit_address": f"{VIRTUAL_BUS + _slot(dev):x}"}
    if isinstance(dev.ref, FcPort):
        out["wwpn"] = "10000090FA" + _hex(f"{ms.serial}/{lpar.name}/{dev.ref.name}/wwpn", 6)
    if dev.kind in ("ent_physical", "ent_virtual"):
        out["mac"] = hardware_address(ms, lpar, dev).replace(":", "").upper()
    if isinstance(dev.ref, Disk):
        disk = dev.ref
        models: dict[str, str] = spec["san_models"]
        out.update(vendor=disk.vendor, lun=disk.lun.upper(), drive_serial=_hex(f"{ms.serial}/{disk.lun}", 8),
                   disk_model=sas_model(disk.size_mb) if disk.kind == "internal"
                   else models.get(disk.vendor, models["default"]))
    return out


def render(ms: ManagedSystem, lpar: Lpar, dev: Device) -> str:
    spec = vpd_table("vpd")
    fields = values(ms, lpar, dev)
    header = str(spec["header"] if dev.physloc else spec["header_no_location"]).format(**fields).rstrip()
    entry: dict[str, Any] = spec["classes"].get(dev.kind) or {}
    lines = [header, ""]
    indent, width = " " * int(spec["indent"]), int(spec["label_width"])
    for label, template in entry.get("fields", []):
        lines.append(indent + str(label).ljust(width, ".") + str(template).format(**fields))
    platform = entry.get("platform")
    if platform:
        lines += ["", "", str(spec["platform_heading"]), ""]
        for i, (label, template) in enumerate(platform):
            lines.append(("  " if i == 0 else "    ") + f"{label}:  {str(template).format(**fields)}")
        if dev.physloc:
            lines.append(f"    Physical Location: {dev.physloc}")
    return "\n".join(lines) + "\n"
