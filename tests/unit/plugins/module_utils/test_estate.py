# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The estate gathering over recorded twin transcripts (fixtures/estate, see record_estate_fixtures.py)."""

from __future__ import annotations

import collections

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

pytest.importorskip("paramiko")

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
PER_HMC, PER_SYSTEM, PER_VIOS = 2, 15, 7


def run(name: str, **options):
    client = ReplayClient(load_transcript(name))
    result = gather(client, GatherOptions(host="bpichmc", **options))
    return result, client


@pytest.fixture(scope="module")
def seed():
    return run("seed-lab")


def expected_count(estate, disks_per_vios):
    """2 + 15 per system + 7 per VIOS read + 1 per SEA + 1 per disk in scope."""
    vios = [p["vios"] for s in estate["systems"].values() for p in s["partitions"].values() if p["is_vios"] and p["vios"]["collected"]]
    systems = [s for s in estate["systems"].values() if s["state"] == "Operating"]
    return PER_HMC + PER_SYSTEM * len(systems) + PER_VIOS * len(vios) + sum(len(v["seas"]) for v in vios) + disks_per_vios(vios)


def mapped_disks(vios):
    return sum(1 for v in vios for d in v["disks"].values() if d["mapped"])


def test_hmc_and_systems(seed):
    estate = seed[0].estate
    assert estate["schema_version"] == 1
    assert estate["hmc"] == {
        "name": "bpichmc", "version": "V7R7.8.0", "major": 7, "release": "7.8.0", "service_pack": "2",
        "build_level": "20140411.1", "fixes": [],
    }
    assert list(estate["systems"]) == [P750, P740]
    assert estate["warnings"] == []
    p750 = estate["systems"][P750]
    assert p750["mtms"] == "8233-E8B*069348P"
    assert p750["compat_modes"] == ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"]
    assert p750["lmb_mb"] == 256
    assert p750["capabilities"]["active_lpar_mobility_capable"] is True
    assert p750["capabilities"]["cod_mem_capable"] is False
    assert "powervm_lpar_simplified_remote_restart_capable" not in p750["capabilities"]  # an HMC V8+ flag
    assert p750["migration"] == {
        "active_capable": True, "inactive_capable": True, "active_supported": 8, "active_in_progress": 0,
        "inactive_supported": 4, "inactive_in_progress": 0,
    }
    assert p750["inactive_prof_policy"] == "config"
    assert [pool["name"] for pool in p750["shared_proc_pools"]] == ["DefaultPool"]
    assert len(p750["shared_proc_pools"][0]["lpar_names"]) == 11


def test_available_memory_and_processors(seed):
    p740 = seed[0].estate["systems"][P740]
    # 262144 installed - firmware (2048 + HPT of 3 active partitions) - 4096 - 4096 - 16384 in use
    assert p740["installed_mem_mb"] == 262144
    assert p740["available_mem_mb"] == 234752
    assert p740["firmware_mem_mb"] == 2048 + 128 + 128 + 512
    assert p740["installed_proc_units"] == 16.0
    assert p740["available_proc_units"] == 13.0
    assert p740["min_proc_units_per_vp"] == 0.05


def test_b750nl2_partition(seed):
    nl2 = seed[0].estate["systems"][P750]["partitions"]["b750nl2"]
    assert (nl2["id"], nl2["env"], nl2["state"], nl2["is_vios"]) == (3, "aixlinux", "Running", False)
    assert nl2["rmc_state"] == "active" and nl2["rmc_ipaddr"] == "10.33.5.30"
    assert nl2["compat_current"] == "POWER7"
    assert nl2["memory"]["current_mb"] == 8192
    assert nl2["processors"]["units"] == 0.5 and nl2["processors"]["procs"] == 2
    assert [(a["slot"], a["remote_lpar_name"], a["wwpns"]) for a in nl2["virtual_fc"]] == [
        (37, "b750vio1", ["c0507603a2920084", "c0507603a2920085"]),
        (47, "b750vio2", ["c0507603a2920086", "c0507603a2920087"]),
    ]
    assert [(a["slot"], a["remote_lpar_id"], a["remote_slot"]) for a in nl2["virtual_scsi"]] == [(27, 1, 27), (57, 2, 57)]
    assert nl2["migration"]["state"] == "Not Migrating"
    assert nl2["vios"] is None


def test_inactive_partition_has_profile_sizes(seed):
    test1 = seed[0].estate["systems"][P750]["partitions"]["b750test1"]
    assert test1["state"] == "Not Activated"
    assert test1["memory"]["current_mb"] == 0
    assert test1["profile"]["desired_mem_mb"] == 4096
    assert test1["profile"]["desired_proc_units"] == 0.2
    assert test1["refcode"] == "00000000"
    assert (test1["resource_config"], test1["never_activated"]) == (1, False)  # shut down, but activated before


def test_a_partition_never_activated(seed, degraded):
    partitions = degraded[0].estate["systems"][P750]["partitions"]
    assert (partitions["b750test1"]["resource_config"], partitions["b750test1"]["never_activated"]) == (0, True)
    assert {name for name, p in partitions.items() if p["never_activated"]} == {"b750test1"}
    assert all(p["resource_config"] == 1 for s in seed[0].estate["systems"].values() for p in s["partitions"].values())


def test_io_slot_owner(seed):
    nim = seed[0].estate["systems"][P750]["partitions"]["b750nim"]
    assert [s["drc_index"] for s in nim["io_slots"]] == ["21010207"]
    assert nim["profile"]["io_slots"] == [{"drc_index": "21010207", "is_required": False}]


def test_vios_facts(seed):
    vio1 = seed[0].estate["systems"][P750]["partitions"]["b750vio1"]
    assert vio1["msp"] is True and vio1["time_ref"] is True
    facts = vio1["vios"]
    assert facts["collected"] is True and facts["skipped_reason"] is None
    assert facts["ioslevel"] == "2.2.3.3"
    assert facts["vioslpm0"]["cfg_msp_lpm_ops"] == 8 and facts["vioslpm0"]["concurrency_lvl"] == 3
    assert facts["vasi"] is True and facts["vasi_devices"] == ["vasi0"]
    assert [(m["server_slot"], m["client_lpar_name"], m["client_slot"], [d["backing"] for d in m["devices"]]) for m in facts["vscsi_mappings"]] == [
        (27, "b750nl2", 27, ["hdisk4"]), (31, "b750db1", 31, ["hdisk5"]), (33, "b750app1", 33, ["hdisk6"]),
        (35, "b750web1", 35, ["hdisk7"]),
    ]
    npiv = {m["client_lpar_name"]: m for m in facts["npiv_mappings"]}
    assert npiv["b750nl2"]["fc_port"] == "fcs0" and npiv["b750nl2"]["status"] == "LOGGED_IN"
    assert npiv["b750test1"]["status"] == "NOT_LOGGED_IN"  # the client is not activated
    assert npiv["b750test1"]["client_lpar_id"] == 9 and npiv["b750test1"]["client_slot"] == 45
    assert facts["fc_ports"]["fcs0"]["npiv_capable"] and facts["fc_ports"]["fcs0"]["fabric_npiv"]
    assert facts["fc_ports"]["fcs0"]["available_ports"] == 64 - 5


def test_reserve_policies_of_mapped_disks(seed):
    disks = seed[0].estate["systems"][P750]["partitions"]["b750vio2"]["vios"]["disks"]
    assert {name: d["reserve_policy"] for name, d in disks.items()} == {
        "hdisk0": None, "hdisk4": "no_reserve", "hdisk5": "no_reserve", "hdisk6": "no_reserve", "hdisk7": "no_reserve",
    }
    assert disks["hdisk0"]["kind"] == "internal" and disks["hdisk0"]["mapped"] is False
    assert disks["hdisk4"]["kind"] == "san"
    assert disks["hdisk4"]["unique_id"] == "332160050768018086B6E00000000000010104214503IBMfcp"


def test_same_lun_same_unique_id_on_both_vios(seed):
    systems = seed[0].estate["systems"]
    vio1 = systems[P750]["partitions"]["b750vio1"]["vios"]["disks"]
    vio2 = systems[P750]["partitions"]["b750vio2"]["vios"]["disks"]
    assert vio1["hdisk5"]["unique_id"] == vio2["hdisk5"]["unique_id"]


def test_sea_bridges_vlans(seed):
    seas = seed[0].estate["systems"][P740]["partitions"]["b740vio1"]["vios"]["seas"]
    assert seas == [{
        "name": "ent8", "status": "Available", "real_adapter": "ent0", "ha_mode": "auto", "ctl_chan": None, "pvid": 1,
        "pvid_adapter": "ent4", "virt_adapters": ["ent4"], "trunk_slots": [11], "trunk_priority": 1, "vlans": [1, 10, 20, 30],
        "vswitch": "ETHERNET0",
    }]
    backup = seed[0].estate["systems"][P740]["partitions"]["b740vio2"]["vios"]["seas"][0]
    assert backup["trunk_priority"] == 2


def test_command_count_and_one_connection(seed):
    result, client = seed
    assert result.stats["commands"] == expected_count(result.estate, mapped_disks) == 74
    assert result.stats["connections"] == 1 and client.connections_opened == 1
    assert result.stats["failed_commands"] == 0
    assert result.stats["vios_read"] == 4 and result.stats["partitions"] == 14
    assert client.transport.channels == 74
    assert sorted(result.commands) == sorted(client.transport.lines)
    assert result.commands[:2] == ["lshmc -V", result.commands[1]] and result.commands[1].startswith("lssyscfg -r sys -F name,")


def test_every_listing_uses_explicit_fields(seed):
    for line in seed[0].commands:
        if not line.startswith(("viosvrcmd", "lshmc")):
            assert " -F " in line, line


def per_system_counts(commands):
    counts = collections.Counter()
    for line in commands:
        parts = line.split()
        if parts[0] != "viosvrcmd" and "-m" in parts:
            counts[parts[parts.index("-m") + 1]] += 1
    return counts


def test_per_system_count_does_not_grow_with_partitions(seed):
    grown, _client = run("seed-lab-grown")
    assert grown.stats["partitions"] == seed[0].stats["partitions"] + 12
    assert per_system_counts(grown.commands) == per_system_counts(seed[0].commands) == {P750: PER_SYSTEM, P740: PER_SYSTEM}
    assert grown.stats["commands"] == seed[0].stats["commands"]
    extra = grown.estate["systems"][P740]["partitions"]["p740extra5"]
    assert extra["id"] == 9 and extra["virtual_eth"][0]["port_vlan_id"] == 10


def test_vios_disks_all_reads_every_disk():
    result, _client = run("seed-lab", vios_disks="all")
    vio = result.estate["systems"][P740]["partitions"]["b740vio1"]["vios"]
    assert vio["disks"]["hdisk0"]["reserve_policy"] == "single_path"
    assert vio["disks"]["hdisk2"]["unique_id"] == "332160050768018086B6E00000000000010104214503IBMfcp"
    assert vio["disks"]["hdisk2"]["mapped"] is False
    assert result.stats["commands"] == expected_count(result.estate, lambda vios: sum(len(v["disks"]) for v in vios)) == 86


def test_vios_details_false_sends_no_viosvrcmd():
    result, _client = run("seed-lab", vios_details=False)
    assert not any(line.startswith("viosvrcmd") for line in result.commands)
    assert result.stats["commands"] == PER_HMC + 2 * PER_SYSTEM
    vios = result.estate["systems"][P750]["partitions"]["b750vio1"]["vios"]
    assert vios["collected"] is False and vios["skipped_reason"] == "vios_details is false"
    assert vios["vscsi_mappings"] == []


def test_systems_subset_by_mtms():
    result, _client = run("seed-lab", systems=["8205-E6B*10934CP"])
    assert list(result.estate["systems"]) == [P740]
    assert result.stats["commands"] == PER_HMC + PER_SYSTEM + 2 * PER_VIOS + 2 + 2


def test_unknown_system_is_an_error():
    with pytest.raises(HmcInputError, match="not managed by this HMC: p999"):
        run("seed-lab", systems=["p999"])


def test_bad_disk_scope_is_an_error():
    with pytest.raises(HmcInputError, match="vios_disks"):
        run("seed-lab", vios_disks="some")


@pytest.fixture(scope="module")
def degraded():
    return run("seed-lab-degraded")


def test_unreachable_vios_and_system_are_warnings(degraded):
    result, _client = degraded
    estate = result.estate
    assert estate["hmc"]["major"] == 10
    assert estate["systems"][P740]["state"] == "No Connection"
    assert estate["systems"][P740]["partitions"] == {}
    vio2 = estate["systems"][P750]["partitions"]["b750vio2"]["vios"]
    assert vio2["collected"] is False and vio2["skipped_reason"] == "RMC is inactive, not active"
    assert estate["warnings"] == [
        f"{P740}: the managed system is No Connection; its partitions and resources were not read",
        f"{P750}: b750vio2: VIOS details not read: RMC is inactive, not active",
    ]
    assert estate["systems"][P750]["partitions"]["b750vio1"]["vios"]["collected"] is True


def test_attributes_an_older_hmc_rejects_are_dropped(degraded):
    result, _client = degraded
    retried = [line for line in result.commands if "--level lpar -F lpar_name,lpar_id" in line and "-r virtualio" not in line]
    assert len(retried) == 4  # mem and proc, each asked twice
    assert "curr_mem_expansion" in retried[0] and "curr_mem_expansion" not in retried[1]
    assert result.stats["failed_commands"] == 2
    nl2 = result.estate["systems"][P750]["partitions"]["b750nl2"]
    assert nl2["memory"]["current_mb"] == 8192 and nl2["memory"]["ame_factor"] is None
    assert nl2["processors"]["pool_name"] == "DefaultPool"  # from lshwres -r procpool
    assert result.stats["commands"] == PER_HMC + PER_SYSTEM + 2 + PER_VIOS + 1 + 4
