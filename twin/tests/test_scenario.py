"""Scenario loading: path-precise errors, reference checks, built-in scenarios, dump/load round trips."""
from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hmcsim import model, scenario
from hmcsim.scenario import ScenarioError

REPO = Path(__file__).resolve().parents[2]


def minimal() -> dict[str, Any]:
    """A small valid scenario: one HMC, one system with a VIOS and a client served over vSCSI and NPIV."""
    return {
        "name": "mini",
        "hmcs": [{"name": "hmc1", "users": [{"name": "hscroot", "password": "abc123",
                                             "authorized_keys": ["ssh-ed25519 AAAAC3Nz test"]}]}],
        "fabrics": [{"name": "FAB_A", "zoned_wwpns": ["c050760000000010", "c050760000000011"]}],
        "systems": [{
            "name": "sysA", "type_model": "8233-E8B", "serial": "0000001", "hmc": "hmc1",
            "lpars": [
                {"name": "vio1", "id": 1, "env": "vioserver",
                 "vios": {"disks": [{"name": "hdisk1", "lun": "L1"}],
                          "fc_ports": [{"name": "fcs0", "fabric": "FAB_A"}],
                          "seas": [{"name": "ent8", "trunk_slots": [11]}]},
                 "eth": [{"slot": 11, "is_trunk": True, "addl_vlan_ids": [10]}],
                 "scsi": [{"slot": 20, "adapter_type": "server", "remote_lpar": "lp1", "remote_slot": 2,
                           "backing": ["hdisk1"]}],
                 "fc": [{"slot": 21, "adapter_type": "server", "remote_lpar": "lp1", "remote_slot": 3,
                         "fc_port": "fcs0"}]},
                {"name": "lp1", "id": 2, "mem_mb": 4096,
                 "eth": [{"slot": 4, "port_vlan_id": 10}],
                 "scsi": [{"slot": 2, "remote_lpar": "vio1", "remote_slot": 20}],
                 "fc": [{"slot": 3, "remote_lpar": "vio1", "remote_slot": 21,
                         "wwpns": ["c050760000000010", "c050760000000011"]}]},
            ],
        }],
    }


def problems_of(data: Any) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        scenario.from_dict(data, "test.yaml")
    assert str(exc.value).startswith("test.yaml: invalid scenario:")
    return exc.value.problems


def mutated(path: str, value: Any) -> dict[str, Any]:
    """minimal() with the value at a dotted path (list indexes as numbers) replaced; None deletes the key."""
    data = minimal()
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def test_minimal_scenario_loads() -> None:
    sc = scenario.from_dict(minimal())
    lp = sc.systems[0].lpars[1]
    assert isinstance(lp, model.Lpar) and lp.mem_mb == 4096 and lp.env == "aixlinux"
    assert sc.systems[0].lpars[0].vios.disks[0] == model.Disk(name="hdisk1", lun="L1")
    assert lp.fc[0].wwpns == ["c050760000000010", "c050760000000011"]


# ----- types -----

@pytest.mark.parametrize("path,value,expected", [
    ("systems.0.lpars.1.mem_mb", "lots", "systems[0].lpars[1].mem_mb: expected an integer, got 'lots'"),
    ("systems.0.lpars.1.mem_mb", 4096.5, "systems[0].lpars[1].mem_mb: expected an integer, got 4096.5"),
    ("systems.0.lpars.1.mem_mb", True, "systems[0].lpars[1].mem_mb: expected an integer, got True"),
    ("systems.0.lpars.1.proc_units", "half", "systems[0].lpars[1].proc_units: expected a number, got 'half'"),
    ("systems.0.lpars.1.msp", "yes", "systems[0].lpars[1].msp: expected a boolean (true/false), got 'yes'"),
    ("systems.0.lpars.1.name", ["x"], "systems[0].lpars[1].name: expected a string, got ['x']"),
    ("systems.0.lpars.1.eth", {"slot": 4}, "systems[0].lpars[1].eth: expected a list, got {'slot': 4}"),
    ("systems.0.lpars.1.eth.0.addl_vlan_ids", [10, "x"],
     "systems[0].lpars[1].eth[0].addl_vlan_ids[1]: expected an integer, got 'x'"),
    ("systems.0.lpars.1.workload", 5, "systems[0].lpars[1].workload: expected a mapping, got 5"),
    ("systems.0.capabilities", ["a"], "systems[0].capabilities: expected a mapping, got ['a']"),
    ("systems.0.capabilities", {"bsr_capable": "no"}, "systems[0].capabilities.bsr_capable: expected an integer, got 'no'"),
    ("systems.0.lpars.0.vios.fc_ports.0.npiv", 2, "systems[0].lpars[0].vios.fc_ports[0].npiv: expected a boolean "
     "(true/false), got 2"),
])
def test_wrong_types_are_reported_with_their_path(path: str, value: Any, expected: str) -> None:
    assert problems_of(mutated(path, value)) == [expected]


def test_lenient_scalar_conversions() -> None:
    data = minimal()
    lp = data["systems"][0]["lpars"][1]
    lp.update(proc_units=2, msp=1, os_version=7.2)
    data["systems"][0]["serial"] = 69348
    sc = scenario.from_dict(data)
    lp_obj = sc.systems[0].lpars[1]
    assert (lp_obj.proc_units, lp_obj.msp, lp_obj.os_version) == (2.0, True, "7.2")
    assert isinstance(lp_obj.proc_units, float) and sc.systems[0].serial == "69348"


def test_null_optional_section_is_accepted() -> None:
    data = minimal()
    data["systems"][0]["lpars"][1]["vios"] = None
    assert scenario.from_dict(data).systems[0].lpars[1].vios is None


def test_every_type_problem_is_reported_at_once() -> None:
    data = minimal()
    data["systems"][0]["lpars"][1].update(mem_mb="x", procs="y")
    data["hmcs"][0]["ssh_port"] = "22a"
    assert problems_of(data) == [
        "hmcs[0].ssh_port: expected an integer, got '22a'",
        "systems[0].lpars[1].mem_mb: expected an integer, got 'x'",
        "systems[0].lpars[1].procs: expected an integer, got 'y'",
    ]


def test_not_a_mapping_at_the_top() -> None:
    assert problems_of(None) == ["<top>: expected a mapping, got None", "name: required field is missing"]
    assert problems_of(["a"])[0] == "<top>: expected a mapping, got ['a']"


# ----- unknown and missing fields -----

def test_unknown_field_with_did_you_mean_hint() -> None:
    assert problems_of(mutated("systems.0.lpars.1.mem_mbs", 4096)) == [
        "systems[0].lpars[1].mem_mbs: unknown field (did you mean mem_mb, mem_mode, mem_expansion?)"]
    assert problems_of(mutated("systems.0.lpars.0.vios.ioslvl", "3.1")) == [
        "systems[0].lpars[0].vios.ioslvl: unknown field (did you mean ioslevel?)"]


def test_unknown_field_without_a_close_name() -> None:
    assert problems_of(mutated("hmcs.0.colour", "blue")) == ["hmcs[0].colour: unknown field"]


@pytest.mark.parametrize("path,expected", [
    ("name", "name: required field is missing"),
    ("systems.0.serial", "systems[0].serial: required field is missing"),
    ("systems.0.hmc", "systems[0].hmc: required field is missing"),
    ("systems.0.lpars.1.id", "systems[0].lpars[1].id: required field is missing"),
    ("systems.0.lpars.0.vios.disks.0.lun", "systems[0].lpars[0].vios.disks[0].lun: required field is missing"),
    ("systems.0.lpars.1.eth.0.slot", "systems[0].lpars[1].eth[0].slot: required field is missing"),
    ("hmcs.0.users.0.name", "hmcs[0].users[0].name: required field is missing"),
])
def test_missing_required_fields(path: str, expected: str) -> None:
    assert problems_of(mutated(path, None)) == [expected]


# ----- duplicates -----

def test_duplicate_partition_id_and_name() -> None:
    data = minimal()
    lpars = data["systems"][0]["lpars"]
    lpars.append(copy.deepcopy(lpars[1]))
    assert problems_of(data) == ["systems[0].lpars[2].id: duplicate partition id 2",
                                 "systems[0].lpars[2].name: duplicate partition name 'lp1'"]


def test_duplicate_system_and_hmc_names() -> None:
    data = minimal()
    data["systems"].append(copy.deepcopy(data["systems"][0]))
    assert problems_of(data) == ["systems[1].name: duplicate system name 'sysA'"]
    data = minimal()
    data["hmcs"].append(copy.deepcopy(data["hmcs"][0]))
    assert problems_of(data) == ["hmcs: HMC names must be unique"]


def test_duplicate_fabric_names() -> None:
    data = minimal()
    data["fabrics"].append({"name": "FAB_A"})
    assert problems_of(data) == ["fabrics[1].name: duplicate fabric name 'FAB_A'"]


def test_duplicate_virtual_slot_in_one_partition() -> None:
    data = mutated("systems.0.lpars.1.eth.0.slot", 3)
    assert problems_of(data) == ["systems[0].lpars[1].fc[0].slot: virtual slot 3 is used twice"]


def test_an_adapter_slot_at_or_above_max_virtual_slots_is_refused() -> None:
    # an HMC numbers a partition's virtual slots 0 to max_virtual_slots - 1: a server adapter in slot 65 needs more than 64
    data = mutated("systems.0.lpars.0.scsi.0.slot", 64)
    data["systems"][0]["lpars"][1]["scsi"][0]["remote_slot"] = 64
    data["systems"][0]["lpars"][1]["max_virtual_slots"] = 3
    data["systems"][0]["lpars"][1]["serial_slots"] = [0, 1, 5]
    assert problems_of(data) == [
        "systems[0].lpars[0].scsi[0].slot: virtual slot 64 is not below the max_virtual_slots of vio1 (64, slots 0 to 63); "
        "raise systems[0].lpars[0].max_virtual_slots above 64",
        "systems[0].lpars[1].serial_slots[2]: virtual slot 5 is not below the max_virtual_slots of lp1 (3, slots 0 to 2); "
        "raise systems[0].lpars[1].max_virtual_slots above 5",
        "systems[0].lpars[1].eth[0].slot: virtual slot 4 is not below the max_virtual_slots of lp1 (3, slots 0 to 2); "
        "raise systems[0].lpars[1].max_virtual_slots above 4",
        "systems[0].lpars[1].fc[0].slot: virtual slot 3 is not below the max_virtual_slots of lp1 (3, slots 0 to 2); "
        "raise systems[0].lpars[1].max_virtual_slots above 3",
    ]
    data["systems"][0]["lpars"][0]["max_virtual_slots"] = 65
    data["systems"][0]["lpars"][1]["max_virtual_slots"] = 6
    assert scenario.from_dict(data).systems[0].lpars[0].scsi[0].slot == 64


def test_duplicate_vios_device_names() -> None:
    data = minimal()
    vios = data["systems"][0]["lpars"][0]["vios"]
    vios["disks"].append({"name": "hdisk1", "lun": "L2"})
    vios["fc_ports"].append({"name": "fcs0"})
    assert problems_of(data) == ["systems[0].lpars[0].vios.disks[1].name: duplicate device name 'hdisk1'",
                                 "systems[0].lpars[0].vios.fc_ports[1].name: duplicate device name 'fcs0'"]


def test_same_partition_name_on_two_systems_is_allowed() -> None:
    data = minimal()
    other = copy.deepcopy(data["systems"][0])
    other.update(name="sysB", serial="0000002")
    data["systems"].append(other)
    sc = scenario.from_dict(data)
    assert [ms.lpars[1].name for ms in sc.systems] == ["lp1", "lp1"]


# ----- references -----

def test_unknown_hmc() -> None:
    data = minimal()
    data["hmcs"].append({"name": "hmc0", "users": [{"name": "hscroot", "password": "x"}]})
    data["systems"][0]["hmc"] = "hmc9"
    assert problems_of(data) == ["systems[0].hmc: unknown HMC 'hmc9' (known: hmc0, hmc1)"]


def test_unknown_remote_partition() -> None:
    assert problems_of(mutated("systems.0.lpars.1.scsi.0.remote_lpar", "vio9")) == [
        "systems[0].lpars[1].scsi[0].remote_lpar: no partition 'vio9' on sysA"]
    assert problems_of(mutated("systems.0.lpars.0.fc.0.remote_lpar", "")) == [
        "systems[0].lpars[0].fc[0].remote_lpar: no partition '' on sysA"]


def test_server_adapter_open_to_any_partition_is_allowed() -> None:
    sc = scenario.from_dict(mutated("systems.0.lpars.0.scsi.0.remote_lpar", "any"))
    assert sc.systems[0].lpars[0].scsi[0].remote_lpar == "any"


def test_bad_adapter_type() -> None:
    assert problems_of(mutated("systems.0.lpars.1.scsi.0.adapter_type", "clint")) == [
        "systems[0].lpars[1].scsi[0].adapter_type: must be client or server"]


def test_unknown_fabric() -> None:
    assert problems_of(mutated("systems.0.lpars.0.vios.fc_ports.0.fabric", "FAB_Z")) == [
        "systems[0].lpars[0].vios.fc_ports[0].fabric: unknown fabric 'FAB_Z'"]
    # a port on no fabric (not cabled) is fine
    assert scenario.from_dict(mutated("systems.0.lpars.0.vios.fc_ports.0.fabric", ""))


def test_unknown_shared_processor_pool() -> None:
    assert problems_of(mutated("systems.0.lpars.1.shared_proc_pool", "Oracle")) == [
        "systems[0].lpars[1].shared_proc_pool: unknown pool 'Oracle'"]
    data = mutated("systems.0.shared_proc_pools", [{"id": 0, "name": "DefaultPool"}, {"id": 1, "name": "Oracle"}])
    data["systems"][0]["lpars"][1]["shared_proc_pool"] = "Oracle"
    assert scenario.from_dict(data).systems[0].shared_proc_pools[1].name == "Oracle"
    # a dedicated-processor partition does not use a pool
    data = mutated("systems.0.lpars.1.shared_proc_pool", "Oracle")
    data["systems"][0]["lpars"][1]["proc_mode"] = "ded"
    assert scenario.from_dict(data)


@pytest.mark.parametrize("wwpn", ["c05076000000001", "c0507600000000101", "c05076000000001g", "c0:50:76:00:00:00:00:10"])
def test_bad_wwpn(wwpn: str) -> None:
    assert problems_of(mutated("systems.0.lpars.1.fc.0.wwpns", ["c050760000000010", wwpn])) == [
        f"systems[0].lpars[1].fc[0].wwpns[1]: not a 16-hex-digit WWPN: {wwpn!r}"]


def test_unknown_backing_device_fc_port_and_trunk_slot() -> None:
    assert problems_of(mutated("systems.0.lpars.0.scsi.0.backing", ["hdisk1", "hdisk7"])) == [
        "systems[0].lpars[0].scsi[0].backing: no device 'hdisk7' on vio1"]
    assert problems_of(mutated("systems.0.lpars.0.fc.0.fc_port", "fcs3")) == [
        "systems[0].lpars[0].fc[0].fc_port: no FC port 'fcs3' on vio1"]
    assert problems_of(mutated("systems.0.lpars.0.vios.seas.0.trunk_slots", [11, 12])) == [
        "systems[0].lpars[0].vios.seas[0].trunk_slots: slot 12 is not a trunk virtual ethernet adapter of vio1"]


def test_logical_volume_and_optical_backing_devices_are_known() -> None:
    data = mutated("systems.0.lpars.0.scsi.0.backing", ["hdisk1", "lv_lp1", "cd0"])
    vios = data["systems"][0]["lpars"][0]["vios"]
    vios.update(logical_volumes=["lv_lp1"], optical=["cd0"])
    assert scenario.from_dict(data).systems[0].lpars[0].scsi[0].backing == ["hdisk1", "lv_lp1", "cd0"]


def test_vios_section_only_on_a_vios() -> None:
    data = minimal()
    data["systems"][0]["lpars"][1]["vios"] = {"ioslevel": "3.1.4.10"}
    assert problems_of(data) == ["systems[0].lpars[1].vios: only a vioserver partition may have a vios section"]
    assert problems_of(mutated("systems.0.lpars.0.vios", None)) == [
        "systems[0].lpars[0].vios: a vioserver partition needs a vios section"]


def test_bad_partition_environment() -> None:
    assert problems_of(mutated("systems.0.lpars.1.env", "linux")) == [
        "systems[0].lpars[1].env: must be aixlinux, vioserver or os400, got 'linux'"]


def test_hmc_needs_users_with_credentials() -> None:
    assert problems_of(mutated("hmcs.0.users", [])) == ["hmcs[0].users: at least one user is required"]
    assert problems_of(mutated("hmcs.0.users", [{"name": "viewer"}])) == [
        "hmcs[0].users[0]: needs a password or authorized_keys"]
    assert problems_of(mutated("hmcs", [])) == ["hmcs: at least one HMC is required",
                                                "systems[0].hmc: unknown HMC 'hmc1' (known: )"]


def test_type_problems_are_reported_before_reference_checks() -> None:
    data = mutated("systems.0.hmc", "nowhere")
    data["systems"][0]["lpars"][1]["mem_mb"] = "x"
    assert problems_of(data) == ["systems[0].lpars[1].mem_mb: expected an integer, got 'x'"]


# ----- files and built-ins -----

def test_builtin_seed_lab_loads() -> None:
    sc = scenario.load("seed-lab")
    assert sc.name == "seed-lab" and [h.name for h in sc.hmcs] == ["bpichmc"]
    assert [ms.name for ms in sc.systems] == ["p750-Server-8233-E8B-SN069348P", "p740-Server-8205-E6B-SN10934CP"]
    assert sum(lp.env == "vioserver" for ms in sc.systems for lp in ms.lpars) == 4
    nl2 = sc.systems[0].lpars[2]
    assert nl2.name == "b750nl2" and nl2.fc[0].wwpns == ["c0507603a2920084", "c0507603a2920085"]
    # every partition has room above its highest virtual slot (b750vio2 and b750web1 use slot 65)
    for lp in (lp for ms in sc.systems for lp in ms.lpars):
        assert max(a.slot for a in [*lp.eth, *lp.scsi, *lp.fc]) < lp.max_virtual_slots, lp.name
    vio2 = sc.systems[0].lpars[1]
    assert vio2.name == "b750vio2" and max(a.slot for a in vio2.scsi) == 65 and vio2.max_virtual_slots == 200


def test_every_builtin_scenario_loads() -> None:
    files = sorted(p.stem for p in (REPO / "twin" / "hmcsim" / "scenarios").glob("*.yaml"))
    assert set(scenario.BUILTIN) <= set(files)
    for name in scenario.BUILTIN:
        assert scenario.load(name).name == name


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        scenario.load(str(tmp_path / "nope.yaml"))
    assert exc.value.problems == ["no such scenario file (built-in scenarios: seed-lab)"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ScenarioError) as exc:
        scenario.load(str(bad))
    assert exc.value.source == str(bad) and exc.value.problems[0].startswith("not valid YAML:")


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(mutated("systems.0.lpars.1.mem_mb", "lots")))
    with pytest.raises(ScenarioError) as exc:
        scenario.load(str(path))
    assert str(exc.value) == f"{path}: invalid scenario:\n  systems[0].lpars[1].mem_mb: expected an integer, got 'lots'"


# ----- dump and round trips -----

def test_seed_lab_dump_load_round_trip(tmp_path: Path) -> None:
    sc = scenario.load("seed-lab")
    path = tmp_path / "again.yaml"
    path.write_text(scenario.dump(sc))
    assert scenario.load(str(path)) == sc
    assert scenario.from_dict(scenario.to_dict(sc)) == sc


def test_dump_leaves_out_defaults() -> None:
    sc = scenario.from_dict(minimal())
    data = scenario.to_dict(sc)
    lp = data["systems"][0]["lpars"][1]
    assert "state" not in lp and "proc_units" not in lp and lp["mem_mb"] == 4096
    assert "physics" not in data and "clock" not in data
    sc.systems[0].lpars[1].state = "Not Activated"
    assert scenario.to_dict(sc)["systems"][0]["lpars"][1]["state"] == "Not Activated"


def test_changed_state_survives_a_round_trip() -> None:
    sc = scenario.from_dict(minimal())
    sc.systems[0].lpars[1].workload.dirty_rate_mbs = 250.0
    sc.systems[0].lpars[0].vios.disks[0].pending_attrs = {"reserve_policy": "no_reserve"}
    again = scenario.from_dict(yaml.safe_load(scenario.dump(sc)))
    assert again == sc and again.systems[0].lpars[1].workload.dirty_rate_mbs == 250.0


def test_dump_without_secrets() -> None:
    sc = scenario.load("seed-lab")
    sc.hmcs[0].users[0].authorized_keys = ["ssh-ed25519 AAAAC3Nz key"]
    data = scenario.to_dict(sc, keep_secrets=False)
    assert data["hmcs"][0]["users"] == [{"name": "hscroot"}]
    text = scenario.dump(sc, keep_secrets=False)
    assert "abc123" not in text and "AAAAC3Nz" not in text and "password" not in text
    assert "abc123" in scenario.dump(sc) and "AAAAC3Nz" in scenario.dump(sc)
    # the live objects keep their secrets
    assert sc.hmcs[0].users[0].password == "abc123"


# ----- the schema document lists every field -----

def _dataclasses() -> list[type]:
    return [obj for obj in vars(model).values()
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == model.__name__]


def test_schema_doc_lists_every_field() -> None:
    doc = (REPO / "docs" / "scenario-schema.md").read_text()
    sections = dict(re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", doc, flags=re.S | re.M))
    missing: list[str] = []
    for cls in _dataclasses():
        body = sections.get(cls.__name__)
        if body is None:
            missing.append(cls.__name__)
            continue
        documented = set(re.findall(r"^\| `(\w+)` \|", body, flags=re.M))
        missing += [f"{cls.__name__}.{f.name}" for f in dataclasses.fields(cls) if f.name not in documented]
        extra = documented - {f.name for f in dataclasses.fields(cls)}
        missing += [f"{cls.__name__}.{name} (documented but not in the model)" for name in sorted(extra)]
    assert missing == []
