# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Keep the VIOS layout: explicit adapter mappings from a partition's current virtual adapters.

Each client vSCSI/vFC adapter is served by a VIOS of the source system. The VIOS of a system are
ranked by partition ID; the adapter is mapped to the destination VIOS of the same rank, so a
partition served by the first and second VIOS of its source is served by the first and second
VIOS of the destination. Reading costs one ``lshwres`` per adapter type and source system.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import lpar_names_filter, lshwres
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_fields
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import PartitionInfo
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import AdapterMapping

ADAPTER_FIELDS = ("lpar_name", "slot_num", "adapter_type", "remote_lpar_id", "remote_lpar_name")
SUBTYPES = ("scsi", "fc")


@dataclass(frozen=True)
class ClientAdapter:
    """A client virtual SCSI or FC adapter of a partition and the VIOS serving it."""

    subtype: str
    lpar: str
    slot: int
    vios_id: int | None
    vios_name: str


@dataclass(frozen=True)
class LayoutMappings:
    scsi: tuple[AdapterMapping, ...] = ()
    fc: tuple[AdapterMapping, ...] = ()


def parse_client_adapters(subtype: str, text: str) -> list[ClientAdapter]:
    """``lshwres -r virtualio --rsubtype scsi|fc --level lpar -F lpar_name,slot_num,adapter_type,...``."""
    adapters = []
    for row in parse_fields(text, ADAPTER_FIELDS):
        if row["adapter_type"] != "client":
            continue
        vios_id = int(row["remote_lpar_id"]) if row["remote_lpar_id"].isdigit() else None
        adapters.append(ClientAdapter(subtype, row["lpar_name"], int(row["slot_num"]), vios_id, row["remote_lpar_name"]))
    return adapters


def read_client_adapters(client: CommandRunner, system: str, lpars: Sequence[str]) -> list[ClientAdapter]:
    """The client vSCSI and vFC adapters of ``lpars`` on ``system`` (two commands; every partition's when a name
    cannot be written in a filter)."""
    found: list[ClientAdapter] = []
    for subtype in SUBTYPES:
        argv = lshwres("virtualio", system, level="lpar", rsubtype=subtype, filters=lpar_names_filter(lpars), fields=ADAPTER_FIELDS)
        found += [a for a in parse_client_adapters(subtype, client.run(argv, read_only=True).stdout) if a.lpar in lpars]
    return found


def vios_by_rank(partitions: Sequence[PartitionInfo]) -> list[PartitionInfo]:
    """The VIOS partitions of a system ordered by partition ID."""
    return sorted((p for p in partitions if p.is_vios), key=lambda p: (p.lpar_id is None, p.lpar_id or 0, p.name))


def keep_layout(lpar: str, adapters: Sequence[ClientAdapter], source: Sequence[PartitionInfo], target: Sequence[PartitionInfo]) -> LayoutMappings:
    """Mappings that put each client adapter of ``lpar`` on the destination VIOS of the same rank.

    Raises HmcInputError when an adapter's VIOS is unknown or the destination has fewer VIOS.
    """
    source_vios = vios_by_rank(source)
    target_vios = vios_by_rank(target)
    ranks = {(p.lpar_id, p.name): i for i, p in enumerate(source_vios)}
    by_id = {p.lpar_id: i for i, p in enumerate(source_vios)}
    by_name = {p.name: i for i, p in enumerate(source_vios)}
    out: dict[str, list[AdapterMapping]] = {subtype: [] for subtype in SUBTYPES}
    for adapter in sorted((a for a in adapters if a.lpar == lpar), key=lambda a: (a.subtype, a.slot)):
        rank = ranks.get((adapter.vios_id, adapter.vios_name), by_id.get(adapter.vios_id, by_name.get(adapter.vios_name)))
        if rank is None:
            served_by = adapter.vios_name or adapter.vios_id
            raise HmcInputError(f"{lpar}: the VIOS {served_by} serving {adapter.subtype} slot {adapter.slot} is not a VIOS of the source system")
        if rank >= len(target_vios):
            raise HmcInputError(
                f"{lpar}: cannot keep the VIOS layout: {adapter.subtype} slot {adapter.slot} is served by VIOS number {rank + 1} "
                f"({adapter.vios_name}) of the source, the destination has {len(target_vios)} VIOS"
            )
        dest = target_vios[rank]
        out[adapter.subtype].append(AdapterMapping(adapter.slot, dest.name, dest.lpar_id))
    return LayoutMappings(tuple(out["scsi"]), tuple(out["fc"]))
