# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The estate_info module: arguments, result, check mode and the scenario file (recorded twin output)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.powervm.lpm.plugins.modules import estate_info
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

pytest.importorskip("paramiko")
testing = pytest.importorskip("ansible.module_utils.testing")

BASE = {"hmc_host": "bpichmc", "hmc_password": "abc123"}


def run_module(monkeypatch, capsys, transcript="seed-lab", check_mode=False, **args):
    clients = []

    def replay(module, **kwargs):
        clients.append(ReplayClient(load_transcript(transcript)))
        return clients[-1]

    monkeypatch.setattr(estate_info, "client_from_module", replay)
    params = dict(BASE, **args)
    if check_mode:
        params["_ansible_check_mode"] = True
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        estate_info.main()
    return json.loads(capsys.readouterr().out), clients


def test_reads_the_estate(monkeypatch, capsys):
    result, clients = run_module(monkeypatch, capsys)
    assert result["changed"] is False and "failed" not in result
    assert sorted(result["estate"]["systems"]) == ["p740-Server-8205-E6B-SN10934CP", "p750-Server-8233-E8B-SN069348P"]
    assert result["stats"]["commands"] == len(result["commands"]) == 74
    assert result["stats"]["connections"] == 1
    assert "scenario_file" not in result
    assert len(clients) == 1


def test_options_reach_the_gathering(monkeypatch, capsys):
    result, _client = run_module(monkeypatch, capsys, systems=["8205-E6B*10934CP"], vios_disks="all")
    assert list(result["estate"]["systems"]) == ["p740-Server-8205-E6B-SN10934CP"]
    assert result["estate"]["systems"]["p740-Server-8205-E6B-SN10934CP"]["partitions"]["b740vio2"]["vios"]["disks"]["hdisk3"]["unique_id"]


def test_unknown_system_fails(monkeypatch, capsys):
    result, _client = run_module(monkeypatch, capsys, systems=["nope"])
    assert result["failed"] is True
    assert "not managed by this HMC: nope" in result["msg"]
    assert result["error_type"] == "HmcInputError"


def test_warnings_are_shown(monkeypatch, capsys):
    shown = []
    # module.warn() goes to the result, or to the display once controller code is loaded in this process
    monkeypatch.setattr(estate_info.AnsibleModule, "warn", lambda self, warning: shown.append(warning))
    result, _client = run_module(monkeypatch, capsys, transcript="seed-lab-degraded")
    assert shown == result["estate"]["warnings"]
    assert shown[1] == "p750-Server-8233-E8B-SN069348P: b750vio2: VIOS details not read: RMC is inactive, not active"


def test_scenario_file_written_once(monkeypatch, capsys, tmp_path):
    path = tmp_path / "twin.yaml"
    first, _client = run_module(monkeypatch, capsys, scenario_file=str(path))
    assert first["scenario_written"] is True and first["scenario_file"] == str(path) and first["changed"] is False
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "name: estate-bpichmc" in path.read_text()
    second, _client = run_module(monkeypatch, capsys, scenario_file=str(path))
    assert second["scenario_written"] is False


def test_check_mode_does_not_write(monkeypatch, capsys, tmp_path):
    path = tmp_path / "twin.yaml"
    result, _client = run_module(monkeypatch, capsys, check_mode=True, scenario_file=str(path))
    assert result["scenario_written"] is False and result["stats"]["commands"] == 74
    assert not path.exists()


def test_unwritable_scenario_file_fails(monkeypatch, capsys, tmp_path):
    result, _client = run_module(monkeypatch, capsys, scenario_file=str(tmp_path / "missing" / "twin.yaml"))
    assert result["failed"] is True and result["msg"].startswith("cannot write scenario_file")


def test_password_is_not_returned(monkeypatch, capsys):
    result, _client = run_module(monkeypatch, capsys)
    assert "abc123" not in json.dumps({k: v for k, v in result.items() if k != "invocation"})
