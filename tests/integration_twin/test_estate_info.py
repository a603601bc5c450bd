# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.estate_info against the HMC twin over SSH."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from conftest import HMC_PASSWORD, HMCSIM, connection_of

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
ESTATE = [{"name": "read the estate", "powervm.lpm.estate_info": {}}]


def vios_of(estate):
    return [p["vios"] for s in estate["systems"].values() for p in s["partitions"].values() if p["is_vios"]]


def expected_commands(estate, disks):
    """2 per HMC + 15 per managed system + 7 per VIOS read + 1 per SEA + 1 per disk in scope."""
    read = [v for v in vios_of(estate) if v["collected"]]
    return 2 + 15 * len(estate["systems"]) + 7 * len(read) + sum(len(v["seas"]) for v in read) + disks(read)


@pytest.fixture(scope="module")
def seed_run(twin, run_playbook):
    before = twin.last_seq()
    rc, results = run_playbook(ESTATE)
    return rc, results[0], twin.log(since=before)


def test_estate_values(seed_run):
    rc, result, _ = seed_run
    assert rc == 0 and result["changed"] is False
    estate = result["estate"]
    assert estate["hmc"]["version"] == "V7R7.8.0" and estate["warnings"] == []
    nl2 = estate["systems"][P750]["partitions"]["b750nl2"]
    assert [a["wwpns"] for a in nl2["virtual_fc"]] == [["c0507603a2920084", "c0507603a2920085"], ["c0507603a2920086", "c0507603a2920087"]]
    assert estate["systems"][P740]["available_mem_mb"] == 234752
    sea = estate["systems"][P740]["partitions"]["b740vio1"]["vios"]["seas"][0]
    assert (sea["name"], sea["vlans"], sea["ha_mode"], sea["vswitch"]) == ("ent8", [1, 10, 20, 30], "auto", "ETHERNET0")
    disks = estate["systems"][P750]["partitions"]["b750vio1"]["vios"]["disks"]
    assert disks["hdisk4"]["reserve_policy"] == "no_reserve" and disks["hdisk4"]["mapped"] is True
    assert disks["hdisk0"]["reserve_policy"] is None  # not mapped: outside the default scope


def test_command_count_follows_the_formula(seed_run):
    _, result, log = seed_run
    estate = result["estate"]
    mapped = lambda vios: sum(1 for v in vios for d in v["disks"].values() if d["mapped"])  # noqa: E731
    assert result["stats"]["commands"] == expected_commands(estate, mapped) == 2 + 15 * 2 + 7 * 4 + 4 + 10
    assert len(log) == result["stats"]["commands"]
    assert all(entry["rc"] == 0 for entry in log)


def test_one_ssh_connection(seed_run):
    _, result, log = seed_run
    assert result["stats"]["connections"] == 1
    assert len({connection_of(entry) for entry in log}) == 1
    assert len({entry["session"] for entry in log}) == len(log)  # one channel per command


def test_unknown_host_key_is_refused(twin, run_playbook, tmp_path):
    empty = tmp_path / "known_hosts"
    empty.write_text("", encoding="ascii")
    before = twin.last_seq()
    rc, results = run_playbook(ESTATE, known_hosts=empty)
    assert rc != 0
    result = results[0]
    assert result["failed"] is True and result["error_type"] == "HmcHostKeyError"
    assert twin.fingerprint in result["msg"] and result["host_key_fingerprint"] == twin.fingerprint
    assert "unknown host key" in result["msg"]
    assert twin.log(since=before) == []


def test_vios_without_rmc_is_reported(twin_factory, run_playbook):
    def rmc_down(scenario):
        for system in scenario["systems"]:
            for lpar in system["lpars"]:
                if lpar["name"] == "b740vio2":
                    lpar["rmc_state"] = "inactive"

    degraded = twin_factory(mutate=rmc_down)
    rc, results = run_playbook(ESTATE, twin=degraded)
    assert rc == 0
    estate = results[0]["estate"]
    assert estate["warnings"] == [f"{P740}: b740vio2: VIOS details not read: RMC is inactive, not active"]
    assert estate["systems"][P740]["partitions"]["b740vio2"]["vios"]["collected"] is False
    mapped = lambda vios: sum(1 for v in vios for d in v["disks"].values() if d["mapped"])  # noqa: E731
    assert results[0]["stats"]["commands"] == expected_commands(estate, mapped) == 74 - 7 - 1 - 1


def comparable(estate):
    """The estate without what legitimately differs between the original and a twin of its export."""
    out = {}
    for name, system in estate["systems"].items():
        partitions = {}
        for pname, partition in system["partitions"].items():
            partition = dict(partition, refcode_time=None)
            if partition["vios"]:
                vios = dict(partition["vios"])
                vios["disks"] = {d: dict(disk, physloc=None) for d, disk in vios["disks"].items()}
                partition["vios"] = vios
            partitions[pname] = partition
        out[name] = dict(system, partitions=partitions)
    return out


def test_scenario_export_loads_in_the_twin(twin, twin_factory, run_playbook, tmp_path):
    path = tmp_path / "estate-twin.yaml"
    task = {"name": "export", "powervm.lpm.estate_info": {"vios_disks": "all", "scenario_file": str(path)}}
    rc, results = run_playbook([task])
    assert rc == 0 and results[0]["scenario_written"] is True
    validated = subprocess.run(HMCSIM + ["validate", str(path)], capture_output=True, text=True, check=False)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "valid (1 HMCs, 2 systems, 14 partitions)" in validated.stdout

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["hmcs"][0]["users"] == [{"name": "hscroot", "password": "REPLACE-ME"}]
    data["hmcs"][0]["users"][0]["password"] = HMC_PASSWORD
    copy = twin_factory(data)
    rc, again = run_playbook([task | {"powervm.lpm.estate_info": {"vios_disks": "all"}}], twin=copy)
    assert rc == 0
    assert comparable(again[0]["estate"]) == comparable(results[0]["estate"])
    assert again[0]["stats"]["commands"] == results[0]["stats"]["commands"]


def test_check_mode_writes_no_scenario(run_playbook, tmp_path):
    path = tmp_path / "never.yaml"
    rc, results = run_playbook([{"powervm.lpm.estate_info": {"scenario_file": str(path), "vios_details": False}}], check=True)
    assert rc == 0 and results[0]["scenario_written"] is False and not path.exists()
    assert results[0]["stats"]["commands"] == 2 + 15 * 2


def test_playbook_file_gets_twin_variables(run_playbook, tmp_path):
    playbook = tmp_path / "estate.yml"
    playbook.write_text(yaml.safe_dump([{
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/powervm.lpm.hmc": "{{ twin_hmc }}"},
        "tasks": [
            {"powervm.lpm.estate_info": {"systems": [P740], "vios_details": False}, "register": "found"},
            {"ansible.builtin.copy": {"content": "{{ found.estate.systems | list | to_json }}", "dest": "{{ results_file }}"}},
        ],
    }]), encoding="utf-8")
    rc, results = run_playbook(playbook)
    assert (rc, results) == (0, [P740])


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
