# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The preflight module: arguments, result, check mode, the report file (recorded twin output)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.powervm.lpm.plugins.modules import preflight
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import P740, P750, healthy_facts, replay_client

pytest.importorskip("paramiko")
testing = pytest.importorskip("ansible.module_utils.testing")

BASE = {"hmc_host": "bpichmc", "hmc_password": "abc123", "lpars": ["b750nl2"]}


def run_module(monkeypatch, capsys, scenario="seed-lab", check_mode=False, **args):
    clients = []

    def replay(module, **kwargs):
        clients.append(replay_client(scenario, **kwargs))
        return clients[-1]

    monkeypatch.setattr(preflight, "client_from_module", replay)
    params = dict(BASE, **args)
    if check_mode:
        params["_ansible_check_mode"] = True
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        preflight.main()
    return json.loads(capsys.readouterr().out), clients


def test_ready_pair_and_report_file(monkeypatch, capsys, tmp_path):
    path = tmp_path / "report.json"
    result, clients = run_module(monkeypatch, capsys, target_system=P740, report_path=str(path))
    assert result["changed"] is False and result["ready"] is True and result["report_written"] is True
    assert result["summary"]["pairs"] == 1 and result["pairs"][0]["hmc_validation"]["rc"] == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    assert sorted(data) == ["commands", "fact_warnings", "fixes", "pairs", "ready", "stats", "summary"]
    assert data["pairs"] == result["pairs"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert clients[0].transport.channels == len(result["commands"])


def test_check_mode_runs_the_same_checks_but_writes_nothing(monkeypatch, capsys, tmp_path):
    path = tmp_path / "report.json"
    result, _clients = run_module(monkeypatch, capsys, check_mode=True, scenario="target-reserve", target_systems=[P740], report_path=str(path))
    assert result["ready"] is False and result["report_written"] is False and not path.exists()
    assert result["fixes"][0]["rule"] == "LPM-STG-003" and result["fixes"][0]["fix_key"] == f"LPM-STG-003|{P740}|b740vio1 hdisk2"
    assert result["fix_lines"][0].startswith("1. [error] LPM-STG-003 b740vio1 hdisk2: on VIOS b740vio1 (padmin): chdev -dev hdisk2")


def test_target_system_and_target_systems_are_exclusive(monkeypatch, capsys):
    result, clients = run_module(monkeypatch, capsys, target_system=P740, target_systems=[P740])
    assert result["failed"] is True and "mutually exclusive: target_system|target_systems" in result["msg"]
    result, clients = run_module(monkeypatch, capsys)
    assert result["failed"] is True and "one of the following is required: target_system, target_systems" in result["msg"]
    assert clients == []


def test_estate_without_validation_opens_no_connection(monkeypatch, capsys):
    facts = healthy_facts()
    estate = {"schema_version": 1, "hmc": facts.hmc_of[P750], "systems": facts.systems, "warnings": ["p740: something was not read"]}
    result, clients = run_module(monkeypatch, capsys, target_system=P740, estate=[estate], hmc_validation=False)
    assert clients == [] and result["ready"] is True and result["commands"] == []
    assert result["fact_warnings"] == ["p740: something was not read"]


def test_unknown_partition_fails_with_the_systems_known(monkeypatch, capsys):
    result, _clients = run_module(monkeypatch, capsys, target_system=P740, lpars=["nope"])
    assert result["failed"] is True and result["error_type"] == "HmcInputError"
    assert result["msg"].startswith("partitions not found: nope (managed systems of bpichmc: ")


def test_parallel_sets_the_channels(monkeypatch, capsys):
    seen = {}

    def replay(module, **kwargs):
        seen.update(kwargs)
        return replay_client("seed-lab", **kwargs)

    monkeypatch.setattr(preflight, "client_from_module", replay)
    with testing.patch_module_args(dict(BASE, target_system=P740, parallel=3)), pytest.raises(SystemExit):
        preflight.main()
    assert json.loads(capsys.readouterr().out)["ready"] is True
    assert seen == {"max_channels": 3}


def test_an_estate_of_another_shape_is_refused(monkeypatch, capsys):
    facts = healthy_facts()
    systems = {name: {k: v for k, v in system.items() if k != "lmb_mb"} for name, system in facts.systems.items()}
    estate = {"schema_version": 1, "hmc": facts.hmc_of[P750], "systems": systems, "warnings": []}
    result, _clients = run_module(monkeypatch, capsys, target_system=P740, estate=estate, hmc_validation=False)
    assert result["failed"] is True
    assert result["msg"] == ("the estate does not have the shape powervm.lpm.estate_info returns (KeyError: 'lmb_mb'): "
                             f"estate.systems.{next(iter(systems))}.lmb_mb: is required (and 1 more, see problems)")
    assert sorted(result["problems"]) == sorted(f"estate.systems.{name}.lmb_mb: is required" for name in systems)
