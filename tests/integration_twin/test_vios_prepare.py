# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role powervm.lpm.vios_prepare and playbooks/prepare_vios.yml against the HMC twin over SSH."""

from __future__ import annotations

import shlex

import pytest

from conftest import REPO

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
SYSTEMS = [{"name": P750}, {"name": P740}]
PLAYBOOK = REPO / "playbooks" / "prepare_vios.yml"


def _lpars(data):
    return {lpar["name"]: lpar for system in data["systems"] for lpar in system["lpars"]}


def _field_lab(data):
    """seed-lab as found in the field: b740vio2 is no MSP and its hdisk2 (b750nl2's LUN) has single_path."""
    vio2 = _lpars(data)["b740vio2"]
    vio2["msp"] = False
    next(d for d in vio2["vios"]["disks"] if d["name"] == "hdisk2")["reserve_policy"] = "single_path"
    return data


def _vlan30_not_bridged(data):
    """seed-lab whose p740 SEAs no longer bridge VLAN 30 (used by b750app1)."""
    for name in ("b740vio1", "b740vio2"):
        for adapter in _lpars(data)[name]["eth"]:
            if adapter.get("is_trunk"):
                adapter["addl_vlan_ids"] = [10, 20]
    return data


def role_play(variables):
    """One play running the role; the results file gets the role's facts, or the failed task and its result."""
    keep = ("vios_prepare_plan", "vios_prepare_msp_result", "vios_prepare_disk_result", "vios_prepare_tuning_result",
            "vios_prepare_reboot_required")
    collect = "{{ {" + ", ".join(f"'{name}': {name} | default(None)" for name in keep) + "} | to_json }}"
    failure = "{{ {'failed_task': ansible_failed_task.name, 'result': ansible_failed_result} | to_json }}"
    return [{
        "name": "prepare the VIOS", "hosts": "localhost", "gather_facts": False, "vars": variables,
        "tasks": [{"block": [
            {"name": "run the role", "ansible.builtin.include_role": {"name": "powervm.lpm.vios_prepare"}},
            {"name": "keep the facts", "ansible.builtin.copy": {"content": collect, "dest": "{{ results_file }}", "mode": "0600"},
             "check_mode": False},
        ], "rescue": [
            {"name": "keep the failure", "ansible.builtin.copy": {"content": failure, "dest": "{{ results_file }}", "mode": "0600"},
             "check_mode": False},
            {"name": "fail again", "ansible.builtin.fail": {"msg": "the role failed"}},
        ]}],
    }]


def changes(log):
    """chsyscfg argv and the VIOS chdev commands in a twin log slice."""
    out = []
    for entry in log:
        argv = entry["argv"]
        if argv[:1] == ["chsyscfg"]:
            out.append(argv)
        elif argv[:1] == ["viosvrcmd"] and argv[argv.index("-c") + 1].startswith("chdev"):
            out.append([argv[argv.index("-p") + 1]] + shlex.split(argv[argv.index("-c") + 1]))
    return out


def ask(twin, argv):
    return twin.ctl("exec", "--hmc", twin.hmc, "--user", "hscroot", shlex.join(argv)).strip()


def reserve_policy(twin, system, vios, disk):
    command = shlex.join(["lsdev", "-dev", disk, "-attr", "reserve_policy"])
    return ask(twin, ["viosvrcmd", "-m", system, "-p", vios, "-c", command]).split()[-1]


def msp_flags(twin, system):
    return ask(twin, ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,msp,time_ref"]).splitlines()


@pytest.fixture(scope="module")
def field_lab(twin_factory):
    return twin_factory(mutate=_field_lab)


def test_field_lab_is_fixed_then_unchanged(field_lab, run_playbook):
    variables = {"vios_prepare_systems": SYSTEMS, "vios_prepare_lpars": ["b750nl2"], "vios_prepare_msp_lpm_ops": 4}

    before = field_lab.last_seq()
    rc, facts = run_playbook(role_play(variables), twin=field_lab, check=True)
    assert rc == 0, facts
    assert changes(field_lab.log(since=before)) == []
    plan = {(v["system"], v["vios"]): v["disks"] for v in facts["vios_prepare_plan"]["vios"]}
    assert plan == {(P750, "b750vio1"): ["hdisk4"], (P750, "b750vio2"): ["hdisk4"], (P740, "b740vio1"): ["hdisk2"],
                    (P740, "b740vio2"): ["hdisk2"]}
    assert [r["changed"] for r in facts["vios_prepare_disk_result"]["results"]] == [False, False, False, True]

    before = field_lab.last_seq()
    rc, facts = run_playbook(role_play(variables), twin=field_lab)
    assert rc == 0, facts
    sent = changes(field_lab.log(since=before))
    assert ["chsyscfg", "-r", "lpar", "-m", P740, "-i", "name=b740vio2,msp=1,time_ref=1"] in sent
    assert ["b740vio2", "chdev", "-dev", "hdisk2", "-attr", "reserve_policy=no_reserve"] in sent
    assert sum(1 for argv in sent if argv[1:3] == ["chdev", "-dev"] and argv[3] == "vioslpm0") == 4
    assert reserve_policy(field_lab, P740, "b740vio2", "hdisk2") == "no_reserve"
    assert "b740vio2,1,1" in msp_flags(field_lab, P740)
    assert facts["vios_prepare_reboot_required"] == []

    for check in (True, False):
        before = field_lab.last_seq()
        rc, facts = run_playbook(role_play(variables), twin=field_lab, check=check)
        assert rc == 0, facts
        assert changes(field_lab.log(since=before)) == []
        results = [r for name in ("vios_prepare_msp_result", "vios_prepare_disk_result", "vios_prepare_tuning_result")
                   for r in facts[name]["results"]]
        assert results and not any(r["changed"] for r in results)


def test_unbridged_vlan_fails_with_a_clear_message(twin_factory, run_playbook):
    lab = twin_factory(mutate=_vlan30_not_bridged)
    before = lab.last_seq()
    rc, facts = run_playbook(role_play({"vios_prepare_systems": SYSTEMS, "vios_prepare_lpars": ["b750app1"]}), twin=lab)
    assert rc != 0
    assert facts["failed_task"] == "Check that every required VLAN is bridged by a Shared Ethernet Adapter on each system"
    failed = [r for r in facts["result"]["results"] if r.get("failed")]
    assert [r["item"]["system"] for r in failed] == [P740]
    message = failed[0]["msg"]
    assert f"VLAN 30 is not bridged by any Shared Ethernet Adapter on {P740}" in message
    assert "b740vio1 ent8 (VLANs 1,10,20)" in message and "Add the VLAN to the trunk adapter" in message
    assert changes(lab.log(since=before)) == []


def test_vios_without_rmc_is_named(twin_factory, run_playbook):
    def rmc_down(data):
        _lpars(data)["b740vio2"]["rmc_state"] = "inactive"
        return data

    lab = twin_factory(mutate=rmc_down)
    rc, facts = run_playbook(role_play({"vios_prepare_systems": [{"name": P740, "vios": ["b740vio2"]}]}), twin=lab)
    assert rc != 0 and facts["failed_task"] == "Check that each VIOS runs with RMC active"
    message = facts["result"]["results"][0]["msg"]
    assert message.startswith(f"b740vio2 on {P740} is Running with RMC inactive.") and "rmcctrl" in message


def test_busy_disks_report_the_vios_to_restart(twin_factory, run_playbook):
    def busy(data):
        disk = next(d for d in _lpars(data)["b740vio1"]["vios"]["disks"] if d["name"] == "hdisk6")
        disk["reserve_policy"] = "single_path"
        return data

    lab = twin_factory(mutate=busy)
    variables = {"vios_prepare_systems": [{"name": P740}], "vios_prepare_lpars": ["b740lp1"]}
    rc, facts = run_playbook(role_play(variables), twin=lab)
    assert rc == 0, facts
    assert facts["vios_prepare_reboot_required"] == [{"system": P740, "vios": "b740vio1", "pending_devices": ["hdisk6"]}]


def test_the_playbook(twin_factory, run_playbook, tmp_path):
    lab = twin_factory(mutate=_field_lab)
    connection = lab.module_defaults()
    extra = {f"powervm_{key}": connection[key] for key in ("hmc_host", "hmc_port", "hmc_user", "hmc_password")}
    extra.update(powervm_known_hosts=connection["known_hosts"], vios_prepare_systems=[{"name": P740}],
                 vios_prepare_all_disks=True)
    before = lab.last_seq()
    rc, _ = run_playbook(str(PLAYBOOK), extra, twin=lab)
    assert rc == 0
    sent = changes(lab.log(since=before))
    assert ["b740vio2", "chdev", "-dev", "hdisk2", "-attr", "reserve_policy=no_reserve"] in sent
    assert not any(argv[3] == "hdisk0" for argv in sent if argv[1:2] == ["chdev"])  # internal rootvg disk left alone
    assert "b740vio2,1,1" in msp_flags(lab, P740)
