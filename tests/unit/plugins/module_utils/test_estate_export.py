# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The twin scenario export of the estate (the integration tests load it in the twin itself)."""

from __future__ import annotations

import copy
import os
import stat
import sys

import pytest
import yaml

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_export as export
from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

pytest.importorskip("paramiko")

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"


def estate_of(name="seed-lab", **options):
    return gather(ReplayClient(load_transcript(name)), GatherOptions(host="bpichmc", **options)).estate


@pytest.fixture(scope="module")
def estate():
    return estate_of()


@pytest.fixture(scope="module")
def scenario(estate):
    return export.scenario(estate, "hscroot")


def lpar(scenario, system, name):
    ms = next(s for s in scenario["systems"] if s["name"] == system)
    return next(lp for lp in ms["lpars"] if lp["name"] == name)


def test_no_secret_is_exported(estate):
    text = export.scenario_yaml(estate, "hscroot")
    assert "abc123" not in text
    data = yaml.safe_load(text)
    assert data["hmcs"][0]["users"] == [{"name": "hscroot", "password": "REPLACE-ME"}]
    assert all("authorized_keys" not in user for hmc in data["hmcs"] for user in hmc["users"])
    assert text.startswith("# Twin scenario exported by powervm.lpm.estate_info from HMC bpichmc.\n")
    assert 'replace the password "REPLACE-ME" of user hscroot' in text


def test_export_does_not_use_the_twin():
    assert "hmcsim" not in sys.modules


def test_hmc_and_systems(scenario):
    assert scenario["name"] == "estate-bpichmc"
    assert scenario["hmcs"][0]["version"] == "V7R7.8.0" and scenario["hmcs"][0]["service_pack"] == "2"
    p750 = scenario["systems"][0]
    assert (p750["name"], p750["type_model"], p750["serial"], p750["hmc"]) == (P750, "8233-E8B", "069348P", "bpichmc")
    assert p750["proc_type"] == "POWER7" and p750["lmb_mb"] == 256
    # firmware memory less the hypervisor page tables of the active partitions: the twin adds them back
    assert p750["firmware_mem_base_mb"] == 2048
    assert p750["active_migrations_supported"] == 8 and p750["inactive_migrations_supported"] == 4
    assert p750["shared_proc_pools"] == [{"id": 0, "name": "DefaultPool", "max_proc_units": 0.0, "reserved_proc_units": 0.0}]
    assert [lp["id"] for lp in p750["lpars"]] == list(range(1, 12))


def test_partitions(scenario):
    nl2 = lpar(scenario, P750, "b750nl2")
    assert (nl2["mem_mb"], nl2["proc_units"], nl2["procs"], nl2["shared_proc_pool"]) == (8192, 0.5, 2, "DefaultPool")
    assert nl2["fc"][0] == {"slot": 37, "adapter_type": "client", "remote_lpar": "b750vio1", "remote_slot": 37,
                            "wwpns": ["c0507603a2920084", "c0507603a2920085"], "is_required": False}
    test1 = lpar(scenario, P750, "b750test1")
    assert (test1["state"], test1["mem_mb"], test1["proc_units"]) == ("Not Activated", 4096, 0.2)
    nim = lpar(scenario, P750, "b750nim")
    assert nim["io_slots"] == ["21010207"]
    assert nim["profiles"] == [{"name": "default", "io_slots": ["21010207/none/0"]}]


def test_vios(scenario):
    vio1 = lpar(scenario, P750, "b750vio1")
    assert vio1["msp"] is True and vio1["time_ref"] is True
    assert "max_virtual_slots" not in vio1
    section = vio1["vios"]
    assert section["ioslevel"] == "2.2.3.3" and section["vasi"] is True
    assert section["vioslpm0"]["cfg_msp_lpm_ops"] == "8"
    assert {"name": "hdisk4", "lun": "60050768018086B6E000000000000101", "vendor": "IBM", "reserve_policy": "no_reserve",
            "kind": "san"} in section["disks"]
    assert {"name": "hdisk0", "lun": "unknown-b750vio1-hdisk0", "kind": "internal"} in section["disks"]
    assert section["fc_ports"][0] == {"name": "fcs0", "fabric": "fabric1", "npiv": True, "physloc": "U78A0.001.DNWK7G4-P1-C3-T1",
                                      "tports": 64, "aports": 64, "swwpns": 2048, "awwpns": 2048}
    assert section["seas"] == [{"name": "ent8", "real_adapter": "ent0", "pvid_adapter": "ent4", "trunk_slots": [11],
                                "ha_mode": "auto", "priority": 1, "state": "PRIMARY"}]
    assert lpar(scenario, P750, "b750vio2")["vios"]["seas"][0]["state"] == "BACKUP"
    server = next(a for a in vio1["scsi"] if a["slot"] == 27)
    assert server == {"slot": 27, "adapter_type": "server", "remote_lpar": "b750nl2", "remote_slot": 27, "is_required": False,
                      "backing": ["hdisk4"]}
    assert next(a for a in vio1["fc"] if a["slot"] == 45)["fc_port"] == "fcs0"
    assert lpar(scenario, P750, "b750vio2")["max_virtual_slots"] == 66  # server slot 65 is beyond the default 64


def test_every_client_wwpn_is_zoned(scenario):
    zoned = set(scenario["fabrics"][0]["zoned_wwpns"])
    assert scenario["fabrics"][0]["name"] == "fabric1"
    assert len(zoned) == 20 and {"c0507603a2920084", "c0507603a2920487"} <= zoned


def test_all_disks_keep_their_identity():
    vio = lpar(export.scenario(estate_of(vios_disks="all"), "hscroot"), P740, "b740vio1")["vios"]
    assert {d["name"]: d["lun"] for d in vio["disks"]} == {
        "hdisk0": "int-740-1-0", "hdisk2": "60050768018086B6E000000000000101", "hdisk3": "60050768018086B6E000000000000102",
        "hdisk4": "60050768018086B6E000000000000103", "hdisk5": "60050768018086B6E000000000000104",
        "hdisk6": "60050768018086B6E000000000000201",
    }
    assert next(d for d in vio["disks"] if d["name"] == "hdisk0")["reserve_policy"] == "single_path"


def test_a_never_activated_partition_is_exported_so(estate):
    assert "ever_activated" not in lpar(export.scenario(estate, "hscroot"), P750, "b750test1")   # the twin's default: true
    degraded = estate_of("seed-lab-degraded")
    assert lpar(export.scenario(degraded, "hscroot"), P750, "b750test1")["ever_activated"] is False
    older = copy.deepcopy(degraded)                     # an estate gathered before never_activated existed
    del older["systems"][P750]["partitions"]["b750test1"]["never_activated"]
    assert lpar(export.scenario(older, "hscroot"), P750, "b750test1")["ever_activated"] is False


def test_transient_states_settle(estate):
    changed = copy.deepcopy(estate)
    changed["systems"][P750]["partitions"]["b750nl2"]["state"] = "Migrating - Running"
    assert lpar(export.scenario(changed, "hscroot"), P750, "b750nl2")["state"] == "Running"


@pytest.mark.parametrize(
    ("modes", "expected"),
    [(["default", "POWER5", "POWER6", "POWER6_Plus"], "POWER6+"), (["default", "POWER9", "POWER9_base", "POWER10"], "POWER10"),
     (["default"], None)],
)
def test_proc_type(modes, expected):
    assert export.proc_type(modes) == expected


def test_lun_of():
    assert export.lun_of("3321600507680104214503IBMfcp", "x") == {"lun": "6005076801", "vendor": "IBM"}
    assert export.lun_of("240C50 13413252806OPEN-V07HITACHIfcp", "x") == {"lun": "240C50 13413252806OPEN-V07HITACHIfcp"}
    assert export.lun_of(None, "placeholder") == {"lun": "placeholder"}


def test_write_if_changed(tmp_path, estate):
    path = str(tmp_path / "twin.yaml")
    text = export.scenario_yaml(estate, "hscroot")
    assert export.write_if_changed(path, text) is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert export.write_if_changed(path, text) is False
    assert export.write_if_changed(path, text + "# changed\n") is True
    assert sorted(os.listdir(tmp_path)) == ["twin.yaml"]


def test_export_is_stable(estate):
    assert export.scenario_yaml(estate, "hscroot") == export.scenario_yaml(estate_of(), "hscroot")
