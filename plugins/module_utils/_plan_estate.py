# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Reading the estate facts (``_estate_model``) into the planner's types (``_plan_types``).

Everything is read in name order, so the planner's input does not depend on the order of the dicts it
was given. A value the facts do not hold (None) never blocks a partition by itself: it is treated as
"not known" and the check that needed it is skipped or reported as unverified.
"""

from __future__ import annotations

from collections.abc import Iterable

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MSP_OPS, DEFAULT_SYSTEM_CAP
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    EstateFacts,
    PartitionFacts,
    SystemFacts,
    ViosFacts,
    partition_never_activated,
)
from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Physics, link_payload_mbs, stream_mbs
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import (
    ACTIVE,
    INACTIVE,
    SUSPENDED,
    AdapterNeed,
    HostingVios,
    Msp,
    Partition,
    Policy,
    Reason,
    System,
)

SLOW_LINK_MSP_OPS = 4  # an MSP on 1 GbE serves at most 4 migrations
DEFAULT_HPT_RATIO = 64
DEFAULT_VSWITCH = "ETHERNET0"
GOOD_RESERVE = ("no_reserve", "pr_shared")
NOT_SAN = {"lv": "logical volume", "internal": "internal disk", "file": "file", "optical": "virtual optical device"}
KIND_BY_STATE = {"Running": ACTIVE, "Not Activated": INACTIVE, "Suspended": SUSPENDED}
IN_PROGRESS = ("Migration Starting", "Migration In Progress")


def hpt_ratio(text: str | None) -> int:
    """``"1:64"`` -> 64."""
    if not text:
        return DEFAULT_HPT_RATIO
    try:
        return max(1, int(text.split(":")[-1]))
    except ValueError:
        return DEFAULT_HPT_RATIO


def _migrating(part: PartitionFacts) -> bool:
    return part["state"].startswith("Migrating") or part["migration"]["state"] in IN_PROGRESS


def _vioses(system: SystemFacts) -> list[PartitionFacts]:
    return sorted((p for p in system["partitions"].values() if p["is_vios"]), key=lambda p: (p["id"], p["name"]))


def _facts_of(system: SystemFacts, vios_name: str | None) -> ViosFacts | None:
    part = system["partitions"].get(vios_name or "")
    return part["vios"] if part is not None else None


# ----- the mobile partition -----


def _size(part: PartitionFacts, kind: str) -> tuple[int | None, int | None, float | None, int | None, str | None]:
    """(memory MB, maximum memory MB, processing units or processors, virtual processors, pool) it needs."""
    mem, proc, profile = part["memory"], part["processors"], part["profile"]
    shared = proc["mode"] != "ded"
    if kind != INACTIVE or profile is None:
        units = proc["units"] if shared else (float(proc["procs"]) if proc["procs"] is not None else None)
        return mem["current_mb"], mem["max_mb"], units, proc["procs"], proc["pool_name"]
    shared = profile["proc_mode"] != "ded"
    procs = profile["desired_procs"]
    units = profile["desired_proc_units"] if shared else (float(procs) if procs is not None else None)
    return profile["desired_mem_mb"], profile["max_mem_mb"], units, procs, profile["pool_name"]


def _blockers(part: PartitionFacts, kind: str | None) -> list[Reason]:
    name = part["name"]
    out: list[Reason] = []
    if part["is_vios"]:
        out.append(Reason("vios", f"{name} is a Virtual I/O Server"))
    if part["migration_disabled"]:
        out.append(Reason("migration_disabled", f"migration is disabled on {name}"))
    if _migrating(part):
        out.append(Reason("already_migrating", f"{name} is being migrated ({part['state']})"))
    elif kind is None:
        out.append(Reason("invalid_state", f"{name} is {part['state']}: only Running, Suspended and Not Activated partitions migrate"))
    if kind in (ACTIVE, SUSPENDED) and part["io_slots"]:
        slots = ", ".join(s["drc_index"] for s in part["io_slots"])
        out.append(Reason("physical_io", f"{name} owns physical I/O slots ({slots})"))
    if kind == ACTIVE and part["rmc_state"] not in (None, "active"):
        out.append(Reason("rmc_inactive", f"RMC of {name} is {part['rmc_state']}"))
    if kind in (ACTIVE, SUSPENDED) and (part["memory"]["huge_pages"] or 0) > 0:
        out.append(Reason("huge_pages", f"{name} uses huge pages"))
    if part["work_group_id"] not in (None, "", "none"):
        out.append(Reason("workload_group", f"{name} is in partition workload group {part['work_group_id']}"))
    if kind == INACTIVE and partition_never_activated(part):
        out.append(Reason("never_activated", f"{name} has never been activated"))
    return out


def _vscsi_needs(system: SystemFacts, part: PartitionFacts, blockers: list[Reason]) -> list[AdapterNeed]:
    out = []
    for client in part["virtual_scsi"]:
        if client["adapter_type"] != "client":
            continue
        vios_name = client["remote_lpar_name"] or ""
        facts = _facts_of(system, vios_name)
        if facts is None or not facts["collected"]:
            out.append(AdapterNeed("vscsi", client["slot"], vios_name, luns_known=False))
            continue
        luns: list[str] = []
        known = True
        for mapping in facts["vscsi_mappings"]:
            same_client = mapping["client_lpar_name"] == part["name"] or mapping["client_lpar_id"] == part["id"]
            if not same_client or mapping["client_slot"] not in (None, client["slot"]):
                continue
            for device in mapping["devices"]:
                if device["kind"] in NOT_SAN:
                    code = "virtual_optical" if device["kind"] == "optical" else "vscsi_backing_not_san"
                    blockers.append(Reason(code, f"{device['backing']} on {vios_name} is a {NOT_SAN[device['kind']]}"))
                    continue
                disk = facts["disks"].get(device["backing"])
                if disk is None or disk["unique_id"] is None:
                    known = False
                    continue
                if disk["reserve_policy"] is not None and disk["reserve_policy"].lower() not in GOOD_RESERVE:
                    blockers.append(Reason("vscsi_reserve_policy", f"{disk['name']} on {vios_name} has reserve_policy {disk['reserve_policy']}"))
                luns.append(disk["unique_id"])
        out.append(AdapterNeed("vscsi", client["slot"], vios_name, tuple(sorted(set(luns))), known))
    return out


def _npiv_needs(system: SystemFacts, part: PartitionFacts, policy: Policy) -> list[AdapterNeed]:
    out = []
    for client in part["virtual_fc"]:
        if client["adapter_type"] != "client":
            continue
        vios_name = client["remote_lpar_name"] or ""
        facts = _facts_of(system, vios_name)
        fabrics: list[str] = []
        for mapping in facts["npiv_mappings"] if facts is not None else []:
            same_client = mapping["client_lpar_name"] == part["name"] or mapping["client_lpar_id"] == part["id"]
            if same_client and mapping["client_slot"] in (None, client["slot"]) and mapping["fc_port"]:
                fabric = policy.fc_fabrics.get(f"{system['name']}/{vios_name}/{mapping['fc_port']}")
                if fabric:
                    fabrics.append(fabric)
        out.append(AdapterNeed("npiv", client["slot"], vios_name, fabrics=tuple(sorted(set(fabrics)))))
    return out


def _vlans(part: PartitionFacts) -> tuple[tuple[str, int], ...]:
    found = set()
    for eth in part["virtual_eth"]:
        if eth["is_trunk"]:
            continue
        for vlan in [eth["port_vlan_id"], *eth["addl_vlan_ids"]]:
            if vlan is not None:
                found.add((eth["vswitch"] or DEFAULT_VSWITCH, vlan))
    return tuple(sorted(found))


def partition(system: SystemFacts, part: PartitionFacts, physics: Physics, policy: Policy) -> Partition:
    """One partition of the source system."""
    kind = KIND_BY_STATE.get(part["state"])
    blockers = _blockers(part, kind)
    mem, max_mem, units, procs, pool = _size(part, kind or ACTIVE)
    if not part["is_vios"] and (not mem or units is None):
        blockers.append(Reason("size_unknown", f"the memory or processors of {part['name']} are not known"))
    adapters = (*_vscsi_needs(system, part, blockers), *_npiv_needs(system, part, policy))
    shared = (part["processors"]["mode"] if kind != INACTIVE or part["profile"] is None else part["profile"]["proc_mode"]) != "ded"
    mem_mode = part["memory"]["mode"] if kind != INACTIVE or part["profile"] is None else part["profile"]["mem_mode"]
    compat = part["compat_desired"] if kind == INACTIVE else (part["compat_current"] or part["compat_desired"])
    ame = (part["memory"]["ame_factor"] if kind != INACTIVE or part["profile"] is None else part["profile"]["ame_factor"]) or 0.0
    mem = mem or 0
    notes = []
    if kind == INACTIVE and part["io_slots"]:
        notes.append(Reason("physical_io_removed", f"the physical I/O slots of {part['name']} are removed by the inactive migration"))
    return Partition(
        name=part["name"],
        id=part["id"],
        kind=kind or ACTIVE,
        state=part["state"],
        mem_mb=mem,
        hpt_mb=max(1, max_mem or mem) // hpt_ratio(part["memory"]["hpt_ratio"]),
        proc_units=units or 0.0,
        shared_procs=shared,
        virtual_procs=procs or 0,
        pool_name=pool if shared else None,
        compat_mode=compat,
        shared_memory=mem_mode == "shared",
        ame=ame > 0,
        vlans=_vlans(part),
        macs=tuple(sorted(e["mac_addr"].upper() for e in part["virtual_eth"] if e["mac_addr"])),
        uuid=part["uuid"],
        adapters=tuple(adapters),
        workload=physics.workload_of(part["name"]),
        blockers=tuple(blockers),
        notes=tuple(notes),
    )


def partitions(estate: EstateFacts, source: str, physics: Physics, policy: Policy) -> list[Partition]:
    """Every partition of the source system (VIOS too: they are listed as unmovable), in name order."""
    system = estate["systems"][source]
    return [partition(system, system["partitions"][n], physics, policy) for n in sorted(system["partitions"])]


# ----- a system: capacity, mover service partitions, what its VIOS offer -----


def _msp_load(estate: EstateFacts, system: str, vios: str) -> int:
    """Migrations in progress (started by others) that use this VIOS as mover service partition."""
    count = 0
    for sys_name in sorted(estate["systems"]):
        for part in estate["systems"][sys_name]["partitions"].values():
            mig = part["migration"]
            if mig["state"] not in IN_PROGRESS:
                continue
            if sys_name == system and mig["source_msp_name"] == vios:
                count += 1
            elif mig["dest_sys_name"] == system and mig["dest_msp_name"] == vios:
                count += 1
    return count


def _msps(estate: EstateFacts, system: SystemFacts, physics: Physics, policy: Policy) -> tuple[Msp, ...]:
    out = []
    for vios in _vioses(system):
        facts = vios["vios"]
        if not vios["msp"] or vios["state"] != "Running" or vios["rmc_state"] not in (None, "active"):
            continue
        if facts is not None and facts["vasi"] is False:
            continue
        gbps = physics.link_gbps(system["name"], vios["name"])
        lpm = facts["vioslpm0"] if facts is not None else None
        cap = (lpm["cfg_msp_lpm_ops"] if lpm is not None else None) or DEFAULT_MSP_OPS
        if gbps <= 1.0:
            cap = min(cap, SLOW_LINK_MSP_OPS)
        if policy.max_per_msp is not None:
            cap = min(cap, policy.max_per_msp)
        cap -= _msp_load(estate, system["name"], vios["name"])
        if cap > 0:
            out.append(Msp(system["name"], vios["name"], vios["id"], gbps, link_payload_mbs(physics, gbps), stream_mbs(physics, gbps), cap))
    return tuple(out)


def _bridged(vios: PartitionFacts) -> frozenset[tuple[str, int]]:
    if vios["state"] != "Running":
        return frozenset()
    found: set[tuple[str, int]] = set()
    for eth in vios["virtual_eth"]:
        if eth["is_trunk"]:
            found.update((eth["vswitch"] or DEFAULT_VSWITCH, v) for v in [eth["port_vlan_id"], *eth["addl_vlan_ids"]] if v is not None)
    facts = vios["vios"]
    if facts is not None and facts["collected"]:
        for sea in facts["seas"]:
            switches = (sea["vswitch"] or DEFAULT_VSWITCH).split(",")
            found.update((s, v) for s in switches for v in sea["vlans"])
    return frozenset(found)


def _hosting(system: SystemFacts, vios: PartitionFacts, policy: Policy) -> HostingVios:
    facts = vios["vios"]
    running = vios["state"] == "Running"
    if facts is None or not facts["collected"]:
        return HostingVios(vios["name"], running, False, frozenset(), False, frozenset(), (), _bridged(vios))
    luns, bad = set(), set()
    complete = True
    for name in sorted(facts["disks"]):
        disk = facts["disks"][name]
        if disk["kind"] not in ("san", "unknown"):
            continue
        if disk["unique_id"] is None:
            complete = False
            continue
        luns.add(disk["unique_id"])
        if disk["reserve_policy"] is not None and disk["reserve_policy"].lower() not in GOOD_RESERVE:
            bad.add(disk["unique_id"])
    fabrics = []
    for name in sorted(facts["fc_ports"]):
        port = facts["fc_ports"][name]
        if port["npiv_capable"] and port["fabric_npiv"] is not False and port["available_ports"] != 0:
            fabrics.append(policy.fc_fabrics.get(f"{system['name']}/{vios['name']}/{name}"))
    return HostingVios(vios["name"], running, True, frozenset(luns), complete, frozenset(bad), tuple(fabrics), _bridged(vios))


def _pools(system: SystemFacts) -> dict[str, float | None]:
    units_by_id: dict[int, float] = {}
    for part in system["partitions"].values():
        proc = part["processors"]
        if proc["mode"] == "shared" and proc["pool_id"] is not None and proc["units"]:
            units_by_id[proc["pool_id"]] = units_by_id.get(proc["pool_id"], 0.0) + proc["units"]
    out: dict[str, float | None] = {}
    for pool in sorted(system["shared_proc_pools"], key=lambda p: p["id"]):
        if pool["max_proc_units"] is None or pool["id"] == 0:
            out[pool["name"]] = None
        else:
            used = units_by_id.get(pool["id"], 0.0) + (pool["reserved_proc_units"] or 0.0)
            out[pool["name"]] = pool["max_proc_units"] - used
    return out


def _cap(supported: int | None, in_progress: int | None, override: int | None) -> int:
    cap = (supported if supported is not None else DEFAULT_SYSTEM_CAP) - (in_progress or 0)
    if override is not None:
        cap = min(cap, override)
    return max(0, cap)


def _uuids(parts: Iterable[PartitionFacts]) -> frozenset[str]:
    return frozenset(p["uuid"].upper() for p in parts if p["uuid"])


def system(estate: EstateFacts, name: str, physics: Physics, policy: Policy) -> System:
    """A managed system of the estate."""
    facts = estate["systems"][name]
    parts = [facts["partitions"][n] for n in sorted(facts["partitions"])]
    limits = facts["migration"]
    capable_active = limits["active_capable"]
    if capable_active is None:
        capable_active = facts["capabilities"].get("active_lpar_mobility_capable")
    capable_inactive = limits["inactive_capable"]
    if capable_inactive is None:
        capable_inactive = facts["capabilities"].get("inactive_lpar_mobility_capable")
    return System(
        name=name,
        state=facts["state"],
        lmb_mb=facts["lmb_mb"],
        compat_modes=tuple(facts["compat_modes"]),
        avail_mem_mb=facts["available_mem_mb"],
        avail_proc_units=facts["available_proc_units"],
        min_proc_units_per_vp=facts["min_proc_units_per_vp"],
        max_lpars=facts["max_lpars"],
        partition_count=len(parts),
        names=frozenset(p["name"] for p in parts),
        ids=frozenset(p["id"] for p in parts),
        uuids=_uuids(parts),
        macs=frozenset(e["mac_addr"].upper() for p in parts for e in p["virtual_eth"] if e["mac_addr"]),
        pools=_pools(facts),
        capabilities=dict(sorted(facts["capabilities"].items())),
        active_capable=capable_active,
        inactive_capable=capable_inactive,
        active_cap=_cap(limits["active_supported"], limits["active_in_progress"], policy.max_per_system),
        inactive_cap=_cap(limits["inactive_supported"], limits["inactive_in_progress"], policy.max_inactive_per_system),
        msps=_msps(estate, facts, physics, policy),
        vios=tuple(_hosting(facts, v, policy) for v in _vioses(facts)),
    )
