# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A malformed estate (a facts file, a fact, a registered result) is explained field by field with its path."""

from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._estate_check import MAX_PROBLEMS, estate_problems, shape_message, type_refusal
from ansible_collections.powervm.lpm.plugins.modules import evacuation, evacuation_plan, preflight
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

pytest.importorskip("paramiko")
testing = pytest.importorskip("ansible.module_utils.testing")

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
NL2 = f"estate.systems.{P750}.partitions.b750nl2"


@pytest.fixture(scope="module")
def seed():
    return gather(ReplayClient(load_transcript("seed-lab")), GatherOptions(host="bpichmc")).estate


@pytest.mark.parametrize("name", ["seed-lab", "seed-lab-degraded", "seed-lab-grown"])
def test_gathered_estates_have_no_problem(name):
    estate = gather(ReplayClient(load_transcript(name)), GatherOptions(host="bpichmc")).estate
    assert estate_problems(estate) == []
    assert estate_problems(json.loads(json.dumps(estate))) == []  # as read back from a JSON or YAML file


def _broken(seed, change):
    estate = copy.deepcopy(seed)
    change(estate)
    return estate


def _nl2(estate):
    return estate["systems"][P750]["partitions"]["b750nl2"]


@pytest.mark.parametrize("change, expected", [
    (lambda e: e["systems"][P740].pop("lmb_mb"), f"estate.systems.{P740}.lmb_mb: is required"),
    (lambda e: _nl2(e)["memory"].update(current_mb="lots"), f"{NL2}.memory.current_mb: expected an integer or null, got a string ('lots')"),
    (lambda e: _nl2(e)["memory"].update(current_mb=True), f"{NL2}.memory.current_mb: expected an integer or null, got a boolean (true)"),
    (lambda e: _nl2(e).update(id=None), f"{NL2}.id: expected an integer, got null"),
    (lambda e: _nl2(e)["virtual_eth"][0].update(addl_vlan_ids="10,20"), f"{NL2}.virtual_eth[0].addl_vlan_ids: expected a list, got a string ('10,20')"),
    (lambda e: _nl2(e)["virtual_fc"][1]["wwpns"].append(7), f"{NL2}.virtual_fc[1].wwpns[2]: expected a string, got an integer (7)"),
    (lambda e: _nl2(e).update(profile=[]), f"{NL2}.profile: expected a mapping or null, got a list"),
    (lambda e: _nl2(e).update(msp="no"), f"{NL2}.msp: expected true or false or null, got a string ('no')"),
    (lambda e: e["systems"][P750].update(partitions=["b750nl2"]), f"estate.systems.{P750}.partitions: expected a mapping, got a list"),
    (lambda e: e["systems"][P750]["capabilities"].update(x_capable="yes"),
     f"estate.systems.{P750}.capabilities.x_capable: expected true or false or null, got a string ('yes')"),
    (lambda e: e.pop("hmc"), "estate.hmc: is required"),
], ids=["missing", "string", "bool-for-int", "null", "list", "list-item", "optional-record", "flag", "partitions", "union",
        "hmc"])
def test_each_problem_names_its_path(seed, change, expected):
    assert estate_problems(_broken(seed, change)) == [expected]


def test_nullable_fields_and_unknown_keys_pass(seed):
    def change(estate):
        _nl2(estate).update(profile=None, rmc_ipaddr=None, added_in_a_later_release={"x": 1})
        estate["systems"][P740]["available_proc_units"] = 3  # an integer is a number
    assert estate_problems(_broken(seed, change)) == []


def test_registered_results_and_lists_of_estates(seed):
    broken = _broken(seed, lambda e: e["systems"][P740].pop("lmb_mb"))
    assert estate_problems({"changed": False, "estate": broken}) == [f"estate.estate.systems.{P740}.lmb_mb: is required"]
    assert estate_problems([seed, broken, "facts"]) == [f"estate[1].systems.{P740}.lmb_mb: is required",
                                                        "estate[2]: expected a mapping, got a string ('facts')"]


def test_problems_are_capped(seed):
    def change(estate):
        for part in estate["systems"][P750]["partitions"].values():
            part["memory"] = {}
    problems = estate_problems(_broken(seed, change))
    assert len(problems) == MAX_PROBLEMS and all(".memory." in p and p.endswith(": is required") for p in problems)


def test_the_message_leads_with_the_first_problem(seed):
    broken = _broken(seed, lambda e: (e["systems"][P740].pop("lmb_mb"), e["systems"][P750].pop("serial")))
    message, problems = shape_message(broken, KeyError("serial"))
    assert len(problems) == 2
    assert message == (f"the estate does not have the shape powervm.lpm.estate_info returns (KeyError: 'serial'): {problems[0]}"
                       " (and 1 more, see problems)")
    assert shape_message(seed, TypeError("odd"), lead="lead")[0] == "lead (TypeError: odd)"


def test_evacuation_plan_names_the_bad_field(seed, capsys):
    broken = _broken(seed, lambda e: e["systems"][P740].pop("available_mem_mb"))
    with testing.patch_module_args({"estate": broken, "source_system": P750}), pytest.raises(SystemExit):
        evacuation_plan.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] is True
    assert result["msg"].startswith("the estate facts are not in the shape estate_info returns (KeyError: 'available_mem_mb'): ")
    assert result["problems"] == [f"estate.systems.{P740}.available_mem_mb: is required"]


def test_type_refusal_counts_wrong_types_only(seed):
    assert type_refusal(seed) == ("", [])
    older = _broken(seed, lambda e: e["systems"][P740].pop("lmb_mb"))  # facts of an older release: explained on failure only
    assert type_refusal(older) == ("", [])
    broken = _broken(seed, lambda e: (_nl2(e)["memory"].update(current_mb=True), _nl2(e).update(id=4.5), e["systems"][P740].pop("lmb_mb")))
    message, problems = type_refusal(broken)
    assert problems == [f"{NL2}.id: expected an integer, got a number (4.5)",
                        f"{NL2}.memory.current_mb: expected an integer or null, got a boolean (true)"]
    assert message == f"the estate does not have the shape powervm.lpm.estate_info returns: {problems[0]} (and 1 more, see problems)"


# A value a module could compute with without any error: a boolean or a fraction where an integer belongs.
SILENT = [
    (lambda e: _nl2(e)["memory"].update(current_mb=True), f"{NL2}.memory.current_mb: expected an integer or null, got a boolean (true)"),
    (lambda e: _nl2(e)["memory"].update(current_mb=8192.5), f"{NL2}.memory.current_mb: expected an integer or null, got a number (8192.5)"),
    (lambda e: e["systems"][P740].update(available_mem_mb="65536"),
     f"estate.systems.{P740}.available_mem_mb: expected an integer or null, got a string ('65536')"),
]


def _module_result(module, params, capsys, monkeypatch=None):
    if monkeypatch is not None and hasattr(module, "client_from_module"):
        def no_connection(*_args, **_kwargs):
            raise AssertionError("connected to the HMC with a refused estate")
        monkeypatch.setattr(module, "client_from_module", no_connection)
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("change, expected", SILENT, ids=["bool", "fraction", "string"])
def test_evacuation_plan_refuses_a_wrong_type_before_planning(seed, capsys, change, expected):
    good = _module_result(evacuation_plan, {"estate": seed, "source_system": P750}, capsys)
    assert "failed" not in good and any(e["lpar"] == "b750nl2" for e in good["plan"])  # the same call plans a sound estate
    result = _module_result(evacuation_plan, {"estate": _broken(seed, change), "source_system": P750}, capsys)
    assert result["failed"] is True and "plan" not in result
    assert result["problems"] == [expected]
    assert result["msg"] == f"the estate facts are not in the shape estate_info returns: {expected}"


@pytest.mark.parametrize("change, expected", SILENT, ids=["bool", "fraction", "string"])
def test_preflight_refuses_a_wrong_type_before_checking(seed, capsys, monkeypatch, change, expected):
    params = {"hmc_host": "bpichmc", "hmc_password": "abc123", "lpars": ["b750nl2"], "target_system": P740, "hmc_validation": False}
    result = _module_result(preflight, dict(params, estate=[{"changed": False, "estate": _broken(seed, change)}]), capsys, monkeypatch)
    where = expected.replace("estate.", "estate[0].estate.", 1)
    assert result["failed"] is True and result["problems"] == [where] and "pairs" not in result
    assert result["msg"] == f"the estate does not have the shape powervm.lpm.estate_info returns: {where}"


def test_evacuation_refuses_a_wrong_type_before_connecting(seed, capsys, monkeypatch, tmp_path):
    change, expected = SILENT[0]
    params = {"hmc_host": "bpichmc", "hmc_password": "abc123", "plan": {"plan": []}, "source_system": P750,
              "state_dir": str(tmp_path), "estate": _broken(seed, change)}
    result = _module_result(evacuation, params, capsys, monkeypatch)
    assert result["failed"] is True and result["problems"] == [expected]
    assert list(tmp_path.iterdir()) == []  # no journal, lock or progress file
