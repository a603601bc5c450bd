# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Partitions of one managed system, assembled from the per-system listings (joined by partition id)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_values as v
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    IoSlot,
    MemoryFacts,
    PartitionFacts,
    PartitionMigration,
    ProcessorFacts,
    ProfileFacts,
    SharedProcPool,
    VirtualEth,
    VirtualFc,
    VirtualScsi,
    VirtualSerial,
    never_activated,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcParseError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_list_attribute

Records = list[dict[str, str]]


def _by_id(records: Iterable[dict[str, str]]) -> dict[int, list[dict[str, str]]]:
    grouped: dict[int, list[dict[str, str]]] = {}
    for record in records:
        lpar_id = v.integer(record.get("lpar_id"))
        if lpar_id is not None:
            grouped.setdefault(lpar_id, []).append(record)
    return grouped


def _first(grouped: dict[int, list[dict[str, str]]], lpar_id: int) -> dict[str, str]:
    return (grouped.get(lpar_id) or [{}])[0]


def memory(record: dict[str, str]) -> MemoryFacts:
    return {
        "mode": v.text(record.get("mem_mode")),
        "min_mb": v.integer(record.get("curr_min_mem")),
        "current_mb": v.integer(record.get("curr_mem")),
        "max_mb": v.integer(record.get("curr_max_mem")),
        "huge_pages": v.integer(record.get("curr_num_huge_pages")),
        "hpt_ratio": v.text(record.get("curr_hpt_ratio")),
        "ame_factor": v.number(record.get("curr_mem_expansion")),
    }


def processors(record: dict[str, str], pools: dict[int, str]) -> ProcessorFacts:
    pool_id = v.integer(record.get("curr_shared_proc_pool_id"))
    return {
        "mode": v.text(record.get("curr_proc_mode")),
        "min_units": v.number(record.get("curr_min_proc_units")),
        "units": v.number(record.get("curr_proc_units")),
        "max_units": v.number(record.get("curr_max_proc_units")),
        "min_procs": v.integer(record.get("curr_min_procs")),
        "procs": v.integer(record.get("curr_procs")),
        "max_procs": v.integer(record.get("curr_max_procs")),
        "sharing_mode": v.text(record.get("curr_sharing_mode")),
        "uncap_weight": v.integer(record.get("curr_uncap_weight")),
        "pool_id": pool_id,
        "pool_name": v.text(record.get("curr_shared_proc_pool_name")) or (pools.get(pool_id) if pool_id is not None else None),
    }


def profile(records: Records, wanted: str | None) -> ProfileFacts | None:
    """The profile named ``wanted`` among a partition's profiles (the first one if it is not found)."""
    chosen = next((r for r in records if r.get("name") == wanted), records[0] if records else None)
    if chosen is None:
        return None
    try:
        slots = parse_list_attribute("io_slots", chosen.get("io_slots") or "none")
    except HmcParseError:
        slots = []
    return {
        "name": chosen["name"],
        "mem_mode": v.text(chosen.get("mem_mode")),
        "min_mem_mb": v.integer(chosen.get("min_mem")),
        "desired_mem_mb": v.integer(chosen.get("desired_mem")),
        "max_mem_mb": v.integer(chosen.get("max_mem")),
        "ame_factor": v.number(chosen.get("mem_expansion")),
        "proc_mode": v.text(chosen.get("proc_mode")),
        "min_proc_units": v.number(chosen.get("min_proc_units")),
        "desired_proc_units": v.number(chosen.get("desired_proc_units")),
        "max_proc_units": v.number(chosen.get("max_proc_units")),
        "min_procs": v.integer(chosen.get("min_procs")),
        "desired_procs": v.integer(chosen.get("desired_procs")),
        "max_procs": v.integer(chosen.get("max_procs")),
        "sharing_mode": v.text(chosen.get("sharing_mode")),
        "uncap_weight": v.integer(chosen.get("uncap_weight")),
        "pool_name": v.text(chosen.get("shared_proc_pool_name")),
        "io_slots": [{"drc_index": s["drc_index"], "is_required": bool(v.flag(s["is_required"]))} for s in slots],
    }


def _remote(record: dict[str, str]) -> tuple[int | None, str | None, int | None]:
    return v.integer(record.get("remote_lpar_id")), v.text(record.get("remote_lpar_name")), v.integer(record.get("remote_slot_num"))


def virtual_eth(records: Records) -> list[VirtualEth]:
    out: list[VirtualEth] = []
    for r in records:
        slot = v.integer(r.get("slot_num"))
        if slot is None:
            continue
        trunk = bool(v.flag(r.get("is_trunk")))
        out.append({
            "slot": slot,
            "port_vlan_id": v.integer(r.get("port_vlan_id")),
            "addl_vlan_ids": v.integers(r.get("addl_vlan_ids")),
            "is_trunk": trunk,
            "trunk_priority": v.integer(r.get("trunk_priority")) if trunk else None,
            "ieee_virtual_eth": bool(v.flag(r.get("ieee_virtual_eth"))),
            "vswitch": v.text(r.get("vswitch")),
            "mac_addr": v.text(r.get("mac_addr")),
            "is_required": bool(v.flag(r.get("is_required"))),
        })
    return sorted(out, key=lambda a: a["slot"])


def _client_server_adapters(records: Records, extra: Callable[[dict[str, str]], dict[str, Any]]) -> list[Any]:
    """The adapters with a slot number, sorted by slot: their common fields plus what ``extra`` adds."""
    out: list[dict[str, Any]] = []
    for r in records:
        slot = v.integer(r.get("slot_num"))
        if slot is None:
            continue
        rid, rname, rslot = _remote(r)
        out.append({
            "slot": slot, "adapter_type": r.get("adapter_type", ""), "remote_lpar_id": rid, "remote_lpar_name": rname,
            "remote_slot": rslot, **extra(r), "is_required": bool(v.flag(r.get("is_required"))),
        })
    return sorted(out, key=lambda a: a["slot"])


def virtual_scsi(records: Records) -> list[VirtualScsi]:
    return _client_server_adapters(records, lambda r: {})


def virtual_fc(records: Records) -> list[VirtualFc]:
    return _client_server_adapters(records, lambda r: {"wwpns": [w.lower() for w in v.strings(r.get("wwpns"))]})


def virtual_serial(records: Records) -> list[VirtualSerial]:
    return _client_server_adapters(records, lambda r: {"supports_hmc": bool(v.flag(r.get("supports_hmc")))})


def io_slots(records: Records) -> list[IoSlot]:
    out: list[IoSlot] = [
        {"drc_index": r["drc_index"], "drc_name": v.text(r.get("drc_name")), "description": v.text(r.get("description"))}
        for r in records
    ]
    return sorted(out, key=lambda s: s["drc_index"])


def migration(record: dict[str, str]) -> PartitionMigration:
    return {
        "state": v.text(record.get("migration_state")),
        "type": v.text(record.get("migration_type")),
        "dest_sys_name": v.text(record.get("dest_sys_name")),
        "dest_lpar_id": v.integer(record.get("dest_lpar_id")),
        "source_msp_name": v.text(record.get("source_msp_name")),
        "dest_msp_name": v.text(record.get("dest_msp_name")),
        "bytes_transmitted": v.integer(record.get("bytes_transmitted")),
        "bytes_remaining": v.integer(record.get("bytes_remaining")),
    }


def partitions(listings: dict[str, Records], pools: list[SharedProcPool]) -> dict[str, PartitionFacts]:
    """Every partition of the ``lpar`` listing, with what the other listings say about it."""
    grouped = {key: _by_id(records) for key, records in listings.items() if key != "lpar"}
    pool_names = {pool["id"]: pool["name"] for pool in pools}
    out: dict[str, PartitionFacts] = {}
    for r in listings.get("lpar", []):
        lpar_id = v.integer(r.get("lpar_id"))
        if lpar_id is None:
            continue
        env = r.get("lpar_env", "")
        refcode = _first(grouped.get("refcode", {}), lpar_id)
        config = v.integer(r.get("resource_config"))
        out[r["name"]] = {
            "name": r["name"],
            "id": lpar_id,
            "env": env,
            "is_vios": env == "vioserver",
            "state": r.get("state", ""),
            "os_version": v.text(r.get("os_version")),
            "uuid": v.text(r.get("uuid")),
            "rmc_state": v.text(r.get("rmc_state")),
            "rmc_ipaddr": v.text(r.get("rmc_ipaddr")),
            "msp": v.flag(r.get("msp")),
            "time_ref": v.flag(r.get("time_ref")),
            "migration_disabled": v.flag(r.get("migration_disabled")),
            "resource_config": config,
            "never_activated": never_activated(config),
            "work_group_id": v.text(r.get("work_group_id")),
            "compat_desired": v.text(r.get("desired_lpar_proc_compat_mode")),
            "compat_current": v.text(r.get("curr_lpar_proc_compat_mode")),
            "curr_profile": v.text(r.get("curr_profile")),
            "memory": memory(_first(grouped.get("mem_lpar", {}), lpar_id)),
            "processors": processors(_first(grouped.get("proc_lpar", {}), lpar_id), pool_names),
            "profile": profile(grouped.get("prof", {}).get(lpar_id, []), v.text(r.get("curr_profile")) or v.text(r.get("default_profile"))),
            "io_slots": io_slots(grouped.get("io_slot", {}).get(lpar_id, [])),
            "virtual_eth": virtual_eth(grouped.get("eth", {}).get(lpar_id, [])),
            "virtual_scsi": virtual_scsi(grouped.get("scsi", {}).get(lpar_id, [])),
            "virtual_fc": virtual_fc(grouped.get("fc", {}).get(lpar_id, [])),
            "virtual_serial": virtual_serial(grouped.get("serial", {}).get(lpar_id, [])),
            "migration": migration(_first(grouped.get("migr_lpar", {}), lpar_id)),
            "refcode": refcode.get("refcode") if refcode else None,
            "refcode_time": v.text(refcode.get("time_stamp")),
            "vios": None,
        }
    return out
