# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What follows a failed migration, the module's parameters, the post-checks and the record."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._evac_journal import fold
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, options_of, parse_deadline
from ansible_collections.powervm.lpm.plugins.module_utils._evac_postcheck import Seen, check_moved, check_source
from ansible_collections.powervm.lpm.plugins.module_utils._evac_record import build
from ansible_collections.powervm.lpm.plugins.module_utils._evac_retry import GiveUp, Retry, Setting, decide, failure_kind
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import setting as plan_setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple


def retry_setting(targets: int = 2, **estate_options: Any) -> Setting:
    estate = simple(targets=targets, lpars=(("a", 8192), ("b", 4096)))
    for name, value in estate_options.items():
        estate.sys(name)["available_mem_mb"] = value
    s = plan_setting(estate.build(), "src", None, policy_from({}), physics_from({}))
    return Setting(s.source, s.targets, {p.name: p for p in s.parts}, s.policy)


def failed(message: str, code: str | None = None, recovered: bool = False, target: str = "t1") -> MigrationResult:
    result = MigrationResult("a", "src", target)
    result.fail(message)
    result.hscl_code, result.recovered = code, recovered
    return result


def no_load(_target: str, _pair: tuple[str, str]) -> int:
    return 0


def test_failure_kinds():
    assert failure_kind(failed("the migration failed (migration_state: Migration Failed)")) == "runtime"
    assert failure_kind(failed("migrlpar -o m failed with rc=1", "HSCLA244")) == "msp"
    assert failure_kind(failed("migrlpar -o m failed with rc=1", "HSCLA228")) == "target"


def test_a_runtime_failure_moves_to_the_other_msp_pair_then_the_same_one():
    s = retry_setting()
    tried = [("t1", "src-vio1", "t1-vio1")]
    decision = decide(failed("x", "HSCLA24B", recovered=True), "active", 1, 3, tried, s, True, None, no_load)
    assert decision == Retry("t1", "src-vio2", "t1-vio2", "other_msp_pair")
    every = [("t1", a, b) for a in ("src-vio1", "src-vio2") for b in ("t1-vio1", "t1-vio2")]
    decision = decide(failed("x", "HSCLA24B", recovered=True), "active", 2, 3, every, s, True, None, no_load)
    assert decision == Retry("t1", "src-vio2", "t1-vio2", "same_msp_pair")


def test_a_refusal_by_the_target_replans_the_partition_on_another_target_with_room():
    s = retry_setting(targets=3, t3=1024)  # t3 has no room for a
    capacity = Capacity.of(s.targets.values(), s.policy)
    decision = decide(failed("no memory", "HSCLA228"), "active", 1, 3, [("t1", "", "")], s, True, capacity, no_load)
    assert isinstance(decision, Retry) and decision.target == "t2" and decision.reason == "other_target"
    assert (decision.source_msp, decision.dest_msp) == ("src-vio1", "t2-vio1")
    gone = decide(failed("no memory", "HSCLA228"), "active", 2, 3, [("t1", "", ""), ("t2", "", "")], s, True, capacity, no_load)
    assert isinstance(gone, GiveUp) and "no other allowed target" in gone.detail
    off = decide(failed("no memory", "HSCLA228"), "active", 1, 3, [("t1", "", "")], s, False, capacity, no_load)
    assert isinstance(off, GiveUp) and "retry_other_target is off" in off.detail


def test_partitions_are_given_up_on_when_a_retry_cannot_help():
    s = retry_setting()
    unrecovered = failed("the migration failed", "HSCLA24B")
    unrecovered.recovery_message = "migrlpar -o r failed with rc=1: busy"
    assert decide(unrecovered, "active", 1, 3, [], s, True, None, no_load) == GiveUp("failed", "the migration failed; migrlpar -o r failed with rc=1: busy")
    slow = decide(failed("the migration did not finish within 60 s; it may still be running on the HMC"), "active", 1, 3, [], s, True, None, no_load)
    assert isinstance(slow, GiveUp) and "a rerun follows it" in slow.detail
    many = decide(failed("x", "HSCLA24B", recovered=True), "active", 3, 3, [], s, True, None, no_load)
    assert many.reason == "recovered" and many.detail.startswith("quarantined after 3 attempts")


def test_module_parameters():
    values = {k: v.get("default") for k, v in ARGSPEC.items()}
    values.update(plan={"plan": []}, source_system="src", policy={"disruption_groups": [{"name": "db", "members": ["a", "b"]}]},
                  hooks={"pre": ["db"], "post": [], "abort_on_failure": ["db"]}, deadline="2026-03-14T22:00:00+01:00")  # fmt: skip
    options = options_of(values)
    assert options.groups == {"db": ("a", "b")} and options.hooks.pre == ("db",) and options.name == "src"
    assert options.deadline == parse_deadline("2026-03-14T21:00:00Z")
    with pytest.raises(HmcInputError, match="has no timezone"):
        parse_deadline("2026-03-14T22:00:00")
    with pytest.raises(HmcInputError, match="the policy does not define: web"):
        options_of({**values, "hooks": {"pre": ["web"], "post": [], "abort_on_failure": []}})
    with pytest.raises(HmcInputError, match="clock_scale must be greater than 0"):
        options_of({**values, "clock_scale": 0})


def test_post_checks_of_a_moved_partition_and_of_the_source():
    seen = {"t1": {"a": Seen("t1", "Running", "aixlinux", "active", ""), "b": Seen("t1", "Running", "aixlinux", "inactive", "B2001230")},
            "src": {"nim": Seen("src", "Running", "aixlinux", "active", ""), "vio1": Seen("src", "Running", "vioserver", "active", "")}}  # fmt: skip
    assert [c["ok"] for c in check_moved("a", "active", "t1", "src", seen)] == [True, True, True, True]
    checks = {c["check"]: c for c in check_moved("b", "active", "t1", "src", seen)}
    assert not checks["rmc"]["ok"] and not checks["refcode"]["ok"] and checks["refcode"]["detail"] == "reference code 'B2001230'"
    assert check_moved("c", "inactive", "t1", "src", seen)[0]["ok"] is False
    assert check_source("src", seen, ["nim"])["ok"] is True
    assert check_source("src", seen, [])["detail"] == "also holds nim"


def test_the_record_keeps_the_last_result_of_each_partition_and_what_stays():
    planner = {"plan": [{"lpar": "a", "target_system": "t1", "start_s": 0, "end_s": 10, "predicted_mb": 1.0}], "eta_seconds": 10.0,
               "lb": {"lb_seconds": 9.0, "lb_src": 9.0, "lb_dst_min": 1.0, "lb_long": 2.0, "lb_slot": 3.0, "bottleneck": {"term": "source_egress"}},
               "unmovable": [{"lpar": "nim", "reason": "physical_io", "detail": "slot"}, {"lpar": "dev1", "reason": "excluded", "detail": ""}]}  # fmt: skip
    entry = {"lpar": "a", "target": "t1", "state": "moved", "start": 0.0, "end": 9.5}
    state = fold([
        ("run", {"started": "2026-03-14T21:00:00+00:00"}), ("plan", {"plan": planner}),
        ("result", {"lpar": "a", "status": "failed", "entry": {**entry, "state": "failed"}}), ("left", {"lpar": "a", "reason": "failed"}),
        ("result", {"lpar": "a", "status": "migrated", "entry": entry}), ("left", {"lpar": "x", "reason": "deadline", "detail": "late"}),
    ])  # fmt: skip
    record = build(state, "src", ["t1"], "w", "/m.json", {"dev1": "not ready"})
    assert record["migrations"] == [entry]
    assert [(x["lpar"], x["reason"]) for x in record["left"]] == [("x", "deadline"), ("nim", "unmovable"), ("dev1", "unmovable")]
    assert record["left"][2]["detail"] == "preflight: not ready" and record["plan"]["lb"]["bottleneck"] == "lb_src"
    assert record["ended"] is None and record["manifest_path"] == "/m.json"
