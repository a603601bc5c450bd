# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Argv for ``migrlpar -o v|m|s|r`` built from typed migration options.

One command names one partition, so each migration has its own exit status and output. The ``-i``
record goes through build_input_data; nothing here quotes for a shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import RECORD_FORBIDDEN, RecordValue, build_input_data, check_name
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError

# Override / redundancy options: option name -> (migrlpar flag, choice -> flag value). The HMC
# default applies when an option is not given (hmc-cli-facts.md §5.1).
REQUIRED_OR_IF_POSSIBLE = {"required": "1", "if_possible": "2"}
WITH_NONE = {"none": "0", "required": "1", "if_possible": "2"}
OVERRIDE_FLAGS: dict[str, tuple[str, dict[str, str]]] = {
    "redundant_vios": ("--redundantvios", WITH_NONE),
    "mpio": ("--mpio", REQUIRED_OR_IF_POSSIBLE),
    "vlan_bridge": ("--vlanbridge", REQUIRED_OR_IF_POSSIBLE),
    "vsi": ("--vsi", REQUIRED_OR_IF_POSSIBLE),
    "uuid": ("--uuid", REQUIRED_OR_IF_POSSIBLE),
    "protect_storage": ("--protectstorage", REQUIRED_OR_IF_POSSIBLE),
    "redundant_msps": ("--redundantmsps", WITH_NONE),
    "npiv_validation": ("--npivval", {"port": "port", "port_and_disk": "portdisk"}),
}


def _fits_element(text: str) -> bool:
    return not RECORD_FORBIDDEN.union("/").intersection(text)


@dataclass(frozen=True)
class AdapterMapping:
    """One ``virtual_scsi_mappings``/``virtual_fc_mappings`` element.

    ``client_slot/dest_vios_name/dest_vios_id[/dest_vios_slot[/dest_fc_port]]``; the VIOS may be given
    by name, by ID or both. ``dest_fc_port`` is for virtual FC only. A VIOS name the element cannot carry
    (``,`` ``=`` ``"`` ``/`` or a newline) is left out when the ID is given, and refused otherwise.
    """

    client_slot: int
    dest_vios: str = ""
    dest_vios_id: int | None = None
    dest_vios_slot: int | None = None
    dest_fc_port: str = ""

    def element(self) -> str:
        if self.client_slot < 0:
            raise HmcInputError(f"virtual adapter slot {self.client_slot} is not valid")
        if not self.dest_vios and self.dest_vios_id is None:
            raise HmcInputError(f"the mapping of client slot {self.client_slot} names no destination VIOS")
        dest_vios = self.dest_vios
        if dest_vios and self.dest_vios_id is not None and not _fits_element(dest_vios):
            dest_vios = ""
        for text, what in ((dest_vios, "destination VIOS name"), (self.dest_fc_port, "destination FC port")):
            if text:
                check_name(text, what)
                if "/" in text:
                    raise HmcInputError(f"{what} {text!r} cannot be used in a mapping: it contains '/'")
        parts = [str(self.client_slot), dest_vios, "" if self.dest_vios_id is None else str(self.dest_vios_id)]
        if self.dest_vios_slot is not None or self.dest_fc_port:
            parts.append("" if self.dest_vios_slot is None else str(self.dest_vios_slot))
        if self.dest_fc_port:
            parts.append(self.dest_fc_port)
        return "/".join(parts)


@dataclass(frozen=True)
class MigrationSpec:
    """What every ``migrlpar -o v|m`` of one task shares (mappings may be replaced per partition)."""

    target: str
    source_msp: str = ""
    dest_msp: str = ""
    # Partition IDs of the MSPs, when known: used instead of a name the record grammar cannot carry.
    source_msp_id: int | None = None
    dest_msp_id: int | None = None
    scsi_mappings: tuple[AdapterMapping, ...] = ()
    fc_mappings: tuple[AdapterMapping, ...] = ()
    shared_proc_pool: str = ""
    dest_profile: str = ""
    dest_lpar_id: int | None = None
    remote_hmc: str = ""
    remote_user: str = ""
    overrides: Mapping[str, str] = field(default_factory=dict)
    wait_minutes: int | None = None


@dataclass(frozen=True)
class LparRef:
    """A partition on a system: ``-p NAME``, or ``--id ID`` when the name cannot pass the HMC list grammar."""

    name: str
    lpar_id: int | None = None

    def selector(self) -> list[str]:
        try:
            return ["-p", check_name(self.name, "partition name")]
        except HmcInputError:
            if self.lpar_id is None:
                raise
            return ["--id", str(self.lpar_id)]


def _remote(remote_hmc: str, remote_user: str) -> list[str]:
    if remote_user and not remote_hmc:
        raise HmcInputError("a remote HMC user needs the remote HMC (--ip)")
    argv = ["--ip", remote_hmc] if remote_hmc else []
    return argv + (["-u", remote_user] if remote_user else [])


def _override_flags(overrides: Mapping[str, str]) -> list[str]:
    argv: list[str] = []
    for name, choice in overrides.items():
        if name not in OVERRIDE_FLAGS:
            raise HmcInputError(f"unknown migration override {name!r}")
        flag, values = OVERRIDE_FLAGS[name]
        if choice not in values:
            raise HmcInputError(f"override {name} must be one of {', '.join(values)}, not {choice!r}")
        argv += [flag, values[choice]]
    return argv


def input_data(spec: MigrationSpec) -> dict[str, RecordValue]:
    """The ``-i`` attributes of a migration, in a stable order; empty when nothing is set."""
    data: dict[str, RecordValue] = {}
    if spec.dest_lpar_id is not None:
        data["dest_lpar_id"] = spec.dest_lpar_id
    for side, name, lpar_id in (("source", spec.source_msp, spec.source_msp_id), ("dest", spec.dest_msp, spec.dest_msp_id)):
        if name and (lpar_id is None or not RECORD_FORBIDDEN.intersection(name)):
            data[f"{side}_msp_name"] = name
        elif lpar_id is not None:
            data[f"{side}_msp_id"] = lpar_id
    if spec.shared_proc_pool:
        key = "shared_proc_pool_id" if spec.shared_proc_pool.isdigit() else "shared_proc_pool_name"
        data[key] = spec.shared_proc_pool
    if spec.scsi_mappings:
        data["virtual_scsi_mappings"] = [m.element() for m in spec.scsi_mappings]
    if spec.fc_mappings:
        data["virtual_fc_mappings"] = [m.element() for m in spec.fc_mappings]
    return data


def migrlpar(op: Literal["v", "m"], source: str, lpar: LparRef, spec: MigrationSpec) -> list[str]:
    """``migrlpar -o v|m -m SRC -t TGT {-p NAME | --id ID} [--ip IP [-u USER]] [-n PROF] [flags] [-i DATA] [-w MIN]``."""
    if op not in ("v", "m"):
        raise HmcInputError(f"migrlpar -o {op} is not a validation or a migration")
    if not source or not spec.target:
        raise HmcInputError("a migration needs a source and a target system")
    argv = ["migrlpar", "-o", op, "-m", source, "-t", spec.target] + lpar.selector()
    argv += _remote(spec.remote_hmc, spec.remote_user)
    if spec.dest_profile:
        argv += ["-n", spec.dest_profile]
    argv += _override_flags(spec.overrides)
    data = input_data(spec)
    if data:
        argv += ["-i", build_input_data(data)]
    if spec.wait_minutes is not None:
        if spec.wait_minutes < 0:
            raise HmcInputError("the wait time (-w) cannot be negative")
        argv += ["-w", str(spec.wait_minutes)]
    return argv


def migrlpar_stop(source: str, lpar: LparRef) -> list[str]:
    """``migrlpar -o s -m SRC {-p NAME | --id ID}`` (runs on the source HMC)."""
    return ["migrlpar", "-o", "s", "-m", source] + lpar.selector()


def migrlpar_recover(source: str, lpar: LparRef, remote_hmc: str = "", remote_user: str = "", force: bool = False) -> list[str]:
    """``migrlpar -o r -m SRC [--ip IP [-u USER]] {-p NAME | --id ID} [--force]``."""
    argv = ["migrlpar", "-o", "r", "-m", source] + _remote(remote_hmc, remote_user) + lpar.selector()
    return argv + (["--force"] if force else [])
