"""The unique_id (UDID) of a VIOS disk, as lsdev -attr and lspv -u show it.

AIX builds it as length-prefixed fields, each length two hex digits: the length of the whole string, then
serial, model and vendor each preceded by its length, then the transport (``fcp`` for FC-attached disks,
``sas`` for SAS disks). A SAN disk's serial is its LUN; an internal SAS disk gets a drive serial derived
from the system, the VIOS and the disk, and the model of the smallest drive of the catalogue
(``hardware.internal_disk_udid`` in data/vios_rules.yaml) that holds its size.
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


def sas_model(size_mb: int) -> str:
    """The drive model of the catalogue's smallest drive holding ``size_mb`` (the largest if none does)."""
    models = [(int(gb), str(name)) for gb, name in rules("hardware")["internal_disk_udid"]["models"]]
    return next((name for gb, name in sorted(models) if gb * 10**9 >= size_mb * 2**20), max(models)[1])


def unique_id(ms: ManagedSystem, lpar: Lpar, disk: Disk) -> str:
    if disk.kind == "internal":
        spec = rules("hardware")["internal_disk_udid"]
        digest = hashlib.sha256(f"{ms.serial}/{lpar.name}/{disk.lun}".encode()).hexdigest().upper()
        serial = str(spec["serial_prefix"]) + digest[:int(spec["serial_digits"])]
        return udid(serial, sas_model(disk.size_mb), disk.vendor, str(spec["transport"]))
    return f"3321{disk.lun}04{SAN_MODEL}03{disk.vendor}fcp"
