# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The powervm.lpm.hmc inventory plugin over recorded twin transcripts: hosts, groups and variables."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.tests.unit.plugins.inventory.inventory_harness import (
    G740,
    G750,
    P740,
    P750,
    renamed,
    run_inventory,
    verify,
)
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import load_transcript

pytest.importorskip("paramiko")

BASE = {"hmc_host": "bpichmc", "hmc_password": "abc123"}
P750_HOSTS = ["b750app1", "b750app2", "b750batch1", "b750db1", "b750db2", "b750nim", "b750nl2", "b750test1", "b750vio1", "b750vio2",
              "b750web1"]
P740_HOSTS = ["b740lp1", "b740vio1", "b740vio2"]
VIOS = ["b740vio1", "b740vio2", "b750vio1", "b750vio2"]


@pytest.fixture
def seed(tmp_path):
    return run_inventory(tmp_path, BASE)


def test_groups_per_hmc_system_and_environment(seed):
    assert seed.hosts() == sorted(P750_HOSTS + P740_HOSTS)
    assert seed.children("hmc_bpichmc") == sorted([G740, G750])
    assert seed.hosts(G750) == P750_HOSTS
    assert seed.hosts(G740) == P740_HOSTS
    assert seed.hosts("vioserver") == VIOS
    assert seed.hosts("aixlinux") == sorted(set(P750_HOSTS + P740_HOSTS) - set(VIOS))
    assert seed.hosts("msp") == VIOS
    assert "os400" not in seed.inventory.groups
    assert seed.display.warnings == []
    assert seed.clients == ["bpichmc"]


def test_partition_variables(seed):
    db1 = seed.hostvars("b750db1")
    assert {k: v for k, v in db1.items() if k.startswith("powervm_") or k == "ansible_host"} == {
        "ansible_host": "10.33.5.31",
        "powervm_name": "b750db1",
        "powervm_lpar_id": 4,
        "powervm_uuid": "EE492273-185F-7638-B7E0-3B4FA0E98CB4",
        "powervm_env": "aixlinux",
        "powervm_is_vios": False,
        "powervm_state": "Running",
        "powervm_os_version": "AIX 7.1 7100-03-03-1415",
        "powervm_rmc_state": "active",
        "powervm_rmc_ipaddr": "10.33.5.31",
        "powervm_compat_current": "POWER7",
        "powervm_compat_desired": "default",
        "powervm_memory_mb": 65536,
        "powervm_proc_mode": "shared",
        "powervm_proc_units": 2.0,
        "powervm_procs": 4,
        "powervm_msp": False,
        "powervm_migration_disabled": False,
        "powervm_system": P750,
        "powervm_system_mtms": "8233-E8B*069348P",
        "powervm_hmc": "bpichmc",
        "powervm_hmc_host": "bpichmc",
        "powervm_hmc_port": 22,
    }


def test_vios_without_rmc_ip_has_no_ansible_host(seed):
    vio = seed.hostvars("b740vio1")
    assert vio["powervm_msp"] is True and vio["powervm_is_vios"] is True and vio["powervm_rmc_ipaddr"] is None
    assert "ansible_host" not in vio
    test1 = seed.hostvars("b750test1")
    assert (test1["powervm_state"], test1["powervm_memory_mb"], test1["powervm_proc_units"]) == ("Not Activated", 0, 0.0)


def test_group_variables(seed):
    assert seed.groupvars(G740) == {
        "powervm_system_name": P740,
        "powervm_system_mtms": "8205-E6B*10934CP",
        "powervm_system_type_model": "8205-E6B",
        "powervm_system_serial": "10934CP",
        "powervm_system_state": "Operating",
        "powervm_system_ipaddr": "10.33.5.40",
        "powervm_system_compat_modes": ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"],
    }
    assert seed.groupvars("hmc_bpichmc") == {"powervm_hmc_host": "bpichmc", "powervm_hmc_port": 22, "powervm_hmc_version": "V7R7.8.0"}


def test_rmc_ip_can_be_left_out_and_prefix_changed(tmp_path):
    run = run_inventory(tmp_path, dict(BASE, use_rmc_ip=False, vars_prefix="lpm_"))
    db1 = run.hostvars("b750db1")
    assert "ansible_host" not in db1
    assert db1["lpm_rmc_ipaddr"] == "10.33.5.31" and db1["lpm_system"] == P750
    assert not any(key.startswith("powervm_") for key in db1)
    assert run.groupvars(G750)["lpm_system_serial"] == "069348P"


def test_keyed_groups_groups_and_compose(tmp_path):
    config = dict(
        BASE,
        keyed_groups=[
            {"key": "powervm_state | lower | replace(' ', '_')", "prefix": "state"},
            {"key": "powervm_os_version.split(' ')[0]", "prefix": "os"},
        ],
        groups={"big": "powervm_memory_mb >= 32768", "rmc_down": "powervm_rmc_state != 'active'"},
        compose={"ansible_user": "'padmin' if powervm_is_vios else 'root'", "ansible_host": "powervm_name ~ '.lab'"},
    )
    run = run_inventory(tmp_path, config)
    assert run.hosts("state_not_activated") == ["b750test1"]
    assert len(run.hosts("state_running")) == 13
    assert run.hosts("os_VIOS") == VIOS
    assert run.hosts("os_Linux_Red") == ["b750app2"]
    assert run.hosts("big") == ["b750db1", "b750db2"]
    assert run.hosts("rmc_down") == ["b750test1"]
    assert run.hostvars("b740vio2")["ansible_user"] == "padmin"
    assert run.hostvars("b750nim")["ansible_user"] == "root"
    # compose runs after use_rmc_ip and wins
    assert run.hostvars("b750db1")["ansible_host"] == "b750db1.lab"


def test_strict_makes_a_bad_expression_an_error(tmp_path):
    lenient = run_inventory(tmp_path, dict(BASE, compose={"x": "no_such_variable + 1"}))
    assert "x" not in lenient.hostvars("b750db1")
    with pytest.raises(Exception, match="Could not set x for host"):
        run_inventory(tmp_path, dict(BASE, compose={"x": "no_such_variable + 1"}, strict=True))


def test_system_without_connection_is_a_warning_and_an_empty_group(tmp_path):
    run = run_inventory(tmp_path, BASE, {"bpichmc": load_transcript("seed-lab-degraded")})
    assert run.display.warnings == [f"HMC bpichmc: {P740}: the managed system is No Connection; its partitions and resources were not read"]
    assert run.hosts(G740) == []
    assert run.groupvars(G740)["powervm_system_state"] == "No Connection"
    assert len(run.hosts(G750)) == 11


def test_failed_listing_is_a_warning_and_leaves_the_values_empty(tmp_path):
    transcript = load_transcript("seed-lab")
    line = next(k for k in transcript if k.startswith(f"lshwres -r mem -m {P750} --level lpar"))
    transcript[line] = dict(transcript[line], rc=1, stdout="HSCL1234 The managed system is busy.\n")
    run = run_inventory(tmp_path, BASE, {"bpichmc": transcript})
    assert len(run.display.warnings) == 1
    assert run.display.warnings[0].startswith(f"HMC bpichmc: {P750}: mem_lpar: ") and "HSCL1234" in run.display.warnings[0]
    assert run.hostvars("b750db1")["powervm_memory_mb"] is None
    assert run.hostvars("b750db1")["powervm_proc_units"] == 2.0
    assert run.hostvars("b740lp1")["powervm_memory_mb"] == 16384


def test_file_names(tmp_path):
    assert verify(tmp_path, "lab.hmc.yml") and verify(tmp_path, "lab.hmc.yaml") and verify(tmp_path, "hmc.yml")
    assert not verify(tmp_path, "lab.yml") and not verify(tmp_path, "lab.hmc.json") and not verify(tmp_path, "myhmc.yml")


def test_the_same_partition_through_two_hmcs_is_one_host(tmp_path):
    config = {"hmc_password": "abc123", "hmcs": [{"hmc_host": "bpichmc"}, {"hmc_host": "bpichmc2", "name": "backup"}]}
    seed_lab = load_transcript("seed-lab")
    run = run_inventory(tmp_path, config, {"bpichmc": seed_lab, "bpichmc2": seed_lab})
    assert run.display.warnings == []
    assert sorted(run.clients) == ["bpichmc", "bpichmc2"]
    assert run.children("hmc_bpichmc") == run.children("hmc_backup") == sorted([G740, G750])
    assert len(run.hosts()) == 14
    assert run.hostvars("b750db1")["powervm_hmc"] == "bpichmc"


def test_a_name_used_for_two_partitions_keeps_the_first(tmp_path):
    config = {"hmc_password": "abc123", "hmcs": [{"hmc_host": "a"}, {"hmc_host": "b"}]}
    other = renamed(load_transcript("seed-lab"), {"EE492273-185F-7638-B7E0-3B4FA0E98CB4": "11111111-185F-7638-B7E0-3B4FA0E98CB4",
                                                  P750: "p750b", P740: "p740b"})
    run = run_inventory(tmp_path, config, {"a": load_transcript("seed-lab"), "b": other})
    assert run.display.warnings == [
        f"HMC b: partition b750db1 of p750b is not in the inventory: the host b750db1 is already the partition of that name on {P750} (HMC a)"
    ]
    assert run.hostvars("b750db1")["powervm_system"] == P750
    assert "b750db1" not in run.hosts("system_p750b")
    assert len(run.hosts("system_p750b")) == 10
