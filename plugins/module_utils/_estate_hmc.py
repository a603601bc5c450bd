# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The HMC listings of an estate gathering: what each asks for, and how its records become facts.

Per HMC: ``lshmc -V`` and ``lssyscfg -r sys``. Per managed system: one of each listing in
SYSTEM_LISTINGS, whatever the number of partitions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Literal

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_values as v
from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    HmcFacts,
    MigrationLimits,
    SharedProcPool,
    SystemFacts,
)
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Listing
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_attributes

# Capability flags read from lssyscfg -r sys, with the HMC majors that print them where they differ.
CAPABILITIES = (
    "active_lpar_mobility_capable",
    "inactive_lpar_mobility_capable",
    "active_lpar_share_idle_procs_capable",
    "active_mem_expansion_capable",
    "active_mem_sharing_capable",
    "bsr_capable",
    "cod_mem_capable",
    "cod_proc_capable",
    "huge_page_mem_capable",
    "lhea_capable",
    "lpar_proc_compat_mode_capable",
    "lpar_remote_restart_capable",
    "lpar_suspend_capable",
    "micro_lpar_capable",
    "powervm_lpar_simplified_remote_restart_capable",
    "shared_eth_failover_capable",
    "virtual_fc_capable",
    "virtual_io_server_capable",
    "virtual_switch_capable",
)
_CAP_MIN = {"powervm_lpar_simplified_remote_restart_capable": 8}
_CAP_MAX = {"bsr_capable": 9, "lhea_capable": 9}
SYS_FIELDS = ("name", "type_model", "serial_num", "state")
SYS_OPTIONAL = ("ipaddr", "lpar_proc_compat_modes", "max_lpars") + CAPABILITIES


def sys_listing() -> Listing:
    return Listing("sys", lambda f: cmd.lssyscfg("sys", fields=f), SYS_FIELDS, SYS_OPTIONAL, dict(_CAP_MIN), dict(_CAP_MAX))


Build = Callable[[Sequence[str]], list[str]]


def _lpars(system: str) -> Build:
    return lambda fields: cmd.lssyscfg("lpar", system, fields=fields)


def _profiles(system: str) -> Build:
    return lambda fields: cmd.lssyscfg("prof", system, fields=fields)


def _hwres(
    system: str, resource: Literal["mem", "proc", "virtualio", "io", "procpool"], level: str | None = None, rsubtype: str | None = None
) -> Build:
    return lambda fields: cmd.lshwres(resource, system, level=level, rsubtype=rsubtype, fields=fields)


def _migr(system: str, resource: Literal["sys", "lpar"]) -> Build:
    return lambda fields: cmd.lslparmigr(resource, system, fields=fields)


def _refcodes(system: str) -> Build:
    return lambda fields: cmd.lsrefcode("lpar", system, fields=fields)


def system_listings(system: str) -> list[Listing]:
    """The listings run once per managed system (their number does not depend on the partitions)."""
    adapter = ("lpar_name", "lpar_id", "slot_num")
    remote = ("adapter_type", "remote_lpar_id", "remote_lpar_name", "remote_slot_num", "is_required")
    return [
        Listing(
            "lpar",
            _lpars(system),
            ("name", "lpar_id", "lpar_env", "state"),
            ("os_version", "rmc_state", "rmc_ipaddr", "msp", "time_ref", "migration_disabled", "work_group_id",
             "desired_lpar_proc_compat_mode", "curr_lpar_proc_compat_mode", "curr_profile", "default_profile", "uuid",
             "resource_config"),
        ),
        Listing(
            "prof",
            _profiles(system),
            ("name", "lpar_name", "lpar_id"),
            ("mem_mode", "min_mem", "desired_mem", "max_mem", "mem_expansion", "proc_mode", "min_proc_units", "desired_proc_units",
             "max_proc_units", "min_procs", "desired_procs", "max_procs", "sharing_mode", "uncap_weight", "shared_proc_pool_name",
             "io_slots"),
        ),
        Listing(
            "mem_sys",
            _hwres(system, "mem", level="sys"),
            ("configurable_sys_mem", "curr_avail_sys_mem", "installed_sys_mem", "sys_firmware_mem", "mem_region_size"),
            ("huge_page_size",),
        ),
        Listing(
            "proc_sys",
            _hwres(system, "proc", level="sys"),
            ("configurable_sys_proc_units", "curr_avail_sys_proc_units", "installed_sys_proc_units"),
            ("min_proc_units_per_virtual_proc",),
        ),
        Listing(
            "mem_lpar",
            _hwres(system, "mem", level="lpar"),
            ("lpar_name", "lpar_id", "curr_min_mem", "curr_mem", "curr_max_mem"),
            ("mem_mode", "curr_num_huge_pages", "curr_hpt_ratio", "curr_mem_expansion"),
            min_major={"curr_mem_expansion": 10},
        ),
        Listing(
            "proc_lpar",
            _hwres(system, "proc", level="lpar"),
            ("lpar_name", "lpar_id", "curr_proc_mode", "curr_procs"),
            ("curr_min_proc_units", "curr_proc_units", "curr_max_proc_units", "curr_min_procs", "curr_max_procs",
             "curr_sharing_mode", "curr_uncap_weight", "curr_shared_proc_pool_id", "curr_shared_proc_pool_name"),
            min_major={"curr_shared_proc_pool_name": 10},
        ),
        Listing(
            "procpool",
            _hwres(system, "procpool"),
            ("name", "shared_proc_pool_id"),
            ("max_pool_proc_units", "curr_reserved_pool_proc_units"),
        ),
        Listing(
            "eth",
            _hwres(system, "virtualio", level="lpar", rsubtype="eth"),
            adapter + ("is_trunk", "port_vlan_id", "is_required"),
            ("trunk_priority", "ieee_virtual_eth", "addl_vlan_ids", "vswitch", "mac_addr"),
        ),
        Listing("scsi", _hwres(system, "virtualio", level="lpar", rsubtype="scsi"), adapter + remote),
        Listing(
            "fc",
            _hwres(system, "virtualio", level="lpar", rsubtype="fc"),
            adapter + remote,
            ("wwpns",),
            empty_codes=("HSCLA4C0",),
        ),
        Listing(
            "serial",
            _hwres(system, "virtualio", level="lpar", rsubtype="serial"),
            adapter + ("adapter_type", "is_required"),
            ("supports_hmc", "remote_lpar_id", "remote_lpar_name", "remote_slot_num"),
        ),
        Listing(
            "io_slot",
            _hwres(system, "io", rsubtype="slot"),
            ("drc_index", "lpar_id"),
            ("lpar_name", "drc_name", "description"),
        ),
        Listing(
            "migr_sys",
            _migr(system, "sys"),
            ("active_lpar_mobility_capable", "inactive_lpar_mobility_capable"),
            ("num_active_migrations_supported", "num_active_migrations_in_progress", "num_inactive_migrations_supported",
             "num_inactive_migrations_in_progress", "inactive_prof_policy"),
        ),
        Listing(
            "migr_lpar",
            _migr(system, "lpar"),
            ("name", "lpar_id", "migration_state"),
            ("migration_type", "dest_sys_name", "dest_lpar_id", "source_msp_name", "dest_msp_name", "bytes_transmitted",
             "bytes_remaining"),
        ),
        Listing(
            "refcode",
            _refcodes(system),
            ("lpar_name", "lpar_id", "refcode"),
            ("time_stamp",),
        ),
    ]


# ----- lshmc -V -----

_MAJOR_RE = re.compile(r"^V(\d+)R(.+)$")


def hmc_facts(name: str, text: str | None) -> HmcFacts:
    """Parse ``lshmc -V`` (two quoted attributes whose values span lines); None text = not read."""
    facts: HmcFacts = {
        "name": name, "version": None, "major": None, "release": None, "service_pack": None, "build_level": None, "fixes": [],
    }
    if not text:
        return facts
    records = parse_attributes(text)
    record = records[0] if records else {}
    base = (record.get("base_version") or "").strip() or None
    facts["version"] = base
    match = _MAJOR_RE.match(base or "")
    if match:
        facts["major"] = int(match.group(1))
        facts["release"] = match.group(2)
    for line in (record.get("version") or "").splitlines():
        line = line.strip()
        label, _sep, value = line.partition(":")
        if label == "Release" and facts["release"] is None:
            facts["release"] = value.strip()
        elif label == "Service Pack":
            facts["service_pack"] = value.strip()
        elif line.startswith("HMC Build level"):
            facts["build_level"] = line[len("HMC Build level"):].strip()
        elif line and label not in ("Version", "Release"):
            facts["fixes"].append(line)
    return facts


# ----- lssyscfg -r sys and the system-level listings -----


def system_facts(record: dict[str, str]) -> SystemFacts:
    """A system from its lssyscfg -r sys record; the other listings are merged in by merge_system()."""
    type_model, serial = record["type_model"], record["serial_num"]
    return {
        "name": record["name"],
        "type_model": type_model,
        "serial": serial,
        "mtms": f"{type_model}*{serial}",
        "state": record["state"],
        "ipaddr": v.text(record.get("ipaddr")),
        "compat_modes": v.strings(record.get("lpar_proc_compat_modes")),
        "lmb_mb": None,
        "installed_mem_mb": None,
        "configurable_mem_mb": None,
        "available_mem_mb": None,
        "firmware_mem_mb": None,
        "huge_page_size_mb": None,
        "installed_proc_units": None,
        "configurable_proc_units": None,
        "available_proc_units": None,
        "min_proc_units_per_vp": None,
        "max_lpars": v.integer(record.get("max_lpars")),
        "capabilities": {name: v.flag(record[name]) for name in CAPABILITIES if name in record},
        "migration": {
            "active_capable": None, "inactive_capable": None, "active_supported": None, "active_in_progress": None,
            "inactive_supported": None, "inactive_in_progress": None,
        },
        "inactive_prof_policy": None,
        "shared_proc_pools": [],
        "partitions": {},
    }


def merge_system(system: SystemFacts, listings: dict[str, list[dict[str, str]]]) -> None:
    """Fill the system-level fields from the mem_sys, proc_sys, migr_sys and procpool listings."""
    mem = (listings.get("mem_sys") or [{}])[0]
    system["lmb_mb"] = v.integer(mem.get("mem_region_size"))
    system["installed_mem_mb"] = v.integer(mem.get("installed_sys_mem"))
    system["configurable_mem_mb"] = v.integer(mem.get("configurable_sys_mem"))
    system["available_mem_mb"] = v.integer(mem.get("curr_avail_sys_mem"))
    system["firmware_mem_mb"] = v.integer(mem.get("sys_firmware_mem"))
    system["huge_page_size_mb"] = v.integer(mem.get("huge_page_size"))
    proc = (listings.get("proc_sys") or [{}])[0]
    system["installed_proc_units"] = v.number(proc.get("installed_sys_proc_units"))
    system["configurable_proc_units"] = v.number(proc.get("configurable_sys_proc_units"))
    system["available_proc_units"] = v.number(proc.get("curr_avail_sys_proc_units"))
    system["min_proc_units_per_vp"] = v.number(proc.get("min_proc_units_per_virtual_proc"))
    migr = (listings.get("migr_sys") or [{}])[0]
    system["migration"] = migration_limits(migr)
    system["inactive_prof_policy"] = v.text(migr.get("inactive_prof_policy"))
    system["shared_proc_pools"] = proc_pools(listings.get("procpool") or [], listings.get("proc_lpar") or [])


def migration_limits(record: dict[str, str]) -> MigrationLimits:
    return {
        "active_capable": v.flag(record.get("active_lpar_mobility_capable")),
        "inactive_capable": v.flag(record.get("inactive_lpar_mobility_capable")),
        "active_supported": v.integer(record.get("num_active_migrations_supported")),
        "active_in_progress": v.integer(record.get("num_active_migrations_in_progress")),
        "inactive_supported": v.integer(record.get("num_inactive_migrations_supported")),
        "inactive_in_progress": v.integer(record.get("num_inactive_migrations_in_progress")),
    }


def proc_pools(pools: list[dict[str, str]], proc_lpars: list[dict[str, str]]) -> list[SharedProcPool]:
    """Shared processor pools; members come from the partitions' current pool ids."""
    members: dict[int, list[str]] = {}
    for record in proc_lpars:
        pool_id = v.integer(record.get("curr_shared_proc_pool_id"))
        if pool_id is not None and record.get("curr_proc_mode") == "shared":
            members.setdefault(pool_id, []).append(record["lpar_name"])
    out: list[SharedProcPool] = []
    for record in pools:
        pool_id = v.integer(record.get("shared_proc_pool_id"))
        if pool_id is None:
            continue
        out.append({
            "id": pool_id,
            "name": record["name"],
            "max_proc_units": v.number(record.get("max_pool_proc_units")),
            "reserved_proc_units": v.number(record.get("curr_reserved_pool_proc_units")),
            "lpar_names": sorted(members.get(pool_id, [])),
        })
    return sorted(out, key=lambda pool: pool["id"])
