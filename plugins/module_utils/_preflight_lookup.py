# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Read-only lookups over the estate facts that several preflight rules share.

VIOS are ordered by partition id; "position" is the index in that order, so a partition served by the
first VIOS of its source system is preferably hosted by the first VIOS of the target (as the HMC
does). LUN identity is the disk's ``unique_id``, which every VIOS that sees the LUN reports alike.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    Disk,
    PartitionFacts,
    SystemFacts,
    VirtualFc,
    VirtualScsi,
    VscsiMapping,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import RecordValue, build_input_data, viosvrcmd

GOOD_RESERVE_POLICIES = ("no_reserve", "pr_shared")  # compared lower-case
DEFAULT_VSWITCH = "ETHERNET0"


def vioses(system: SystemFacts) -> list[PartitionFacts]:
    return sorted((p for p in system["partitions"].values() if p["is_vios"]), key=lambda p: p["id"])


def running(partition: PartitionFacts) -> bool:
    return partition["state"] == "Running"


def collected(partition: PartitionFacts) -> bool:
    """Whether the VIOS details (viosvrcmd) of a VIOS were read."""
    return partition["vios"] is not None and partition["vios"]["collected"]


def not_read_reason(partition: PartitionFacts) -> str:
    facts = partition["vios"]
    why = facts["skipped_reason"] if facts is not None else None
    return f"the details of VIOS {partition['name']} were not read ({why or 'no VIOS facts'})"


def by_id(system: SystemFacts, lpar_id: int | None) -> PartitionFacts | None:
    return next((p for p in system["partitions"].values() if p["id"] == lpar_id), None) if lpar_id is not None else None


def remote_vios(system: SystemFacts, adapter: VirtualScsi | VirtualFc) -> PartitionFacts | None:
    """The partition at the other end of a client adapter (by name, else by id)."""
    name = adapter["remote_lpar_name"]
    if name and name in system["partitions"]:
        return system["partitions"][name]
    return by_id(system, adapter["remote_lpar_id"])


def client_scsi(lpar: PartitionFacts) -> list[VirtualScsi]:
    return [a for a in lpar["virtual_scsi"] if a["adapter_type"] == "client"]


def client_fc(lpar: PartitionFacts) -> list[VirtualFc]:
    return [a for a in lpar["virtual_fc"] if a["adapter_type"] == "client"]


def position(system: SystemFacts, vios: PartitionFacts | None) -> int | None:
    names = [p["name"] for p in vioses(system)]
    return names.index(vios["name"]) if vios is not None and vios["name"] in names else None


def ordered_by_position(system: SystemFacts, pos: int | None) -> list[PartitionFacts]:
    """The VIOS of a system, the one at ``pos`` first."""
    out = vioses(system)
    if pos is not None and pos < len(out):
        out.insert(0, out.pop(pos))
    return out


def scsi_mapping(vios: PartitionFacts, lpar: PartitionFacts, client: VirtualScsi) -> VscsiMapping | None:
    """The vSCSI server mapping (lsmap) on ``vios`` that serves ``client`` of ``lpar``."""
    facts = vios["vios"]
    if facts is None:
        return None
    for mapping in facts["vscsi_mappings"]:
        if mapping["client_lpar_id"] == lpar["id"] and mapping["client_slot"] == client["slot"]:
            return mapping
    return next((m for m in facts["vscsi_mappings"] if m["server_slot"] == client["remote_slot"]), None)


def server_adapter(vios: PartitionFacts, client: VirtualScsi | VirtualFc, fc: bool) -> VirtualScsi | VirtualFc | None:
    adapters: Sequence[VirtualScsi | VirtualFc] = vios["virtual_fc"] if fc else vios["virtual_scsi"]
    return next((a for a in adapters if a["adapter_type"] == "server" and a["slot"] == client["remote_slot"]), None)


def disk_of(vios: PartitionFacts, name: str) -> Disk | None:
    facts = vios["vios"]
    return facts["disks"].get(name) if facts is not None else None


def disk_with_lun(vios: PartitionFacts, unique_id: str) -> Disk | None:
    facts = vios["vios"]
    if facts is None:
        return None
    return next((d for d in facts["disks"].values() if d["unique_id"] == unique_id), None)


def unread_disks(vios: PartitionFacts) -> list[str]:
    """Disks of a VIOS whose identity was not read (vios_disks=mapped leaves unmapped disks unread)."""
    facts = vios["vios"]
    if facts is None:
        return []
    return sorted(name for name, d in facts["disks"].items() if d["unique_id"] is None and d["kind"] not in ("internal", "optical"))


def good_reserve(policy: str | None) -> bool:
    return (policy or "").lower() in GOOD_RESERVE_POLICIES


def npiv_ports(vios: PartitionFacts) -> list[str]:
    """NPIV-capable FC ports of a VIOS on an NPIV fabric with virtual ports left."""
    facts = vios["vios"]
    if facts is None:
        return []
    return sorted(
        p["name"] for p in facts["fc_ports"].values()
        if p["npiv_capable"] and p["fabric_npiv"] is not False and (p["available_ports"] is None or p["available_ports"] > 0)
    )


def bridged_vlans(system: SystemFacts) -> set[tuple[str, int]]:
    """(vswitch, VLAN) pairs bridged by an SEA of a running VIOS whose details were read."""
    out: set[tuple[str, int]] = set()
    for vios in vioses(system):
        if not running(vios) or not collected(vios) or vios["vios"] is None:
            continue
        for sea in vios["vios"]["seas"]:
            if (sea["status"] or "Available").lower() != "available":
                continue
            switches = (sea["vswitch"] or DEFAULT_VSWITCH).split(",")
            out.update((switch, vlan) for switch in switches for vlan in sea["vlans"])
    return out


def hpt_ratio(text: str | None) -> int | None:
    """``1:64`` -> 64."""
    if not text or ":" not in text:
        return None
    try:
        value = int(text.split(":", 1)[1])
    except ValueError:
        return None
    return value if value > 0 else None


def needed_memory_mb(lpar: PartitionFacts) -> tuple[int | None, int]:
    """(current memory, hypervisor page table) of a running partition; HPT = maximum memory / HPT ratio."""
    memory = lpar["memory"]
    current = memory["current_mb"]
    ratio = hpt_ratio(memory["hpt_ratio"]) or 64
    basis = memory["max_mb"] or current or 0
    return current, max(1, basis // ratio) if basis else 0


def needed_proc_units(lpar: PartitionFacts) -> float | None:
    proc = lpar["processors"]
    if proc["mode"] == "ded":
        return float(proc["procs"]) if proc["procs"] is not None else None
    return proc["units"]


def used_slots(partition: PartitionFacts) -> int:
    slots = {a["slot"] for a in partition["virtual_eth"]} | {a["slot"] for a in partition["virtual_scsi"]}
    slots |= {a["slot"] for a in partition["virtual_fc"]} | {a["slot"] for a in partition["virtual_serial"]}
    return len(slots)


def on_vios(system: str, vios: str, command: list[str]) -> str:
    """How to run a padmin command on a VIOS: directly, or from the HMC with viosvrcmd."""
    return f"on VIOS {vios} (padmin): {shlex.join(command)}  -- or from the HMC: {shlex.join(viosvrcmd(system, vios, command))}"


def chsyscfg_lpar(system: str, attributes: dict[str, RecordValue]) -> str:
    return shlex.join(["chsyscfg", "-r", "lpar", "-m", system, "-i", build_input_data(attributes)])


def chsyscfg_prof(system: str, lpar: PartitionFacts, attributes: dict[str, RecordValue]) -> str:
    profile = (lpar["profile"]["name"] if lpar["profile"] else None) or lpar["curr_profile"] or "default"
    record: dict[str, RecordValue] = {"name": profile, "lpar_name": lpar["name"], **attributes}
    return shlex.join(["chsyscfg", "-r", "prof", "-m", system, "-i", build_input_data(record)])
