# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.hmc_trust against a two-HMC twin: seed-lab with a second HMC managing the p740."""

from __future__ import annotations

import json

import pytest

from conftest import REMOTE_HMC_PASSWORD as REMOTE_PASSWORD
from conftest import SECRETS

P740 = "p740-Server-8205-E6B-SN10934CP"
REMOTE, REMOTE_ADDRESS = "hmc740", "127.0.0.2"


def _second_hmc(data):
    data["hmcs"].append({"name": REMOTE, "ipaddr": REMOTE_ADDRESS, "version": "V7R7.8.0", "service_pack": "2",
                         "users": [{"name": "hscroot", "password": REMOTE_PASSWORD}]})
    for system in data["systems"]:
        if system["name"] == P740:
            system["hmc"] = REMOTE
    return data


@pytest.fixture(scope="module")
def lab(twin_factory):
    twin = twin_factory(mutate=_second_hmc)
    assert sorted(twin.info["hmcs"]) == sorted(["bpichmc", REMOTE]) and twin.hmc == "bpichmc"
    return twin


def trust_task(**options):
    spec = {"remote_hmc": REMOTE_ADDRESS, "remote_user": "hscroot", "remote_password": REMOTE_PASSWORD, **options}
    return [{"name": "trust", "diff": True, "powervm.lpm.hmc_trust": spec}]


def mkauthkeys(log):
    return [entry["argv"] for entry in log if entry["argv"][:1] == ["mkauthkeys"]]


def test_ladder(lab, run_playbook):
    masked = f"mkauthkeys --ip {REMOTE_ADDRESS} -u hscroot --passwd '********'"
    test = ["mkauthkeys", "--ip", REMOTE_ADDRESS, "-u", "hscroot", "--test"]

    before = lab.last_seq()
    rc, (result,) = run_playbook(trust_task(), twin=lab, check=True)
    assert rc == 0 and result["changed"] is True and result["commands"] == [masked]
    assert result["diff"] == {"before": {"trusted": False}, "after": {"trusted": True}}
    assert mkauthkeys(lab.log(since=before)) == [test]

    before = lab.last_seq()
    rc, (result,) = run_playbook(trust_task(), twin=lab)
    assert rc == 0 and result["changed"] is True and result["trusted"] is True and result["commands"] == [masked]
    log = lab.log(since=before)
    assert mkauthkeys(log) == [test, ["mkauthkeys", "--ip", REMOTE_ADDRESS, "-u", "hscroot", "--passwd", "********"], test]
    assert REMOTE_PASSWORD not in json.dumps(log) and REMOTE_PASSWORD not in json.dumps(result)

    for check in (True, False):
        before = lab.last_seq()
        rc, (result,) = run_playbook(trust_task(), twin=lab, check=check)
        assert rc == 0 and result["changed"] is False and result["commands"] == [] and result["trusted"] is True
        assert mkauthkeys(lab.log(since=before)) == [test]


def test_tested_state_fails_without_trust(lab, run_playbook):
    before = lab.last_seq()
    rc, (result,) = run_playbook(trust_task(remote_user="otheruser", state="tested"), twin=lab)
    assert rc != 0 and result["trusted"] is False
    assert "no SSH key trust to 127.0.0.2 for user otheruser" in result["msg"] and "HSCL3653" in result["msg"]
    assert mkauthkeys(lab.log(since=before)) == [["mkauthkeys", "--ip", REMOTE_ADDRESS, "-u", "otheruser", "--test"]]


def test_wrong_password_is_masked(lab, run_playbook):
    wrong = SECRETS.register("wrong_remote_password")
    rc, (result,) = run_playbook(trust_task(remote_user="operator", remote_password=wrong), twin=lab)
    assert rc != 0 and result["hscl_code"] == "HSCL3652"
    assert "--passwd '********'" in result["cmd"]
    assert wrong not in json.dumps(result) and wrong not in json.dumps(lab.log())
