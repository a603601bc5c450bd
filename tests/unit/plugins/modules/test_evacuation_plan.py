# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evacuation_plan module: arguments, result, check mode, baselines and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.modules import evacuation_plan
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple

testing = pytest.importorskip("ansible.module_utils.testing")


def run_module(capsys: pytest.CaptureFixture[str], check_mode: bool = False, **args: Any) -> dict[str, Any]:
    params = {"estate": simple(2, [("a", 8192), ("b", 16384), ("c", 4096)]).build(), "source_system": "src", **args}
    if check_mode:
        params["_ansible_check_mode"] = True
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        evacuation_plan.main()
    return json.loads(capsys.readouterr().out)


def test_plans_and_changes_nothing(capsys):
    result = run_module(capsys)
    assert result["changed"] is False and "failed" not in result
    assert sorted(m["lpar"] for m in result["plan"]) == ["a", "b", "c"]
    assert {m["target_system"] for m in result["plan"]} <= {"t1", "t2"}
    assert result["eta_seconds"] == max(m["end_s"] for m in result["plan"])
    assert result["lb"]["lb_seconds"] > 0 and result["bottleneck"]["term"] in ("source_egress", "longest_migration", "concurrency_slots", "destination_ingress")
    assert result["ratio"] == pytest.approx(result["eta_seconds"] / result["lb"]["lb_seconds"], abs=1e-3)
    assert {u["lpar"]: u["reason"] for u in result["unmovable"]} == {"src-vio1": "vios", "src-vio2": "vios"}
    assert {d["decision"] for d in result["decisions"]} == {"target", "msp_pair", "start", "unmovable"}
    assert "baselines" not in result


def test_check_mode_gives_the_same_plan(capsys):
    assert run_module(capsys, check_mode=True) == run_module(capsys)


def test_policy_physics_and_baselines(capsys):
    result = run_module(
        capsys,
        target_systems=["t2"],
        policy={"exclude": ["c"], "disruption_groups": [{"members": ["a", "b"]}]},
        physics={"t_validate_s": 50.0, "workloads": {"b": {"dirty_rate_mbs": 200.0}}},
        baselines=["serial", "nova"],
    )
    assert [m["target_system"] for m in result["plan"]] == ["t2", "t2"]
    a, b = sorted(result["plan"], key=lambda m: m["start_s"])
    assert b["start_s"] >= a["end_s"]  # a disruption group never overlaps
    assert a["duration_s"] > 50.0 + 30.0 + 10.0 + 30.0
    assert sorted(result["baselines"]) == ["nova", "serial"]
    assert result["baselines"]["serial"]["eta_seconds"] >= result["eta_seconds"]


def test_unknown_source_fails(capsys):
    result = run_module(capsys, source_system="nope")
    assert result["failed"] is True
    assert "source system nope is not in the estate" in result["msg"]


def test_malformed_estate_fails(capsys):
    result = run_module(capsys, estate={"systems": {"src": {"name": "src"}, "t1": {"name": "t1"}}})
    assert result["failed"] is True
    assert "not in the shape estate_info returns" in result["msg"]
