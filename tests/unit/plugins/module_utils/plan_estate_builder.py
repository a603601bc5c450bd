# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Small typed builder of estate facts for the planner tests.

``Estate().system("src").vios("src", "vio1", 1).lpar("src", "db", 3, mem_mb=65536)`` builds the
same dict shape ``estate_info`` returns (``_estate_model.EstateFacts``), with only the fields the
tests vary given as arguments.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    SCHEMA_VERSION,
    Disk,
    EstateFacts,
    FcPort,
    MemoryFacts,
    PartitionFacts,
    ProcessorFacts,
    ProfileFacts,
    Sea,
    SystemFacts,
    VirtualEth,
    ViosFacts,
)

P7_MODES = ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"]


def memory(mb: int, max_mb: int | None = None) -> MemoryFacts:
    top = max_mb if max_mb is not None else mb * 2
    return {"mode": "ded", "min_mb": mb // 4, "current_mb": mb, "max_mb": top, "huge_pages": 0, "hpt_ratio": "1:64", "ame_factor": 0.0}


def processors(units: float, procs: int, pool: str = "DefaultPool", pool_id: int = 0) -> ProcessorFacts:
    return {
        "mode": "shared", "min_units": 0.1, "units": units, "max_units": float(procs), "min_procs": 1, "procs": procs, "max_procs": procs,
        "sharing_mode": "uncap", "uncap_weight": 128, "pool_id": pool_id, "pool_name": pool,
    }  # fmt: skip


def profile(mem_mb: int, units: float, procs: int) -> ProfileFacts:
    return {
        "name": "default", "mem_mode": "ded", "min_mem_mb": mem_mb // 4, "desired_mem_mb": mem_mb, "max_mem_mb": mem_mb * 2,
        "ame_factor": 0.0, "proc_mode": "shared", "min_proc_units": 0.1, "desired_proc_units": units, "max_proc_units": float(procs),
        "min_procs": 1, "desired_procs": procs, "max_procs": procs, "sharing_mode": "uncap", "uncap_weight": 128,
        "pool_name": "DefaultPool", "io_slots": [],
    }  # fmt: skip


def veth(slot: int, vlan: int, *, trunk: bool = False, addl: Sequence[int] = (), vswitch: str = "ETHERNET0", mac: str | None = None) -> VirtualEth:
    return {
        "slot": slot, "port_vlan_id": vlan, "addl_vlan_ids": list(addl), "is_trunk": trunk, "trunk_priority": 1 if trunk else None,
        "ieee_virtual_eth": bool(addl), "vswitch": vswitch, "mac_addr": mac, "is_required": False,
    }  # fmt: skip


def partition(name: str, pid: int, *, mem_mb: int, units: float, procs: int, state: str = "Running", is_vios: bool = False) -> PartitionFacts:
    return {
        "name": name, "id": pid, "env": "vioserver" if is_vios else "aixlinux", "is_vios": is_vios, "state": state,
        "os_version": "AIX 7.1 7100-03-03-1415", "uuid": None, "rmc_state": "active" if state == "Running" else "inactive",
        "rmc_ipaddr": None, "msp": None, "time_ref": None, "migration_disabled": False, "work_group_id": "none",
        "compat_desired": "default", "compat_current": "POWER7" if state == "Running" else None, "curr_profile": "default",
        "memory": memory(mem_mb if state == "Running" else 0), "processors": processors(units if state == "Running" else 0.0, procs),
        "profile": profile(mem_mb, units, procs), "io_slots": [], "virtual_eth": [], "virtual_scsi": [], "virtual_fc": [],
        "virtual_serial": [],
        "migration": {"state": "Not Migrating", "type": None, "dest_sys_name": None, "dest_lpar_id": None, "source_msp_name": None,
                      "dest_msp_name": None, "bytes_transmitted": None, "bytes_remaining": None},
        "refcode": "", "refcode_time": None, "vios": None,
    }  # fmt: skip


def vios_facts() -> ViosFacts:
    return {
        "collected": True, "skipped_reason": None, "ioslevel": "2.2.3.3",
        "vioslpm0": {"cfg_msp_lpm_ops": 8, "concurrency_lvl": 4, "max_lpm_vasi": 1, "max_vasi_ops": 8, "tcp_port_low": 0,
                     "tcp_port_high": 0, "attributes": {}},
        "vasi": True, "vasi_devices": ["vasi0"], "disks": {}, "vscsi_mappings": [], "npiv_mappings": [], "fc_ports": {}, "seas": [],
    }  # fmt: skip


def fc_port(name: str) -> FcPort:
    return {
        "name": name, "physloc": None, "npiv_capable": True, "fabric_npiv": True, "total_ports": 64, "available_ports": 64,
        "total_wwpns": 2048, "available_wwpns": 2048,
    }  # fmt: skip


def disk(name: str, lun: str | None, *, kind: str = "san", reserve: str = "no_reserve", mapped: bool = False) -> Disk:
    return {
        "name": name, "kind": kind, "description": None, "physloc": None, "pvid": None, "unique_id": lun, "lun_id": None,
        "reserve_policy": reserve, "mapped": mapped,
    }  # fmt: skip


class Estate:
    """An estate under construction; ``build()`` returns the facts."""

    def __init__(self) -> None:
        self.facts: EstateFacts = {
            "schema_version": SCHEMA_VERSION,
            "hmc": {"name": "hmc1", "version": "V7R7.8.0", "major": 7, "release": "7.8.0", "service_pack": "2", "build_level": None, "fixes": []},
            "systems": {},
            "warnings": [],
        }

    def build(self) -> EstateFacts:
        return self.facts

    def sys(self, name: str) -> SystemFacts:
        return self.facts["systems"][name]

    def part(self, system: str, name: str) -> PartitionFacts:
        return self.facts["systems"][system]["partitions"][name]

    def system(
        self, name: str, *, avail_mem_mb: int = 200_000, avail_units: float = 20.0, lmb_mb: int = 256, modes: Sequence[str] = tuple(P7_MODES),
        active: int = 8, inactive: int = 4, state: str = "Operating",
    ) -> Estate:  # fmt: skip
        facts: SystemFacts = {
            "name": name, "type_model": "8233-E8B", "serial": name.upper(), "mtms": f"8233-E8B*{name.upper()}", "state": state,
            "ipaddr": None, "compat_modes": list(modes), "lmb_mb": lmb_mb, "installed_mem_mb": 262144, "configurable_mem_mb": 262144,
            "available_mem_mb": avail_mem_mb, "firmware_mem_mb": 4096, "huge_page_size_mb": 16384, "installed_proc_units": 32.0,
            "configurable_proc_units": 32.0, "available_proc_units": avail_units, "min_proc_units_per_vp": 0.05, "max_lpars": 400,
            "capabilities": {"active_lpar_mobility_capable": True, "inactive_lpar_mobility_capable": True},
            "migration": {"active_capable": True, "inactive_capable": True, "active_supported": active, "active_in_progress": 0,
                          "inactive_supported": inactive, "inactive_in_progress": 0},
            "inactive_prof_policy": "config",
            "shared_proc_pools": [{"id": 0, "name": "DefaultPool", "max_proc_units": None, "reserved_proc_units": None, "lpar_names": []}],
            "partitions": {},
        }  # fmt: skip
        self.facts["systems"][name] = facts
        return self

    def vios(self, system: str, name: str, pid: int, *, msp: bool = True, vlans: Sequence[int] = (1, 10, 20, 30), ops: int | None = 8) -> Estate:
        part = partition(name, pid, mem_mb=4096, units=1.0, procs=2, is_vios=True)
        part["msp"] = msp
        part["virtual_eth"] = [veth(11, vlans[0], trunk=True, addl=vlans[1:])]
        facts = vios_facts()
        if facts["vioslpm0"] is not None:
            facts["vioslpm0"]["cfg_msp_lpm_ops"] = ops
        facts["fc_ports"] = {"fcs0": fc_port("fcs0"), "fcs1": fc_port("fcs1")}
        sea: Sea = {
            "name": "ent8", "status": "Available", "real_adapter": "ent0", "ha_mode": "auto", "ctl_chan": None, "pvid": vlans[0],
            "pvid_adapter": "ent4", "virt_adapters": ["ent4"], "trunk_slots": [11], "trunk_priority": 1, "vlans": sorted(vlans),
            "vswitch": "ETHERNET0",
        }  # fmt: skip
        facts["seas"] = [sea]
        part["vios"] = facts
        self.sys(system)["partitions"][name] = part
        return self

    def lpar(
        self, system: str, name: str, pid: int, *, mem_mb: int = 8192, units: float = 0.5, procs: int = 1, state: str = "Running",
        vlans: Sequence[int] = (10,), compat: str | None = None,
    ) -> Estate:  # fmt: skip
        part = partition(name, pid, mem_mb=mem_mb, units=units, procs=procs, state=state)
        part["virtual_eth"] = [veth(2 + k, v) for k, v in enumerate(vlans)]
        if compat is not None:
            part["compat_current" if state == "Running" else "compat_desired"] = compat
        self.sys(system)["partitions"][name] = part
        return self

    def lun(self, system: str, vios: str, hdisk: str, lun: str | None, *, reserve: str = "no_reserve", kind: str = "san") -> Estate:
        facts = self.part(system, vios)["vios"]
        if facts is not None:
            facts["disks"][hdisk] = disk(hdisk, lun, kind=kind, reserve=reserve)
        return self

    def vscsi(self, system: str, lpar: str, vios: str, slot: int, hdisk: str, *, kind: str = "san") -> Estate:
        """A client vSCSI adapter of ``lpar`` served by ``vios`` with ``hdisk`` as backing device."""
        part = self.part(system, lpar)
        vios_id = self.part(system, vios)["id"]
        part["virtual_scsi"].append(
            {"slot": slot, "adapter_type": "client", "remote_lpar_id": vios_id, "remote_lpar_name": vios, "remote_slot": slot, "is_required": False}
        )
        facts = self.part(system, vios)["vios"]
        if facts is not None:
            facts["vscsi_mappings"].append(
                {"server_adapter": f"vhost{slot}", "server_slot": slot, "client_lpar_id": part["id"], "client_lpar_name": lpar, "client_slot": slot,
                 "devices": [{"vtd": f"vtscsi{slot}", "backing": hdisk, "kind": kind}]}
            )  # fmt: skip
        return self

    def npiv(self, system: str, lpar: str, vios: str, slot: int, port: str = "fcs0") -> Estate:
        """A client virtual FC adapter of ``lpar`` served by ``vios`` and mapped to ``port``."""
        part = self.part(system, lpar)
        wwpn = f"c05076{slot:04x}{part['id']:06x}"
        vios_id = self.part(system, vios)["id"]
        part["virtual_fc"].append(
            {"slot": slot, "adapter_type": "client", "remote_lpar_id": vios_id, "remote_lpar_name": vios, "remote_slot": slot,
             "wwpns": [wwpn + "0", wwpn + "1"], "is_required": False}
        )  # fmt: skip
        facts = self.part(system, vios)["vios"]
        if facts is not None:
            facts["npiv_mappings"].append(
                {"server_adapter": f"vfchost{slot}", "server_slot": slot, "client_lpar_id": part["id"], "client_lpar_name": lpar, "client_slot": slot,
                 "fc_port": port, "status": "LOGGED_IN"}
            )  # fmt: skip
        return self


def simple(targets: int = 2, lpars: Sequence[tuple[str, int]] = (("a", 8192), ("b", 16384)), msps: int = 2) -> Estate:
    """A source "src" and targets "t1".."tN", each with ``msps`` VIOS, and the given (name, memory) partitions on the source."""
    estate = Estate().system("src")
    for k in range(msps):
        estate.vios("src", f"src-vio{k + 1}", k + 1)
    for n in range(1, targets + 1):
        estate.system(f"t{n}")
        for k in range(msps):
            estate.vios(f"t{n}", f"t{n}-vio{k + 1}", k + 1)
    for k, (name, mem) in enumerate(lpars):
        estate.lpar("src", name, 10 + k, mem_mb=mem)
    return estate


def fleet(seed: int, targets: int, lpars: int, *, msps: int = 2, gbps: float = 10.0, mem_gb: tuple[int, int] = (4, 512)) -> tuple[Estate, dict[str, object]]:
    """A seeded random evacuation: partitions of log-uniform size on "src", roomy targets, and physics with their
    workloads (dirty rate 0-300 MB/s) and the link speed."""
    rng = random.Random(seed)
    sizes = [int(2 ** rng.uniform(math.log2(mem_gb[0]), math.log2(mem_gb[1]))) * 1024 for _lpar in range(lpars)]
    room = int(sum(sizes) * 1.2 / targets) + 65536
    estate = Estate().system("src", avail_mem_mb=4096, avail_units=1.0)
    for k in range(msps):
        estate.vios("src", f"src-vio{k + 1}", k + 1)
    for n in range(1, targets + 1):
        estate.system(f"t{n}", avail_mem_mb=room, avail_units=float(lpars))
        for k in range(msps):
            estate.vios(f"t{n}", f"t{n}-vio{k + 1}", k + 1)
    workloads = {}
    for k, size in enumerate(sizes):
        name = f"lp{k:03d}"
        estate.lpar("src", name, 10 + k, mem_mb=size, units=0.5)
        workloads[name] = {
            "dirty_rate_mbs": round(rng.uniform(0, 300), 1),
            "wws_pct": round(rng.uniform(0.5, 6), 2),
            "touched_fraction": round(rng.uniform(0.3, 1.0), 2),
        }
    return estate, {"msp_link_gbps": gbps, "workloads": workloads}
