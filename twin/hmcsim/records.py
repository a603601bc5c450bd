"""Model objects -> HMC records (ordered dicts) for the read-only listings.

Every function returns a record in the attribute order of data/attributes.yaml for the HMC that manages
the system (attributes gated by HMC version are left out for other releases). Values are strings, ints,
floats (processor units), bools (0/1) or lists (list attributes); ``None`` = does not apply (omitted in
the default output). The same functions serve lssyscfg, lshwres, lsrefcode, lssysconn and an estate
export, so a listing and an export can never disagree.

Profiles mirror the partition's current configuration (the model keeps one configuration per partition);
only a profile's ``io_slots`` are its own.
"""
from __future__ import annotations

import hashlib
import math
from typing import Optional

from . import attributes as attrs
from .estate import Estate
from .formats import Record
from .model import Hmc, Lpar, ManagedSystem, ProcPool, Profile, VEth, VFc, VScsi

DED_SHARING_MODES = ("keep_idle_procs", "share_idle_procs", "share_idle_procs_active", "share_idle_procs_always")


def major_of(estate: Estate, ms: ManagedSystem) -> int:
    hmc = estate.hmcs.get(ms.hmc)
    return attrs.hmc_major(hmc.version if hmc else "")


# ----- helpers shared by several records -----

def logical_serial(ms: ManagedSystem, lp: Lpar) -> str:
    """System serial + partition id in hex (``06C3A0P`` + 15 -> ``06C3A0PF``)."""
    return f"{ms.serial}{lp.id:X}"


def remote_ref(ms: ManagedSystem, name: str, slot: int) -> tuple[str, str, str]:
    """(remote_lpar_id, remote_lpar_name, remote_slot_num) of a virtual adapter's partner."""
    if name in ("", "any"):
        return "any", "", "any"
    partner = Estate.find_lpar(ms, name=name)
    return (str(partner.id) if partner else "any"), name, (str(slot) if slot else "any")


def pool_of(ms: ManagedSystem, lp: Lpar) -> ProcPool:
    return next((p for p in ms.shared_proc_pools if p.name == lp.shared_proc_pool), ProcPool(0, "DefaultPool"))


def proc_limits(lp: Lpar) -> tuple[int, int]:
    """(min_procs, max_procs): the model keeps the desired count; the limits are derived from it."""
    if lp.procs <= 0:
        return 0, 0
    ceiling = math.ceil(lp.max_proc_units) if lp.proc_mode == "shared" else lp.procs
    return 1, max(lp.procs, ceiling)


def sharing_mode(lp: Lpar) -> str:
    if lp.proc_mode == "shared":
        return lp.sharing_mode if lp.sharing_mode in ("cap", "uncap") else "uncap"
    return lp.sharing_mode if lp.sharing_mode in DED_SHARING_MODES else "share_idle_procs"


def uncap_weight(lp: Lpar) -> int:
    return lp.uncap_weight if sharing_mode(lp) == "uncap" else 0


def serial_required(lp: Lpar, slot: int) -> bool:
    """Virtual serial slots 0 and 1 are always required; others only when the scenario says so."""
    return slot < 2 or slot in lp.required_serial_slots


def next_free_slot(lp: Lpar) -> Optional[int]:
    used = set(lp.serial_slots) | {a.slot for a in lp.eth} | {a.slot for a in lp.scsi} | {a.slot for a in lp.fc}
    return next((s for s in range(2, lp.max_virtual_slots) if s not in used), None)


# ----- list-attribute elements (lssyscfg -r prof; also the -i grammar of chsyscfg/mksyscfg) -----

def scsi_element(ms: ManagedSystem, a: VScsi) -> str:
    rid, rname, rslot = remote_ref(ms, a.remote_lpar, a.remote_slot)
    return f"{a.slot}/{a.adapter_type}/{rid}/{rname}/{rslot}/{int(a.is_required)}"


def fc_element(ms: ManagedSystem, a: VFc) -> str:
    rid, rname, rslot = remote_ref(ms, a.remote_lpar, a.remote_slot)
    wwpns = ",".join(a.wwpns) if a.adapter_type == "client" else ""
    return f"{a.slot}/{a.adapter_type}/{rid}/{rname}/{rslot}/{wwpns}/{int(a.is_required)}"


def eth_element(a: VEth) -> str:
    """slot/ieee/port_vlan_id/addl_vlans/trunk_priority (0 = not a trunk)/required/vswitch/mac/allowed/qos."""
    addl = ",".join(str(v) for v in a.addl_vlan_ids)
    trunk = a.trunk_priority if a.is_trunk else 0
    return (f"{a.slot}/{int(a.ieee_virtual_eth)}/{a.port_vlan_id}/{addl}/{trunk}/{int(a.is_required)}"
            f"/{a.vswitch}//all/none")


def serial_element(lp: Lpar, slot: int) -> str:
    return f"{slot}/server/1/any//any/{int(serial_required(lp, slot))}"


def io_slot_element(slot: str) -> str:
    """A DRC index alone becomes ``drc/none/0`` (desired, so DLPAR can remove it)."""
    return slot if "/" in slot else f"{slot}/none/0"


def profile_io_slots(lp: Lpar, prof: Profile) -> list[str]:
    if prof.io_slots:
        return list(prof.io_slots)
    return list(lp.io_slots) if prof.name == lp.curr_profile else []


# ----- lssyscfg -----

def capability_names(estate: Estate, ms: ManagedSystem) -> list[str]:
    return attrs.capability_names(major_of(estate, ms), estate.capabilities(ms))


def sys_record(estate: Estate, ms: ManagedSystem) -> Record:
    table = attrs.table("sys")
    caps = estate.capabilities(ms)
    defaults = attrs.capability_defaults()
    cap_names = capability_names(estate, ms)
    unavailable = ms.state in table["unavailable_states"]
    service = next((lp for lp in ms.lpars if lp.service_partition), None)
    values: Record = {
        "name": ms.name, "type_model": ms.type_model, "serial_num": ms.serial, "ipaddr": ms.ipaddr,
        "state": ms.state, "sys_time": estate.clock.hmc_time(), "max_lpars": ms.max_lpars,
        "service_lpar_id": service.id if service else "none",
        "service_lpar_name": service.name if service else "none",
        "lpar_proc_compat_modes": list(estate.compat_modes(ms)),
        "sp_version": table["sp_version"].get(ms.proc_type, table["sp_version"]["POWER7"]),
    }
    kept = set(table["capabilities_kept_when_unavailable"])
    for name in cap_names:
        values[name] = "unavailable" if unavailable and name not in kept else caps.get(name, defaults.get(name, 0))
    if unavailable:
        values.update({name: "unavailable" for name in table["unavailable_attrs"]})
    return attrs.ordered("sys", major_of(estate, ms), values, {attrs.CAPABILITIES: cap_names})


def lpar_record(estate: Estate, ms: ManagedSystem, lp: Lpar) -> Record:
    table = attrs.table("lpar")
    values: Record = {
        "name": lp.name, "lpar_id": lp.id, "lpar_env": lp.env, "state": lp.state,
        "resource_config": int(lp.ever_activated or estate.is_active(lp)),
        "os_version": lp.os_version, "logical_serial_num": logical_serial(ms, lp),
        "default_profile": lp.default_profile, "curr_profile": lp.curr_profile, "work_group_id": lp.work_group_id,
        "boot_mode": None if lp.env == "vioserver" else "norm",
        "redundant_err_path_reporting": lp.redundant_err_path_reporting,
        "rmc_state": lp.rmc_state, "rmc_ipaddr": lp.rmc_ipaddr, "time_ref": lp.time_ref,
        "lpar_avail_priority": table["lpar_avail_priority"].get(lp.env, 127),
        "desired_lpar_proc_compat_mode": lp.compat_desired or "default",
        "curr_lpar_proc_compat_mode": estate.current_compat(ms, lp),
        "suspend_capable": lp.suspend_capable, "msp": lp.msp, "migration_disabled": lp.migration_disabled,
        "uuid": lp.uuid, "description": lp.description,
    }
    return attrs.ordered("lpar", major_of(estate, ms), values)


def profile_record(estate: Estate, ms: ManagedSystem, lp: Lpar, prof: Profile) -> Record:
    vios = lp.env == "vioserver"
    shared = lp.proc_mode == "shared"
    min_procs, max_procs = proc_limits(lp)
    pool = pool_of(ms, lp)
    lhea = bool(estate.capabilities(ms).get("lhea_capable"))
    values: Record = {
        "name": prof.name, "lpar_name": lp.name, "lpar_id": lp.id, "lpar_env": lp.env,
        "min_mem": lp.min_mem_mb, "desired_mem": lp.mem_mb, "max_mem": lp.max_mem_mb,
        "min_num_huge_pages": None if vios else 0,
        "desired_num_huge_pages": None if vios else lp.huge_pages,
        "max_num_huge_pages": None if vios else lp.huge_pages,
        "mem_mode": lp.mem_mode, "mem_expansion": float(lp.mem_expansion), "hpt_ratio": f"1:{lp.hpt_ratio}",
        "proc_mode": lp.proc_mode,
        "min_proc_units": lp.min_proc_units if shared else None,
        "desired_proc_units": lp.proc_units if shared else None,
        "max_proc_units": lp.max_proc_units if shared else None,
        "min_procs": min_procs, "desired_procs": lp.procs, "max_procs": max_procs,
        "sharing_mode": sharing_mode(lp), "uncap_weight": uncap_weight(lp) if shared else None,
        "shared_proc_pool_id": pool.id if shared else None,
        "shared_proc_pool_name": pool.name if shared else None,
        "io_slots": [io_slot_element(s) for s in profile_io_slots(lp, prof)],
        "max_virtual_slots": lp.max_virtual_slots,
        "virtual_serial_adapters": [serial_element(lp, s) for s in sorted(lp.serial_slots)],
        "virtual_scsi_adapters": [scsi_element(ms, a) for a in lp.scsi],
        "virtual_eth_adapters": [eth_element(a) for a in lp.eth],
        "virtual_eth_vsi_profiles": [f"{a.slot}/{a.vsi_profile}" for a in lp.eth if a.vsi_profile],
        "virtual_fc_adapters": [fc_element(ms, a) for a in lp.fc],
        "boot_mode": "norm", "work_group_id": lp.work_group_id,
        "redundant_err_path_reporting": lp.redundant_err_path_reporting, "bsr_arrays": lp.bsr_arrays,
        "lhea_logical_ports": list(lp.lhea_ports) if lhea else None,
        "lhea_capabilities": "none" if lhea else None,
        "lpar_proc_compat_mode": lp.compat_desired or "default",
        "sriov_eth_logical_ports": list(lp.sriov_ports),
    }
    return attrs.ordered("prof", major_of(estate, ms), values)


# ----- lshwres -r mem / proc / procpool -----

def mem_sys_record(estate: Estate, ms: ManagedSystem) -> Record:
    table = attrs.table("mem_sys")
    requested = sum(lp.huge_pages for lp in ms.lpars)
    in_use = sum(lp.huge_pages for lp in ms.lpars if estate.is_active(lp))
    avail = estate.avail_mem_mb(ms)
    values: Record = {
        "configurable_sys_mem": ms.installed_mem_mb, "curr_avail_sys_mem": avail, "pend_avail_sys_mem": avail,
        "installed_sys_mem": ms.installed_mem_mb, "sys_firmware_mem": estate.firmware_mem_mb(ms),
        "mem_region_size": ms.lmb_mb, "configurable_num_sys_huge_pages": requested,
        "curr_avail_num_sys_huge_pages": requested - in_use, "pend_avail_num_sys_huge_pages": requested - in_use,
        "max_num_sys_huge_pages": ms.installed_mem_mb // ms.huge_page_mb if ms.huge_page_mb else 0,
        "requested_num_sys_huge_pages": requested, "huge_page_size": ms.huge_page_mb,
        "max_mem_pools": int(bool(estate.capabilities(ms).get("active_mem_sharing_capable"))),
        "possible_hpt_ratios": list(table["possible_hpt_ratios"]),
    }
    return attrs.ordered("mem_sys", major_of(estate, ms), values)


def mem_lpar_record(estate: Estate, ms: ManagedSystem, lp: Lpar) -> Record:
    """A partition's memory; everything reads 0 while it is not activated (V7R7.9 capture)."""
    active = estate.is_active(lp)

    def cur(value: int) -> int:
        return value if active else 0

    vios = lp.env == "vioserver"
    huge = None if vios else cur(lp.huge_pages)
    values: Record = {
        "lpar_name": lp.name, "lpar_id": lp.id,
        "curr_min_mem": cur(lp.min_mem_mb), "curr_mem": cur(lp.mem_mb), "curr_max_mem": cur(lp.max_mem_mb),
        "pend_min_mem": cur(lp.min_mem_mb), "pend_mem": cur(lp.mem_mb), "pend_max_mem": cur(lp.max_mem_mb),
        "run_min_mem": cur(lp.min_mem_mb), "run_mem": cur(lp.mem_mb),
        "curr_min_num_huge_pages": None if vios else 0, "curr_num_huge_pages": huge,
        "curr_max_num_huge_pages": huge, "pend_min_num_huge_pages": None if vios else 0,
        "pend_num_huge_pages": huge, "pend_max_num_huge_pages": huge, "run_num_huge_pages": huge,
        "mem_mode": lp.mem_mode, "curr_hpt_ratio": f"1:{lp.hpt_ratio}",
    }
    return attrs.ordered("mem_lpar", major_of(estate, ms), values)


def proc_sys_record(estate: Estate, ms: ManagedSystem) -> Record:
    avail = estate.avail_proc_units(ms)
    whole = int(ms.installed_proc_units)
    values: Record = {
        "configurable_sys_proc_units": float(ms.installed_proc_units), "curr_avail_sys_proc_units": avail,
        "pend_avail_sys_proc_units": avail, "installed_sys_proc_units": float(ms.installed_proc_units),
        "min_proc_units_per_virtual_proc": float(ms.min_proc_units_per_vp), "max_procs_per_lpar": whole,
        "max_curr_procs_per_aixlinux_lpar": whole, "max_curr_procs_per_vios_lpar": whole,
        "max_curr_procs_per_os400_lpar": whole,
    }
    return attrs.ordered("proc_sys", major_of(estate, ms), values)


def proc_lpar_record(estate: Estate, ms: ManagedSystem, lp: Lpar) -> Record:
    """A partition's processors; zeros while not activated, proc-unit attributes absent when dedicated."""
    active = estate.is_active(lp)
    shared = lp.proc_mode == "shared"
    min_procs, max_procs = proc_limits(lp)

    def units(value: float) -> Optional[float]:
        return (float(value) if active else 0.0) if shared else None

    def count(value: int) -> int:
        return value if active else 0

    weight = (uncap_weight(lp) if active else 0) if shared else None
    pool_id = pool_of(ms, lp).id if shared else None
    values: Record = {"lpar_name": lp.name, "lpar_id": lp.id}
    for prefix in ("curr", "pend"):
        values.update({
            f"{prefix}_shared_proc_pool_id": pool_id, f"{prefix}_proc_mode": lp.proc_mode,
            f"{prefix}_min_proc_units": units(lp.min_proc_units), f"{prefix}_proc_units": units(lp.proc_units),
            f"{prefix}_max_proc_units": units(lp.max_proc_units), f"{prefix}_min_procs": count(min_procs),
            f"{prefix}_procs": count(lp.procs), f"{prefix}_max_procs": count(max_procs),
            f"{prefix}_sharing_mode": sharing_mode(lp), f"{prefix}_uncap_weight": weight,
        })
    values.update({"run_proc_units": units(lp.proc_units), "run_procs": count(lp.procs),
                   "run_uncap_weight": weight})
    return attrs.ordered("proc_lpar", major_of(estate, ms), values)


def proc_pool_record(estate: Estate, ms: ManagedSystem) -> Record:
    """The physical shared processor pool (``lshwres -r proc --level pool``)."""
    dedicated = sum(lp.procs for lp in ms.lpars if estate.is_active(lp) and lp.proc_mode != "shared")
    avail = estate.avail_proc_units(ms)
    values: Record = {"configurable_pool_proc_units": float(ms.installed_proc_units - dedicated),
                      "curr_avail_pool_proc_units": avail, "pend_avail_pool_proc_units": avail}
    return attrs.ordered("proc_pool", major_of(estate, ms), values)


def procpool_records(estate: Estate, ms: ManagedSystem) -> list[Record]:
    """The shared processor pools (``lshwres -r procpool``); pool 0 has no limits of its own."""
    out = []
    for pool in ms.shared_proc_pools:
        members = [lp for lp in ms.lpars if lp.proc_mode == "shared" and pool_of(ms, lp).id == pool.id]
        default = pool.id == 0
        values: Record = {
            "name": pool.name, "shared_proc_pool_id": pool.id,
            "max_pool_proc_units": None if default else float(pool.max_proc_units),
            "curr_reserved_pool_proc_units": None if default else float(pool.reserved_proc_units),
            "pend_reserved_pool_proc_units": None if default else float(pool.reserved_proc_units),
            "lpar_names": [lp.name for lp in members], "lpar_ids": [str(lp.id) for lp in members],
        }
        out.append(attrs.ordered("procpool", major_of(estate, ms), values))
    return out


# ----- lshwres -r virtualio -----

def _adapter_base(estate: Estate, lp: Lpar, slot: int) -> Record:
    return {"lpar_name": lp.name, "lpar_id": lp.id, "slot_num": slot, "state": int(estate.is_active(lp))}


def vscsi_records(estate: Estate, ms: ManagedSystem, lp: Lpar) -> list[Record]:
    out = []
    for a in lp.scsi:
        rid, rname, rslot = remote_ref(ms, a.remote_lpar, a.remote_slot)
        values = _adapter_base(estate, lp, a.slot) | {
            "is_required": a.is_required, "adapter_type": a.adapter_type,
            "remote_lpar_id": rid, "remote_lpar_name": rname, "remote_slot_num": rslot}
        out.append(attrs.ordered("vscsi", major_of(estate, ms), values))
    return out


def vfc_records(estate: Estate, ms: ManagedSystem, lp: Lpar) -> list[Record]:
    out = []
    for a in lp.fc:
        rid, rname, rslot = remote_ref(ms, a.remote_lpar, a.remote_slot)
        values = _adapter_base(estate, lp, a.slot) | {
            "adapter_type": a.adapter_type, "is_required": a.is_required,
            "remote_lpar_id": rid, "remote_lpar_name": rname, "remote_slot_num": rslot,
            "wwpns": list(a.wwpns) if a.adapter_type == "client" else None}
        out.append(attrs.ordered("vfc", major_of(estate, ms), values))
    return out


def veth_records(estate: Estate, ms: ManagedSystem, lp: Lpar) -> list[Record]:
    out = []
    for a in lp.eth:
        values = _adapter_base(estate, lp, a.slot) | {
            "is_required": a.is_required, "is_trunk": a.is_trunk,
            "trunk_priority": a.trunk_priority if a.is_trunk else None,
            "ieee_virtual_eth": a.ieee_virtual_eth, "port_vlan_id": a.port_vlan_id, "vswitch": a.vswitch,
            "addl_vlan_ids": ",".join(str(v) for v in a.addl_vlan_ids), "mac_addr": a.mac_addr}
        out.append(attrs.ordered("veth", major_of(estate, ms), values))
    return out


def vslot_record(estate: Estate, ms: ManagedSystem, lp: Lpar) -> Record:
    free = next_free_slot(lp)
    values: Record = {"lpar_name": lp.name, "lpar_id": lp.id, "curr_max_virtual_slots": lp.max_virtual_slots,
                      "pend_max_virtual_slots": lp.max_virtual_slots,
                      "next_avail_virtual_slot": free if free is not None else "none"}
    return attrs.ordered("vslot", major_of(estate, ms), values)


def vserial_records(estate: Estate, ms: ManagedSystem, lp: Lpar) -> list[Record]:
    """Server serial adapters, highest slot first (as the V7R7.9 capture lists them)."""
    return [attrs.ordered("vserial", major_of(estate, ms), _adapter_base(estate, lp, slot)
                          | {"is_required": serial_required(lp, slot)})
            for slot in sorted(lp.serial_slots, reverse=True)]


def vswitch_records(estate: Estate, ms: ManagedSystem) -> list[Record]:
    """Virtual switches seen on the system's adapters (ETHERNET0 always exists) and their VLANs."""
    vlans: dict[str, set[int]] = {"ETHERNET0": set()}
    for lp in ms.lpars:
        for a in lp.eth:
            vlans.setdefault(a.vswitch, set()).update([a.port_vlan_id, *a.addl_vlan_ids])
    return [attrs.ordered("vswitch", major_of(estate, ms),
                          {"vswitch": name, "vlan_ids": [str(v) for v in sorted(ids)]})
            for name, ids in vlans.items()]


# ----- lshwres -r io --rsubtype slot -----

def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def unit_phys_loc(ms: ManagedSystem) -> str:
    """The CEC enclosure location code, ``U<type>.<model>.<serial>``."""
    return "U" + ms.type_model.replace("-", ".") + "." + ms.serial


def slot_drc_indexes(ms: ManagedSystem) -> list[tuple[str, Optional[Lpar]]]:
    """Owned slots (from the partitions) plus a few unassigned ones generated from the serial number."""
    owned: dict[str, Lpar] = {}
    for lp in ms.lpars:
        for slot in lp.io_slots:
            owned[slot.split("/")[0].upper()] = lp
    wanted = int(attrs.table("io_slot")["unassigned_per_system"])
    positions = {(int(d, 16) >> 16) & 0xFF for d in owned}
    free = [p for p in range(1, 256) if p not in positions][:wanted]
    unassigned = [f"{0x21000000 | (p << 16) | (2 + _stable(f'{ms.serial}/{p}') % 3):08X}" for p in free]
    slots: list[tuple[str, Optional[Lpar]]] = [(d, lp) for d, lp in owned.items()]
    slots.extend((d, None) for d in unassigned)
    return sorted(slots, key=lambda s: int(s[0], 16))


def io_slot_record(estate: Estate, ms: ManagedSystem, drc: str, owner: Optional[Lpar]) -> Record:
    table = attrs.table("io_slot")
    number = int(drc, 16)
    unit = unit_phys_loc(ms)
    phys = f"C{(number >> 16) & 0xFF}"
    choices = table["catalog"] if owner is not None else [*table["catalog"], table["empty"]]
    card = choices[_stable(f"{ms.serial}/{drc}") % len(choices)]
    values: Record = {
        "unit_phys_loc": unit, "bus_id": number & 0xFF, "phys_loc": phys, "drc_index": drc,
        "lpar_name": owner.name if owner else None, "lpar_id": owner.id if owner else "none",
        "drc_name": f"{unit}-P1-{phys}", **{k: str(v) for k, v in card.items()},
    }
    return attrs.ordered("io_slot", major_of(estate, ms), values)


def io_slot_records(estate: Estate, ms: ManagedSystem) -> list[Record]:
    return [io_slot_record(estate, ms, drc, owner) for drc, owner in slot_drc_indexes(ms)]


# ----- lsrefcode, lssysconn, lshmc -----

def refcode_lpar_record(estate: Estate, ms: ManagedSystem, lp: Lpar) -> Record:
    by_state = attrs.table("refcode_lpar")["by_state"]
    values: Record = {"lpar_name": lp.name, "lpar_id": lp.id, "time_stamp": estate.clock.hmc_time(),
                      "refcode": lp.refcode or by_state.get(lp.state, "")}
    return attrs.ordered("refcode_lpar", major_of(estate, ms), values)


def refcode_sys_record(estate: Estate, ms: ManagedSystem) -> Record:
    return attrs.ordered("refcode_sys", major_of(estate, ms), {"time_stamp": estate.clock.hmc_time()})


def sysconn_record(estate: Estate, ms: ManagedSystem) -> Record:
    states = attrs.table("sysconn")["state_by_system_state"]
    values: Record = {"type_model_serial_num": f"{ms.type_model}*{ms.serial}", "ipaddr": ms.ipaddr,
                      "state": states.get(ms.state, "Connected")}
    return attrs.ordered("sysconn", major_of(estate, ms), values)


def hmc_network_record(hmc: Hmc) -> Record:
    values: Record = {"hostname": hmc.name, "ipaddr": hmc.ipaddr, "ipaddrlpar": hmc.ipaddr,
                      "ipv4addr_eth0": hmc.ipaddr}
    return attrs.ordered("hmc_network", attrs.hmc_major(hmc.version), values)


def hmc_version_text(hmc: Hmc) -> str:
    """``lshmc -V``: a two-attribute record whose quoted values span several lines."""
    major = attrs.hmc_major(hmc.version)
    release = hmc.version.split("R", 1)[1] if "R" in hmc.version else hmc.version
    return (f'"version= Version: {major}\n Release: {release}\n Service Pack: {hmc.service_pack}\n'
            f'HMC Build level {hmc.build_level}\n","base_version={hmc.version}\n"\n')
