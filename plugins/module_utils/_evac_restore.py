# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The return home's check of the original VIOS slots, before a migration is sent.

The return home asks for each client adapter's original VIOS and server slot (explicit
``virtual_scsi_mappings`` and ``virtual_fc_mappings`` from the manifest). The HMC refuses a requested
slot that is in use or at or above the VIOS's ``max_virtual_slots`` (HSCLA25C), and a VIOS without
enough free slots for the adapters it must create (HSCLA252) - refusals that would come only once the
migration was sent, and again on every retry. This check reads each home VIOS's maximum (one
``lshwres -r virtualio --rsubtype slot`` per home system), takes the slots in use from the estate facts
given (read before the return), and finds, in plan order, each partition whose slots cannot be had;
the slots of a partition that passes are counted as taken for the next ones. A finding carries the
HMC's code and a hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, Overrides
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import is_no_results, parse_fields
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_runner import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import AdapterMapping

SLOT_TAKEN = "HSCLA25C"  # a requested destination VIOS slot is not available
TOO_FEW_SLOTS = "HSCLA252"  # the destination VIOS has too few free virtual slots
SLOT_FIELDS = ("lpar_name", "curr_max_virtual_slots")
LEFT_REASON = "vios_slot"


@dataclass(frozen=True)
class SlotFinding:
    """Why a partition cannot return to its original VIOS slots."""

    lpar: str
    system: str
    vios: str
    slot: int | None
    code: str
    message: str
    hint: str

    @property
    def detail(self) -> str:
        return f"{self.code}: {self.message}. Hint: {self.hint}"

    def to_dict(self) -> dict[str, Any]:
        return {"lpar": self.lpar, "system": self.system, "vios": self.vios, "slot": self.slot, "code": self.code,
                "message": self.message, "hint": self.hint}  # fmt: skip


@dataclass
class _Vios:
    """One home VIOS: its maximum (None when unread), the slots taken, and whether they are known."""

    system: str
    name: str
    maximum: int | None
    taken: set[int] = field(default_factory=set)
    known: bool = False
    profile: str = ""
    chosen: int = 0  # adapters of partitions that passed whose slot the HMC chooses

    @property
    def free(self) -> int | None:
        return self.maximum - len(self.taken) - self.chosen if self.maximum is not None and self.known else None

    def raise_command(self, value: int) -> str:
        """The profile change that raises this VIOS's maximum to ``value``."""
        record = {"name": self.profile or "PROFILE", "lpar_name": self.name, "max_virtual_slots": value}
        try:
            data = cmd.build_input_data(record)
        except HmcError:  # a name the record grammar cannot carry
            data = f"name=PROFILE,lpar_name=VIOS,max_virtual_slots={value}"
        return f'chsyscfg -r prof -m {self.system} -i "{data}"'


def _partitions(estate: Mapping[str, Any] | None, system: str) -> Mapping[str, Any]:
    return (estate or {}).get("systems", {}).get(system, {}).get("partitions", {}) or {}


def _vios_name(mapping: AdapterMapping, partitions: Mapping[str, Any]) -> str:
    if mapping.dest_vios:
        return mapping.dest_vios
    by_id = {p.get("id"): name for name, p in partitions.items() if isinstance(p, Mapping)}
    return str(by_id.get(mapping.dest_vios_id) or "")


def _used(part: Mapping[str, Any]) -> set[int] | None:
    slots: set[int] = set()
    for key in ("virtual_eth", "virtual_scsi", "virtual_fc", "virtual_serial"):
        adapters = part.get(key)
        if not isinstance(adapters, list):
            return None
        slots |= {a["slot"] for a in adapters if isinstance(a, Mapping) and isinstance(a.get("slot"), int)}
    return slots


def _profile(part: Mapping[str, Any]) -> str:
    profile = part.get("profile")
    name = profile.get("name") if isinstance(profile, Mapping) else None
    return str(name or part.get("curr_profile") or "")


def read_maximums(client: CommandRunner, system: str, vios: Sequence[str], warnings: list[str]) -> dict[str, int]:
    """``curr_max_virtual_slots`` of each VIOS named, from one listing of ``system``; empty when it cannot be read."""
    argv = cmd.lshwres("virtualio", system, level="lpar", rsubtype="slot", filters=cmd.lpar_names_filter(vios), fields=SLOT_FIELDS)
    try:
        answer = client.run(argv, read_only=True)
    except HmcError as exc:
        warnings.append(f"the maximum virtual slots of the VIOS of {system} could not be read ({exc.message}): "
                        "the original VIOS slots are not checked before the return")  # fmt: skip
        return {}
    if is_no_results(answer.stdout):
        return {}
    out = {}
    for record in parse_fields(answer.stdout, SLOT_FIELDS):
        value = record.get("curr_max_virtual_slots", "")
        if record.get("lpar_name") in vios and value.isdigit():
            out[record["lpar_name"]] = int(value)
    return out


def _above(slot: int) -> int:
    """A max_virtual_slots comfortably above ``slot``: the next multiple of 100."""
    return (slot // 100 + 1) * 100


def _findings_of(lpar: str, mappings: Sequence[tuple[AdapterMapping, _Vios]]) -> list[SlotFinding]:
    out = []
    wanted: dict[str, int] = {}
    for mapping, v in mappings:
        wanted[v.name] = wanted.get(v.name, 0) + 1
        slot = mapping.dest_vios_slot
        if slot is None:
            continue
        if v.maximum is not None and slot >= v.maximum:
            out.append(SlotFinding(
                lpar, v.system, v.name, slot, SLOT_TAKEN,
                f"virtual slot {slot} of VIOS {v.name} on {v.system}, the original server slot of {lpar}, is not below the VIOS's "
                f"max_virtual_slots ({v.maximum})",
                f"Raise max_virtual_slots of {v.name} above {slot} ({v.raise_command(_above(slot))}, then restart {v.name} with that "
                "profile) and run the return home again",
            ))  # fmt: skip
        elif v.known and slot in v.taken:
            out.append(SlotFinding(
                lpar, v.system, v.name, slot, SLOT_TAKEN,
                f"virtual slot {slot} of VIOS {v.name} on {v.system}, the original server slot of {lpar}, is in use by another adapter",
                f"Free slot {slot} of {v.name} (lshwres -r virtualio --rsubtype scsi, fc or eth -m {v.system} --level lpar shows what uses "
                f"it) and run the return home again, or move {lpar} with powervm.lpm.lpar_migration and a mapping to a free slot",
            ))  # fmt: skip
    for name, count in wanted.items():
        v = next(x for _m, x in mappings if x.name == name)
        free = v.free
        if free is not None and free < count:
            out.append(SlotFinding(
                lpar, v.system, v.name, None, TOO_FEW_SLOTS,
                f"VIOS {v.name} on {v.system} has {free} free virtual slots, {lpar} needs {count}",
                f"Raise max_virtual_slots of {v.name} ({v.raise_command(_above((v.maximum or 0) + count))}, then restart {v.name} with "
                "that profile) or remove unused virtual adapters, and run the return home again",
            ))  # fmt: skip
    return out


def check_slots(
    client: CommandRunner,
    entries: Sequence[Entry],
    overrides: Mapping[str, Overrides],
    estate: Mapping[str, Any] | None,
    warnings: list[str],
) -> dict[str, list[SlotFinding]]:
    """Per partition (of ``entries``, in plan order) whose original VIOS slots its home VIOS cannot give, the findings."""
    wanted = [(e, overrides[e.lpar]) for e in entries if e.lpar in overrides and (overrides[e.lpar].scsi_mappings or overrides[e.lpar].fc_mappings)]
    names: dict[str, set[str]] = {}
    for entry, over in wanted:
        partitions = _partitions(estate, entry.target)
        for mapping in (*over.scsi_mappings, *over.fc_mappings):
            name = _vios_name(mapping, partitions)
            if name:
                names.setdefault(entry.target, set()).add(name)
    vioses: dict[tuple[str, str], _Vios] = {}
    for system, vios in sorted(names.items()):
        maximums = read_maximums(client, system, sorted(vios), warnings)
        partitions = _partitions(estate, system)
        for name in vios:
            part = partitions.get(name)
            used = _used(part) if isinstance(part, Mapping) else None
            vioses[(system, name)] = _Vios(system, name, maximums.get(name), used or set(), used is not None,
                                           _profile(part) if isinstance(part, Mapping) else "")  # fmt: skip
    out: dict[str, list[SlotFinding]] = {}
    for entry, over in wanted:
        partitions = _partitions(estate, entry.target)
        mappings = []
        for mapping in (*over.scsi_mappings, *over.fc_mappings):
            key = (entry.target, _vios_name(mapping, partitions))
            if key in vioses:
                mappings.append((mapping, vioses[key]))
        findings = _findings_of(entry.lpar, mappings)
        if findings:
            out[entry.lpar] = findings
            continue
        for mapping, v in mappings:  # the slots of a partition that passes are taken for the next ones
            if mapping.dest_vios_slot is not None:
                v.taken.add(mapping.dest_vios_slot)
            else:
                v.chosen += 1
    return out
