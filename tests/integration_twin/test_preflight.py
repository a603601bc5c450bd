# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.preflight, the preflight role and playbooks/preflight.yml against the HMC twin over SSH."""

from __future__ import annotations

import json
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = REPO / "playbooks" / "preflight.yml"
P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"


def _lpar(data, system, name):
    ms = next(s for s in data["systems"] if s["name"] == system)
    return next(lp for lp in ms["lpars"] if lp["name"] == name)


def target_reserve(data):
    disk = next(d for d in _lpar(data, P740, "b740vio1")["vios"]["disks"] if d["name"] == "hdisk2")
    disk["reserve_policy"] = "single_path"


def target_vlan(data):
    for name in ("b740vio1", "b740vio2"):
        trunk = next(a for a in _lpar(data, P740, name)["eth"] if a.get("is_trunk"))
        trunk["addl_vlan_ids"] = [v for v in trunk["addl_vlan_ids"] if v != 10]


def lpar_rmc(data):
    _lpar(data, P750, "b750nl2")["rmc_state"] = "inactive"


def lmb(data):
    next(s for s in data["systems"] if s["name"] == P740)["lmb_mb"] = 128


def target_memory(data):
    next(s for s in data["systems"] if s["name"] == P740)["installed_mem_mb"] = 30000


def reserve_and_rmc(data):
    target_reserve(data)
    lpar_rmc(data)


def preflight_task(**options):
    args = {"lpars": ["b750nl2"], **({} if "target_systems" in options else {"target_system": P740}), **options}
    return [{"name": "preflight", "powervm.lpm.preflight": args}]


def playbook_vars(twin, report, **extra):
    defaults = twin.module_defaults()
    return {
        "powervm_hmc_host": defaults["hmc_host"], "powervm_hmc_port": defaults["hmc_port"], "powervm_hmc_user": defaults["hmc_user"],
        "powervm_hmc_password": defaults["hmc_password"], "powervm_known_hosts": defaults["known_hosts"],
        "preflight_lpars": ["b750nl2"], "preflight_target_system": P740, "preflight_report_path": str(report), **extra,
    }


def test_healthy_seed_lab_is_ready(twin, run_playbook):
    before = twin.last_seq()
    rc, (result,) = run_playbook(preflight_task())
    assert rc == 0 and result["changed"] is False and result["ready"] is True
    (pair,) = result["pairs"]
    assert (pair["lpar"], pair["source"], pair["target"], pair["kind"]) == ("b750nl2", P750, P740, "active")
    assert pair["errors"] == 0 and pair["warnings"] == 0
    assert pair["hmc_validation"]["ran"] is True and pair["hmc_validation"]["rc"] == 0
    assert result["fixes"] == []
    log = twin.log(since=before)
    assert [e["argv"][:3] for e in log if e["argv"][0] == "migrlpar"] == [["migrlpar", "-o", "v"]]
    assert not any(e["argv"][0].startswith(("ch", "mk", "rm")) for e in log)
    assert len({e["session"].rsplit("/", 1)[0] for e in log}) == 1  # one SSH connection


@pytest.mark.parametrize("mutate, rule, code", [
    (target_reserve, "LPM-STG-003", "HSCLA23B"),
    (target_vlan, "LPM-NET-001", "HSCLA239"),
    (lpar_rmc, "LPM-RMC-001", "HSCLA246"),
    (lmb, "LPM-SYS-005", "HSCLA22A"),
    (target_memory, "LPM-MEM-001", "HSCLA228"),
], ids=["reserve_policy", "vlan", "rmc", "lmb", "memory"])
def test_broken_scenario_gives_rule_and_hmc_code(twin_factory, run_playbook, mutate, rule, code):
    lab = twin_factory(mutate=mutate)
    rc, (result,) = run_playbook(preflight_task(), twin=lab)
    assert rc == 0 and result["ready"] is False
    (pair,) = result["pairs"]
    errors = [f for f in pair["findings"] if f["severity"] == "error"]
    assert [(f["rule"], f["origin"]) for f in errors] == [(rule, "both")]
    assert errors[0]["hmc_codes"] == [code] and errors[0]["hmc_messages"][0].startswith(code)
    assert pair["hmc_validation"]["rc"] != 0
    assert result["fixes"][0]["rule"] == rule and result["fixes"][0]["remediation"]


def test_without_hmc_validation_only_the_rules_speak(twin_factory, run_playbook):
    lab = twin_factory(mutate=target_reserve)
    before = lab.last_seq()
    rc, (result,) = run_playbook(preflight_task(hmc_validation=False), twin=lab, check=True)
    assert rc == 0 and result["ready"] is False
    (finding,) = [f for f in result["pairs"][0]["findings"] if f["severity"] == "error"]
    assert (finding["rule"], finding["origin"], finding["hmc_codes"]) == ("LPM-STG-003", "preflight", [])
    assert not any(e["argv"][0] == "migrlpar" for e in lab.log(since=before))


def test_playbook_and_role_report_and_summary(twin, run_playbook, tmp_path, capsys):
    report = tmp_path / "ready.json"
    rc, _results = run_playbook(PLAYBOOK, playbook_vars(twin, report))
    out = capsys.readouterr().out
    assert rc == 0, out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ready"] is True and data["summary"]["pairs"] == 1 and data["pairs"][0]["lpar"] == "b750nl2"
    assert set(data) == {"ready", "summary", "pairs", "fixes", "fact_warnings", "commands", "stats"}
    assert f"b750nl2 -> {P740} [active]: READY" in out


def test_role_fails_when_not_ready_after_printing_and_writing(twin_factory, run_playbook, tmp_path, capsys):
    lab = twin_factory(mutate=target_reserve)
    report = tmp_path / "not-ready.json"
    rc, _results = run_playbook(PLAYBOOK, playbook_vars(lab, report), twin=lab)
    out = capsys.readouterr().out
    assert rc != 0, out
    assert f"b750nl2 -> {P740} [active]: NOT READY" in out
    assert "1. [error] LPM-STG-003 b740vio1 hdisk2" in out
    assert "1 of 1 partition and target pairs are not ready" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["ready"] is False and data["fixes"][0]["rule"] == "LPM-STG-003"

    rc, _results = run_playbook(PLAYBOOK, playbook_vars(lab, report, preflight_fail_on_not_ready=False), twin=lab)
    assert rc == 0


def test_several_targets_and_the_fix_ranking(twin_factory, run_playbook):
    lab = twin_factory(mutate=reserve_and_rmc)
    rc, (result,) = run_playbook(preflight_task(lpars=["b750nl2", "b750db1", "b750nim"], target_systems=[P740, "8233-E8B*069348P"]), twin=lab)
    assert rc == 0 and len(result["pairs"]) == 6
    home = [p for p in result["pairs"] if p["target"] == P750]
    assert all(p["ready"] and [f["rule"] for f in p["findings"]] == ["LPM-TGT-007"] for p in home)
    # b750nl2 -> p740 needs two fixes, b750nim -> p740 one: the fix that alone makes a pair ready comes first
    ranked = [(f["rank"], f["rule"], f["pairs_affected"], f["pairs_ready_after"]) for f in result["fixes"]]
    assert ranked == [(1, "LPM-LPAR-007", 1, 1), (2, "LPM-RMC-001", 1, 0), (3, "LPM-STG-003", 1, 0)]
    assert [p["ready"] for p in result["pairs"] if p["target"] == P740] == [False, True, False]
