# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Pieces of the estate gathering: the listing runner, value conversion and the HMC/VIOS parsers."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_values as v
from ansible_collections.powervm.lpm.plugins.module_utils import _estate_vios as vios
from ansible_collections.powervm.lpm.plugins.module_utils._estate_hmc import hmc_facts
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Listing, Runner
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, UnexpectedCommand

pytest.importorskip("paramiko")

INVALID = "An invalid attribute was entered. The invalid attribute is {}. Correct the entry and retry.\n"


def answer(stdout="", rc=0, stderr=""):
    return {"rc": rc, "stdout": stdout, "stderr": stderr}


def listing(optional=("uuid", "msp"), **kwargs):
    return Listing("lpar", lambda fields: ["lssyscfg", "-r", "lpar", "-m", "S", "-F", ",".join(fields)], ("name", "lpar_id"), optional, **kwargs)


def test_listing_drops_rejected_optional_fields():
    client = ReplayClient({
        "lssyscfg -r lpar -m S -F name,lpar_id,uuid,msp": answer(INVALID.format("uuid"), rc=1),
        "lssyscfg -r lpar -m S -F name,lpar_id,msp": answer("vios1,1,1\nlp2,2,0\n"),
    })
    runner = Runner(client)
    fetched = runner.listing(listing(), major=7)
    assert fetched.error is None
    assert fetched.records == [{"name": "vios1", "lpar_id": "1", "msp": "1"}, {"name": "lp2", "lpar_id": "2", "msp": "0"}]
    assert runner.failed == 1 and len(runner.commands) == 2


def test_listing_does_not_drop_a_required_field():
    client = ReplayClient({"lssyscfg -r lpar -m S -F name,lpar_id,uuid,msp": answer(INVALID.format("lpar_id"), rc=1)})
    fetched = Runner(client).listing(listing(), major=None)
    assert fetched.records == []
    assert "rc=1" in fetched.error and "lpar_id" in fetched.error


def test_listing_gates_optional_fields_by_hmc_major():
    client = ReplayClient({"lssyscfg -r lpar -m S -F name,lpar_id,msp": answer("No results were found.\n")})
    fetched = Runner(client).listing(listing(min_major={"uuid": 8}), major=7)
    assert fetched.records == [] and fetched.error is None
    with pytest.raises(UnexpectedCommand):
        Runner(client).listing(listing(min_major={"uuid": 8}), major=8)


def test_listing_empty_codes_mean_nothing_of_that_kind():
    text = "HSCLA4C0 The managed system does not support virtual fibre channel.\n"
    client = ReplayClient({"lssyscfg -r lpar -m S -F name,lpar_id": answer(text, rc=1)})
    assert Runner(client).listing(listing(optional=(), empty_codes=("HSCLA4C0",)), major=7).error is None
    assert "HSCLA4C0" in Runner(client).listing(listing(optional=()), major=7).error


def test_listing_reports_unparsable_output():
    client = ReplayClient({"lssyscfg -r lpar -m S -F name,lpar_id": answer("only-one-value\n")})
    assert "expected 2 values" in Runner(client).listing(listing(optional=()), major=7).error


def test_parallel_keeps_command_order():
    transcript = {f"lshmc -V {i}": answer(str(i)) for i in range(20)}
    runner = Runner(ReplayClient(transcript), workers=8)
    outputs = runner.parallel(lambda i: runner.run(["lshmc", "-V", str(i)]).stdout, range(20))
    assert outputs == [str(i) for i in range(20)]
    assert runner.commands == [f"lshmc -V {i}" for i in range(20)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("0x0000000a", 10), ("none", None), ("unavailable", None), ("any", None), ("", None), (None, None), ("x", None)],
)
def test_integer(value, expected):
    assert v.integer(value) == expected


def test_other_values():
    assert v.number("0.05") == 0.05 and v.number("null") is None
    assert (v.flag("1"), v.flag("no"), v.flag("unavailable")) == (True, False, None)
    assert v.integers("30,10,20") == [10, 20, 30] and v.integers("none") == []
    assert v.strings("c05076,c05077") == ["c05076", "c05077"]
    assert v.slot_of("U8233.E8B.069348P-V1-C27") == 27
    assert v.slot_of("U8204.E8A.06A85B2-V13-C11-T1") == 11
    assert v.slot_of("U78A0.001.DNWK7G4-P1-C3-T1-W5005-L1000") is None


def test_hmc_facts_v10(fixture_text):
    facts = hmc_facts("hmc1", fixture_text("lshmc_V.txt"))
    assert facts == {
        "name": "hmc1", "version": "V10R3", "major": 10, "release": "3", "service_pack": "1070", "build_level": "2503010000",
        "fixes": ["MF71689 - HMC V10R3 M1060", "MF72001 - HMC V10R3 M1070"],
    }
    assert hmc_facts("hmc1", None)["version"] is None


def test_lsnports_capture(fixture_text):
    ports = vios.fc_ports(fixture_text("lsnports.txt"))
    assert ports["fcs1"] == {
        "name": "fcs1", "physloc": "U5803.001.9SS99BC-P2-C6-T2", "npiv_capable": True, "fabric_npiv": True, "total_ports": 64,
        "available_ports": 58, "total_wwpns": 2048, "available_wwpns": 2030,
    }


def test_sea_from_net_capture(fixture_text):
    vios_partition = {"virtual_eth": [
        {"slot": 11, "port_vlan_id": 1, "addl_vlan_ids": [10, 11], "trunk_priority": 2, "vswitch": "ETHERNET0"},
        {"slot": 12, "port_vlan_id": 99, "addl_vlan_ids": [], "trunk_priority": None, "vswitch": "ETHERNET0"},
    ]}
    seas = vios.seas(fixture_text("lsmap_net_fmt.txt"), vios_partition)
    assert [(s["name"], s["real_adapter"], s["virt_adapters"], s["trunk_slots"], s["vlans"], s["trunk_priority"]) for s in seas] == [
        ("ent10", "ent1", ["ent3"], [11], [1, 10, 11], 2),
    ]


def test_net_adapter_without_sea_is_skipped():
    assert vios.seas("ent5:U8233.E8B.069348P-V1-C12-T1\n", {"virtual_eth": []}) == []


def test_vscsi_mapping_client_from_the_hmc_side():
    vio = {"id": 1, "virtual_scsi": [{"slot": 5, "remote_lpar_id": 7, "remote_slot": 9}], "virtual_fc": []}
    client = {"name": "lp7", "id": 7, "virtual_scsi": [{"slot": 3, "remote_lpar_id": 1, "remote_slot": 5}], "virtual_fc": []}
    partners = vios.Partners(vio, {"vios1": vio, "lp7": client})
    disks = vios.disks([{"name": "hdisk2", "status": "Available", "physloc": "", "description": "MPIO IBM 2076 FC Disk"}])
    text = "vhost0:U8233.E8B.069348P-V1-C5:0x00000000:vtscsi0:hdisk2:vtopt0:/var/vio/VMLibrary/aix.iso:vtscsi1:lv_data\n"
    text += "vhost1:U8233.E8B.069348P-V1-C6:0x00000000\n"
    mappings = vios.vscsi_mappings(text, partners, disks)
    # the VIOS reports client id 0 (client not running); the HMC adapter list names lp7 and its slot 3
    assert [(m["server_slot"], m["client_lpar_id"], m["client_lpar_name"], m["client_slot"]) for m in mappings] == [
        (5, 7, "lp7", 3), (6, None, None, None),
    ]
    assert [(d["backing"], d["kind"]) for d in mappings[0]["devices"]] == [("hdisk2", "san"), ("/var/vio/VMLibrary/aix.iso", "file"), ("lv_data", "lv")]
    assert disks["hdisk2"]["mapped"] is True


def test_disk_attributes(fixture_text):
    disk = vios.disks([{"name": "hdisk31", "status": "Available", "physloc": "", "description": "Other disk"}])["hdisk31"]
    assert disk["kind"] == "unknown"
    vios.add_disk_attributes(disk, fixture_text("lsdev_hdisk31_attr.txt"))
    assert disk["reserve_policy"] == "no_reserve"
    assert disk["pvid"] == "00f63a5b9a12cc1f"
    assert disk["lun_id"] == "0x15000000000000"
    assert disk["unique_id"].endswith("fcp") and disk["kind"] == "san"


def test_vioslpm0_capture(fixture_text):
    facts = vios.vioslpm(fixture_text("lsdev_vioslpm0_attr.txt"))
    assert (facts["cfg_msp_lpm_ops"], facts["concurrency_lvl"], facts["max_vasi_ops"], facts["tcp_port_low"]) == (8, 3, 8, 0)
    assert vios.vioslpm(None) is None


@pytest.mark.parametrize(
    ("state", "rmc", "reason"),
    [("Running", "active", None), ("Not Activated", "inactive", "the VIOS is Not Activated, not Running"),
     ("Running", "inactive", "RMC is inactive, not active"), ("Running", None, "RMC is unknown, not active")],
)
def test_vios_skip_reason(state, rmc, reason):
    assert vios.skip_reason({"state": state, "rmc_state": rmc}) == reason
