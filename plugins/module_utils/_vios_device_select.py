# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Which devices of a VIOS a vios_device task changes.

- named devices (``hdisk4``, ``vioslpm0``);
- ``backing_of_lpars``: the disks backing the vSCSI mappings of named partitions on this VIOS. The
  HMC knows which partition each server adapter serves (``lshwres -r virtualio --rsubtype scsi``, also
  while the client is not running, when ``lsmap`` shows client id 0); ``lsmap -all -fmt :`` gives the
  backing devices of each server adapter, matched by virtual slot. Backing devices that are not disks
  (logical volumes, files, optical media) are left out;
- ``type: disk``: every disk; ``type: san_disk``: the disks that are SAN LUNs (decided from their
  attributes once they are read, see ``_estate_vios.disk_kind``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._estate_values import slot_of
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcParseError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_fields, parse_lsmap_fmt
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import Client, PrepareError

DISK_TYPES = ("disk", "san_disk")
DISK_LIST = ["lsdev", "-type", "disk", "-field", "name", "description", "-fmt", ":"]
VSCSI_MAP = ["lsmap", "-all", "-field", "svsa", "physloc", "vtd", "backing", "-fmt", ":"]
ADAPTER_FIELDS = ("slot_num", "adapter_type", "remote_lpar_name")
_NUMBER_RE = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Selection:
    """Exactly one of: ``devices``, ``backing_of_lpars`` (an empty list selects nothing), ``disk_type``."""

    devices: tuple[str, ...] = ()
    backing_of_lpars: tuple[str, ...] | None = None
    disk_type: str | None = None

    def check(self) -> None:
        chosen = [bool(self.devices), self.backing_of_lpars is not None, self.disk_type is not None]
        if sum(chosen) != 1:
            raise PrepareError("select devices in one way: by name, select.backing_of_lpars or select.type")
        if self.disk_type is not None and self.disk_type not in DISK_TYPES:
            raise PrepareError(f"select.type must be one of {', '.join(DISK_TYPES)}, not {self.disk_type!r}")


@dataclass
class Selected:
    """The devices chosen, their lsdev descriptions where known, and partitions this VIOS does not serve."""

    devices: list[str]
    descriptions: dict[str, str]
    unmatched_lpars: list[str]


def natural_key(name: str) -> tuple[object, ...]:
    """``hdisk2`` before ``hdisk10``."""
    return tuple(int(part) if part.isdigit() else part for part in _NUMBER_RE.split(name))


def on_vios(system: str, vios: str, argv: Sequence[str]) -> list[str]:
    return cmd.viosvrcmd(system, vios, argv)


def parse_disk_list(text: str) -> dict[str, str]:
    """``lsdev -type disk -field name description -fmt :`` -> {name: description} (descriptions may hold colons)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, description = line.partition(":")
        if not sep:
            raise HmcParseError(f"lsdev line has no ':' after the device name: {line!r}")
        out[name.strip()] = description.strip()
    return out


def adapters_command(system: str, vios: str) -> list[str]:
    return cmd.lshwres("virtualio", system, level="lpar", rsubtype="scsi", filters={"lpar_names": vios}, fields=ADAPTER_FIELDS)


def served_slots(text: str, lpars: Sequence[str]) -> tuple[dict[int, str], list[str]]:
    """Server adapter slots of the VIOS serving each wanted partition, and the partitions it does not serve."""
    slots: dict[int, str] = {}
    for record in parse_fields(text, ADAPTER_FIELDS):
        if record["adapter_type"] == "server" and record["remote_lpar_name"] in lpars and record["slot_num"].isdigit():
            slots[int(record["slot_num"])] = record["remote_lpar_name"]
    served = set(slots.values())
    return slots, [lpar for lpar in lpars if lpar not in served]


def backing_devices(text: str, slots: dict[int, str]) -> list[str]:
    """The backing devices of the server adapters in ``slots``, from ``lsmap -all -field svsa physloc vtd backing -fmt :``."""
    found: list[str] = []
    for record in parse_lsmap_fmt(text, ("svsa", "physloc"), ("vtd", "backing")):
        if slot_of(record.fields["physloc"]) in slots:
            found += [group["backing"].strip() for group in record.groups if group["backing"].strip()]
    return found


def select(client: Client, system: str, vios: str, selection: Selection) -> Selected:
    """The devices to work on (the SAN filter of ``san_disk`` is applied after the attributes are read)."""
    selection.check()
    if selection.devices:
        return Selected(list(dict.fromkeys(selection.devices)), {}, [])
    if selection.backing_of_lpars is not None and not selection.backing_of_lpars:
        return Selected([], {}, [])
    disks = parse_disk_list(client.run(on_vios(system, vios, DISK_LIST), read_only=True).stdout)
    if selection.disk_type is not None:
        return Selected(sorted(disks, key=natural_key), disks, [])
    lpars = list(dict.fromkeys(selection.backing_of_lpars or ()))
    slots, unmatched = served_slots(client.run(adapters_command(system, vios), read_only=True).stdout, lpars)
    if not slots:
        return Selected([], disks, unmatched)
    backing = backing_devices(client.run(on_vios(system, vios, VSCSI_MAP), read_only=True).stdout, slots)
    chosen = sorted({name for name in backing if name in disks}, key=natural_key)
    return Selected(chosen, {name: disks[name] for name in chosen}, unmatched)
