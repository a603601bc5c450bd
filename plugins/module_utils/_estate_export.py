# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Estate facts -> a scenario file of the HMC twin, to rehearse on a twin of one's own estate.

The output follows the twin's scenario schema (docs/scenario-schema.md) but this module does not
import the twin: the collection never depends on it. Values the facts do not hold are left out, so
the twin uses its defaults for them. No secret is exported: the HMC user gets the password
PASSWORD_PLACEHOLDER, to be replaced before the scenario is served. What is approximated is listed
in docs/estate.md ("Exporting a twin scenario").
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any

from ansible.module_utils.common.yaml import yaml_dump

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    EstateFacts,
    PartitionFacts,
    SystemFacts,
    ViosFacts,
    partition_never_activated,
)

PASSWORD_PLACEHOLDER = "REPLACE-ME"
FABRIC = "fabric1"
DEFAULT_MAX_VIRTUAL_SLOTS = 64
# Transient partition states and the state the partition is in once the operation is over.
SETTLED_STATES = {
    "Migrating - Running": "Running",
    "Migrating - Not Activated": "Not Activated",
    "Migrating - Suspended": "Suspended",
    "Starting": "Running",
    "Shutting Down": "Not Activated",
}
VIOSLPM_SETTABLE = ("cfg_msp_lpm_ops", "concurrency_lvl", "lpm_msnap_succ", "tcp_port_low", "tcp_port_high")
_POWER_RE = re.compile(r"^POWER(\d+)(_Plus)?$")
# IBM MPIO unique ids: "3321" + LUN identifier + "04214503" + vendor + "fcp".
_MPIO_UDID_RE = re.compile(r"^3321(?P<lun>\S+)04214503(?P<vendor>[A-Za-z]+)fcp$")

HEADER = """\
# Twin scenario exported by powervm.lpm.estate_info from HMC {hmc}.
# Serve it with: hmcsim serve --scenario THIS_FILE
# Before serving: replace the password "{placeholder}" of user {user} (or give the user authorized_keys);
# passwords and keys are never exported.
# Approximations (see docs/estate.md): SAN fabric membership is not visible from the HMC, so every NPIV
# port is on fabric "{fabric}" and every client WWPN is zoned; disks whose attributes were not read have
# placeholder LUN ids; workloads and migration physics use the twin's defaults.
"""


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set a key only for a known value (None stays out, so the twin's default applies)."""
    if value is not None:
        out[key] = value


def proc_type(compat_modes: list[str]) -> str | None:
    """The processor generation: the newest POWERn mode a system offers (``POWER6_Plus`` -> ``POWER6+``)."""
    best: tuple[int, int, str] | None = None
    for mode in compat_modes:
        match = _POWER_RE.match(mode)
        if match:
            key = (int(match.group(1)), 1 if match.group(2) else 0, f"POWER{match.group(1)}" + ("+" if match.group(2) else ""))
            best = key if best is None or key > best else best
    return best[2] if best else None


def _hpt_mb(partition: PartitionFacts) -> int:
    """Hypervisor page table of an active partition: its maximum memory over the HPT ratio."""
    ratio = (partition["memory"]["hpt_ratio"] or "1:64").partition(":")[2]
    max_mb = partition["memory"]["max_mb"] or partition["memory"]["current_mb"] or 0
    return max(1, max_mb) // max(1, int(ratio) if ratio.isdigit() else 64)


def _active(partition: PartitionFacts) -> bool:
    return "Not Activated" not in partition["state"]


def _pools(system: SystemFacts) -> list[dict[str, Any]]:
    pools = [
        {"id": p["id"], "name": p["name"], "max_proc_units": p["max_proc_units"] or 0.0, "reserved_proc_units": p["reserved_proc_units"] or 0.0}
        for p in system["shared_proc_pools"]
    ]
    return pools or [{"id": 0, "name": "DefaultPool"}]


def system_entry(system: SystemFacts, hmc_name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": system["name"], "type_model": system["type_model"], "serial": system["serial"], "hmc": hmc_name}
    out["state"] = system["state"]
    _put(out, "ipaddr", system["ipaddr"])
    _put(out, "proc_type", proc_type(system["compat_modes"]))
    if system["compat_modes"]:
        out["compat_modes"] = list(system["compat_modes"])
    _put(out, "lmb_mb", system["lmb_mb"])
    _put(out, "installed_mem_mb", system["installed_mem_mb"])
    if system["firmware_mem_mb"] is not None:
        active = [p for p in system["partitions"].values() if _active(p)]
        out["firmware_mem_base_mb"] = max(0, system["firmware_mem_mb"] - sum(_hpt_mb(p) for p in active))
    _put(out, "installed_proc_units", system["installed_proc_units"])
    _put(out, "min_proc_units_per_vp", system["min_proc_units_per_vp"])
    _put(out, "max_lpars", system["max_lpars"])
    caps = {name: int(value) for name, value in system["capabilities"].items() if value is not None}
    if caps:
        out["capabilities"] = caps
    _put(out, "active_migrations_supported", system["migration"]["active_supported"])
    _put(out, "inactive_migrations_supported", system["migration"]["inactive_supported"])
    _put(out, "inactive_prof_policy", system["inactive_prof_policy"])
    out["shared_proc_pools"] = _pools(system)
    _put(out, "huge_page_mb", system["huge_page_size_mb"])
    out["lpars"] = [lpar_entry(p) for p in sorted(system["partitions"].values(), key=lambda p: p["id"])]
    return out


def _sizes(partition: PartitionFacts) -> dict[str, Any]:
    """Memory and processors: current values of an active partition, else those of its profile."""
    out: dict[str, Any] = {}
    mem, prof = partition["memory"], partition["profile"]
    if _active(partition) and mem["current_mb"]:
        _put(out, "mem_mb", mem["current_mb"])
        _put(out, "min_mem_mb", mem["min_mb"])
        _put(out, "max_mem_mb", mem["max_mb"])
    elif prof is not None:
        _put(out, "mem_mb", prof["desired_mem_mb"])
        _put(out, "min_mem_mb", prof["min_mem_mb"])
        _put(out, "max_mem_mb", prof["max_mem_mb"])
    _put(out, "mem_mode", mem["mode"] or (prof["mem_mode"] if prof else None))
    ame = mem["ame_factor"] if mem["ame_factor"] is not None else (prof["ame_factor"] if prof else None)
    _put(out, "mem_expansion", ame)
    ratio = (mem["hpt_ratio"] or "").partition(":")[2]
    if ratio.isdigit():
        out["hpt_ratio"] = int(ratio)
    out.update(_processors(partition))
    _put(out, "huge_pages", mem["huge_pages"] or None)
    return out


def _processors(partition: PartitionFacts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    proc, prof = partition["processors"], partition["profile"]
    use_current = _active(partition) and bool(proc["procs"])
    mode = proc["mode"] or (prof["proc_mode"] if prof else None)
    _put(out, "proc_mode", mode)
    if use_current:
        values = (proc["units"], proc["min_units"], proc["max_units"], proc["procs"], proc["sharing_mode"], proc["uncap_weight"])
    elif prof is not None:
        values = (prof["desired_proc_units"], prof["min_proc_units"], prof["max_proc_units"], prof["desired_procs"], prof["sharing_mode"],
                  prof["uncap_weight"])
    else:
        values = (None,) * 6
    for key, value in zip(("proc_units", "min_proc_units", "max_proc_units", "procs", "sharing_mode", "uncap_weight"), values):
        _put(out, key, value)
    pool = proc["pool_name"] or (prof["pool_name"] if prof else None)
    if mode == "shared":
        _put(out, "shared_proc_pool", pool)
    return out


def lpar_entry(partition: PartitionFacts) -> dict[str, Any]:
    out: dict[str, Any] = {"name": partition["name"], "id": partition["id"], "env": partition["env"]}
    out["state"] = SETTLED_STATES.get(partition["state"], partition["state"])
    _put(out, "os_version", partition["os_version"])
    _put(out, "uuid", partition["uuid"])
    out.update(_sizes(partition))
    _put(out, "compat_desired", partition["compat_desired"])
    _put(out, "compat_current", partition["compat_current"])
    _put(out, "rmc_state", partition["rmc_state"])
    _put(out, "rmc_ipaddr", partition["rmc_ipaddr"])
    _put(out, "msp", partition["msp"])
    _put(out, "time_ref", partition["time_ref"])
    _put(out, "migration_disabled", partition["migration_disabled"])
    if partition_never_activated(partition):
        out["ever_activated"] = False
    _put(out, "work_group_id", partition["work_group_id"])
    if partition["io_slots"]:
        out["io_slots"] = [slot["drc_index"] for slot in partition["io_slots"]]
    slots = [a["slot"] for a in partition["virtual_eth"]] + [a["slot"] for a in partition["virtual_scsi"]]
    slots += [a["slot"] for a in partition["virtual_fc"]]
    if slots and max(slots) >= DEFAULT_MAX_VIRTUAL_SLOTS:
        out["max_virtual_slots"] = max(slots) + 1
    vios = partition["vios"]
    out["eth"] = [_eth(a) for a in partition["virtual_eth"]]
    out["scsi"] = [_scsi(a, vios) for a in partition["virtual_scsi"]]
    out["fc"] = [_fc(a, vios) for a in partition["virtual_fc"]]
    out["serial_slots"] = [a["slot"] for a in partition["virtual_serial"]]
    required = [a["slot"] for a in partition["virtual_serial"] if a["is_required"] and a["slot"] >= 2]
    if required:
        out["required_serial_slots"] = required
    prof = partition["profile"]
    if prof is not None:
        io = [f"{s['drc_index']}/none/{int(s['is_required'])}" for s in prof["io_slots"]]
        out["profiles"] = [{"name": prof["name"], "io_slots": io} if io else {"name": prof["name"]}]
        out["curr_profile"] = prof["name"]
        out["default_profile"] = prof["name"]
    if partition["refcode"]:
        out["refcode"] = partition["refcode"]
    if partition["is_vios"]:
        out["vios"] = vios_entry(vios, partition)
    return out


def _eth(a: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"slot": a["slot"]}
    _put(out, "port_vlan_id", a["port_vlan_id"])
    if a["addl_vlan_ids"]:
        out["addl_vlan_ids"] = list(a["addl_vlan_ids"])
    out["is_trunk"] = a["is_trunk"]
    _put(out, "trunk_priority", a["trunk_priority"])
    out["ieee_virtual_eth"] = a["ieee_virtual_eth"]
    _put(out, "vswitch", a["vswitch"])
    _put(out, "mac_addr", a["mac_addr"])
    out["is_required"] = a["is_required"]
    return out


def _scsi(a: Any, vios: ViosFacts | None) -> dict[str, Any]:
    out: dict[str, Any] = {"slot": a["slot"], "adapter_type": a["adapter_type"], "remote_lpar": a["remote_lpar_name"] or "any"}
    out["remote_slot"] = a["remote_slot"] or 0
    out["is_required"] = a["is_required"]
    if vios is not None and a["adapter_type"] == "server":
        mapping = next((m for m in vios["vscsi_mappings"] if m["server_slot"] == a["slot"]), None)
        if mapping is not None and mapping["devices"]:
            out["backing"] = [d["backing"] for d in mapping["devices"]]
    return out


def _fc(a: Any, vios: ViosFacts | None) -> dict[str, Any]:
    out: dict[str, Any] = {"slot": a["slot"], "adapter_type": a["adapter_type"], "remote_lpar": a["remote_lpar_name"] or "any"}
    out["remote_slot"] = a["remote_slot"] or 0
    if a["wwpns"]:
        out["wwpns"] = list(a["wwpns"])
    out["is_required"] = a["is_required"]
    if vios is not None and a["adapter_type"] == "server":
        mapping = next((m for m in vios["npiv_mappings"] if m["server_slot"] == a["slot"]), None)
        if mapping is not None and mapping["fc_port"]:
            out["fc_port"] = mapping["fc_port"]
    return out


def vios_entry(vios: ViosFacts | None, partition: PartitionFacts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if vios is None or not vios["collected"]:
        return out
    _put(out, "ioslevel", vios["ioslevel"])
    _put(out, "vasi", vios["vasi"])
    if vios["vioslpm0"] is not None:
        attributes = vios["vioslpm0"]["attributes"]
        out["vioslpm0"] = {name: attributes[name] for name in VIOSLPM_SETTABLE if name in attributes}
    disks = []
    for disk in sorted(vios["disks"].values(), key=lambda d: _natural(d["name"])):
        entry: dict[str, Any] = {"name": disk["name"]}
        entry.update(lun_of(disk["unique_id"], f"unknown-{partition['name']}-{disk['name']}"))
        _put(entry, "reserve_policy", disk["reserve_policy"])
        entry["kind"] = "internal" if disk["kind"] == "internal" else "san"
        _put(entry, "pvid", disk["pvid"])
        disks.append(entry)
    out["disks"] = disks
    backings = [d for m in vios["vscsi_mappings"] for d in m["devices"]]
    lvs = sorted({d["backing"] for d in backings if d["kind"] == "lv"})
    optical = sorted({d["backing"] for d in backings if d["kind"] in ("optical", "file")})
    if lvs:
        out["logical_volumes"] = lvs
    if optical:
        out["optical"] = optical
    out["fc_ports"] = [_fc_port(port, vios) for port in sorted(vios["fc_ports"].values(), key=lambda p: _natural(p["name"]))]
    out["seas"] = [_sea(sea) for sea in vios["seas"]]
    return out


def lun_of(unique_id: str | None, placeholder: str) -> dict[str, str]:
    """The twin's ``lun`` (and ``vendor``) of a disk: the LUN inside an IBM MPIO unique id, else the whole id."""
    if not unique_id:
        return {"lun": placeholder}
    match = _MPIO_UDID_RE.match(unique_id)
    if match is None:
        return {"lun": unique_id}
    return {"lun": match.group("lun"), "vendor": match.group("vendor")}


def _fc_port(port: Any, vios: ViosFacts) -> dict[str, Any]:
    """An NPIV port; the twin subtracts its mappings from aports/awwpns, so they are added back here."""
    mapped = sum(1 for m in vios["npiv_mappings"] if m["fc_port"] == port["name"])
    out: dict[str, Any] = {"name": port["name"], "fabric": FABRIC if port["fabric_npiv"] else "", "npiv": port["npiv_capable"]}
    _put(out, "physloc", port["physloc"])
    _put(out, "tports", port["total_ports"])
    if port["available_ports"] is not None:
        out["aports"] = port["available_ports"] + mapped
    _put(out, "swwpns", port["total_wwpns"])
    if port["available_wwpns"] is not None:
        out["awwpns"] = port["available_wwpns"] + 2 * mapped
    return out


def _sea(sea: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": sea["name"]}
    _put(out, "real_adapter", sea["real_adapter"])
    _put(out, "pvid_adapter", sea["pvid_adapter"] or (sea["virt_adapters"][0] if sea["virt_adapters"] else None))
    out["trunk_slots"] = list(sea["trunk_slots"])
    _put(out, "ctl_chan", sea["ctl_chan"])
    _put(out, "ha_mode", sea["ha_mode"])
    _put(out, "priority", sea["trunk_priority"])
    if sea["trunk_priority"] is not None:
        out["state"] = "PRIMARY" if sea["trunk_priority"] == 1 else "BACKUP"
    return out


def _natural(name: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def scenario(estate: EstateFacts, user: str) -> dict[str, Any]:
    """The twin scenario (plain data) for the estate; ``user`` becomes the HMC's only user."""
    hmc = estate["hmc"]
    name = hmc["name"]
    entry: dict[str, Any] = {"name": name}
    _put(entry, "version", hmc["version"])
    _put(entry, "service_pack", hmc["service_pack"])
    _put(entry, "build_level", hmc["build_level"])
    entry["users"] = [{"name": user, "password": PASSWORD_PLACEHOLDER}]
    systems = [system_entry(system, name) for system in estate["systems"].values()]
    wwpns = sorted({
        w for system in estate["systems"].values() for p in system["partitions"].values() for a in p["virtual_fc"] for w in a["wwpns"]
    })
    out: dict[str, Any] = {
        "name": "estate-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", name),
        "description": f"Estate of HMC {name} ({hmc['version'] or 'unknown version'}), exported by powervm.lpm.estate_info",
        "hmcs": [entry],
        "fabrics": [{"name": FABRIC, "zoned_wwpns": wwpns}],
        "systems": systems,
    }
    return out


def scenario_yaml(estate: EstateFacts, user: str) -> str:
    data = scenario(estate, user)
    header = HEADER.format(hmc=estate["hmc"]["name"], placeholder=PASSWORD_PLACEHOLDER, user=user, fabric=FABRIC)
    return header + yaml_dump(data, sort_keys=False, default_flow_style=False, width=120)


def write_if_changed(path: str, text: str) -> bool:
    """Write ``text`` to ``path`` (mode 0600, atomically) unless it already holds it; True when written."""
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".estate-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
