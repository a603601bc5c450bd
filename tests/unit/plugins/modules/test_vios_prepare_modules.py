# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The vios_msp, vios_device and hmc_trust modules: arguments, result shape, check and diff mode, failures, no_log."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ansible_collections.powervm.lpm.plugins.modules import hmc_trust, vios_device, vios_msp
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.prepare_replay import SequenceClient

testing = pytest.importorskip("ansible.module_utils.testing")
pytest.importorskip("paramiko")

P740 = "p740-Server-8205-E6B-SN10934CP"
BASE = {"hmc_host": "bpichmc", "hmc_password": "abc123"}


@dataclasses.dataclass
class Run:
    result: dict
    clients: list
    out: str


def run_module(module, case, monkeypatch, capsys, check_mode=False, diff=False, **args):
    clients = []

    def connect(module_, **kwargs):  # pylint: disable=unused-argument
        clients.append(SequenceClient(case))
        return clients[-1]

    monkeypatch.setattr(module, "client_from_module", connect)
    params = dict(BASE, **args)
    if check_mode:
        params["_ansible_check_mode"] = True
    if diff:
        params["_ansible_diff"] = True
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    return Run(json.loads(out), clients, out)


def test_vios_msp_check_mode_with_diff(monkeypatch, capsys):
    run = run_module(vios_msp, "msp", monkeypatch, capsys, check_mode=True, diff=True, system=P740, vios="b740vio2", msp=True,
                     time_ref=True)
    result, (client,) = run.result, run.clients
    assert result["changed"] is True and "failed" not in result
    assert result["commands"] == [f"chsyscfg -r lpar -m {P740} -i name=b740vio2,msp=1,time_ref=1"]
    assert result["diff"] == {"before": {"msp": False, "time_ref": False}, "after": {"msp": True, "time_ref": True}}
    assert (result["msp"], result["time_ref"], result["vios"]) == (True, True, "b740vio2")
    assert not any(line.startswith("chsyscfg") for line in client.sent())


def test_vios_msp_without_diff_mode_has_no_diff(monkeypatch, capsys):
    result = run_module(vios_msp, "msp", monkeypatch, capsys, check_mode=True, system=P740, vios="b740vio2", msp=True).result
    assert "diff" not in result and result["commands"] == [f"chsyscfg -r lpar -m {P740} -i name=b740vio2,msp=1"]


def test_vios_msp_needs_a_flag(monkeypatch, capsys):
    run = run_module(vios_msp, "msp", monkeypatch, capsys, system=P740, vios="b740vio2")
    assert run.result["failed"] is True and "one of the following is required: msp, time_ref" in run.result["msg"] and run.clients == []


def test_vios_device_failure_keeps_the_devices_and_commands(monkeypatch, capsys):
    result = run_module(vios_device, "device_busy_no_perm", monkeypatch, capsys, system=P740, vios="b740vio1",
                        devices=["hdisk6", "hdisk2"], attributes={"queue_depth": "16"}, allow_perm=False).result
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("hdisk6: hdisk6 is busy (AIX 0514-062) and allow_perm is false")
    assert result["commands"] == [f"viosvrcmd -m {P740} -p b740vio1 -c 'chdev -dev hdisk2 -attr queue_depth=16'"]
    assert result["devices"]["hdisk2"]["changed"] is True and result["devices"]["hdisk6"]["error"]
    assert result["reboot_required"] is False and "diff" not in result


def test_vios_device_alias_and_diff(monkeypatch, capsys):
    result = run_module(vios_device, "device_free", monkeypatch, capsys, check_mode=True, diff=True, system=P740,
                        vios="b740vio2", device="hdisk2", attributes={"reserve_policy": "no_reserve"}).result
    assert result["changed"] is True and list(result["devices"]) == ["hdisk2"]
    assert result["diff"]["after"] == {"hdisk2": {"reserve_policy": "no_reserve"}}


@pytest.mark.parametrize("args, message", [
    ({"devices": ["hdisk2"], "select": {"type": "disk"}}, "parameters are mutually exclusive: devices|select"),
    ({}, "one of the following is required: devices, select"),
    ({"select": {"type": "disk", "backing_of_lpars": ["a"]}}, "mutually exclusive: backing_of_lpars|type"),
    ({"select": {"type": "tape"}}, "value of type must be one of: disk, san_disk"),
])
def test_vios_device_argument_errors(monkeypatch, capsys, args, message):
    run = run_module(vios_device, "device_free", monkeypatch, capsys, system=P740, vios="b740vio2",
                     attributes={"reserve_policy": "no_reserve"}, **args)
    assert run.result["failed"] is True and message in run.result["msg"] and run.clients == []


def test_hmc_trust_masks_the_remote_password(monkeypatch, capsys):
    run = run_module(hmc_trust, "trust", monkeypatch, capsys, remote_hmc="127.0.0.2", remote_password="Wrong-Pw-0093")
    result, out = run.result, run.out
    assert result["failed"] is True and result["hscl_code"] == "HSCL3652"
    assert result["cmd"] == "mkauthkeys --ip 127.0.0.2 -u hscroot --passwd '********'"
    assert "Wrong-Pw-0093" not in out
