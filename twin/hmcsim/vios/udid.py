"""The unique_id (UDID) of a VIOS disk, as lsdev -attr and lspv -u show it.

AIX builds it as length-prefixed fields, each length two hex digits: the length of the whole string, then
serial, model and vendor each preceded by its length, then the transport (``fcp`` for FC-attached disks,
``sas`` for SAS disks). A SAN disk's serial is its LUN; an internal SAS disk gets a drive serial derived
from the system, the VIOS and the disk, and the model of the smallest drive of the catalogue
(``hardware.internal_disk_udid`` in data/vios_rules.yaml) that holds its size - unless its ``lun`` is a
UDID already (a scenario exported from a real estate names internal disks by their unique_id), which is
then shown as it is.
"""
from __future__ import annotations

import hashlib

from ..model import Disk, Lpar, ManagedSystem
from .data import rules

SAN_MODEL = "2145"           # an IBM SVC / Storwize LUN


def udid(serial: str, model: str, vendor: str, transport: str) -> str:
    """``<total><len>serial<len>model<len>vendor`` + transport, lengths as two hex digits."""
    body = "".join(f"{len(field):02X}{field}" for field in (serial, model, vendor)) + transport
    return f"{len(body) + 2:02X}{body}"


def is_udid(text: str) -> bool:
    """Whether ``text`` is a whole UDID: its length prefix, three length-prefixed fields, a transport."""
    try:
        if len(text) < 10 or int(text[:2], 16) != len(text):
            return False
        pos = 2
        for _ in range(3):
            pos += 2 + int(text[pos:pos + 2], 16)
    except ValueError:
        return False
    return pos < len(text) and text[pos:].isalpha()


def sas_model(size_mb: int) -> str:
    """The drive model of the catalogue's smallest drive holding ``size_mb`` (the largest if none does)."""
    models = [(int(gb), str(name)) for gb, name in rules("hardware")["internal_disk_udid"]["models"]]
    return next((name for gb, name in sorted(models) if gb * 10**9 >= size_mb * 2**20), max(models)[1])


def unique_id(ms: ManagedSystem, lpar: Lpar, disk: Disk) -> str:
    if disk.kind == "internal":
        if is_udid(disk.lun):
            return disk.lun
        spec = rules("hardware")["internal_disk_udid"]
        digest = hashlib.sha256(f"{ms.serial}/{lpar.name}/{disk.lun}".encode()).hexdigest().upper()
        serial = str(spec["serial_prefix"]) + digest[:int(spec["serial_digits"])]
        return udid(serial, sas_model(disk.size_mb), disk.vendor, str(spec["transport"]))
    return f"3321{disk.lun}04{SAN_MODEL}03{disk.vendor}fcp"
