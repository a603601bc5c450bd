# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evacuation's policies at the edges: what the deadline says and holds when nothing runs, and stop on failure."""

from __future__ import annotations

import pathlib
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps
from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, RUNNING, WAITING, Dispatcher, PlanClock, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_run import run
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, HookGate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.evac_fake import FakeEvacHmc
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple

T0 = 1_773_522_000.0  # 2026-03-14T21:00:00Z


def entry(lpar: str, order: int, start: float, end: float) -> Entry:
    return Entry(lpar, "src", "tgt", "active", None, "vio1", "t-vio1", order, start, end)


def dispatcher(entries: list[Entry], deadline: float | None = None, gate: HookGate = HookGate(), groups=None) -> tuple[Dispatcher, list[Track]]:
    tracks = [Track(e) for e in entries]
    hooks = Hooks(gate, groups or {}, "/nonexistent/hooks.json")
    hooks.refresh()
    return Dispatcher(tracks, Caps(None, {}, {}, None, groups or {}), hooks, PlanClock(T0, 1.0), 1.0, 1.0, deadline), tracks


def test_a_partition_left_for_the_deadline_says_when_it_was_due_its_predicted_end_and_the_deadline():
    d, (a, b) = dispatcher([entry("a", 0, 0, 50), entry("b", 1, 0, 190)], deadline=T0 + 120)
    choice = d.choose(T0)
    assert [t.lpar for t in choice.start] == ["a"] and [t.lpar for t in choice.left] == ["b"]
    assert b.reason == "deadline"
    assert b.note == ("not started at 2026-03-14T21:00:00+00:00: predicted to take 190 s and end at 2026-03-14T21:03:10+00:00, "
                      "after the deadline 2026-03-14T21:02:00+00:00")  # fmt: skip


def test_when_nothing_runs_a_timed_migration_still_has_to_fit_before_the_deadline():
    # a is too long; b (planned at +100 s, 700 s) too; c (planned at +200 s, 40 s) fits: nothing runs, so c starts now
    d, (a, b, c) = dispatcher([entry("a", 0, 0, 500), entry("b", 1, 100, 800), entry("c", 2, 200, 240)], deadline=T0 + 100)
    choice = d.choose(T0)
    assert [t.lpar for t in choice.left] == ["a", "b"] and [t.lpar for t in choice.start] == ["c"]
    assert (a.state, b.state, c.state) == (LEFT, LEFT, RUNNING) and b.reason == "deadline"
    assert d.stuck(hooks_pending=False) == []


def test_when_nothing_runs_a_timed_migration_still_waits_for_its_pre_hook():
    d, (a,) = dispatcher([entry("a", 0, 100, 150)], gate=HookGate(pre=("db",)), groups={"db": ("a",)})
    choice = d.choose(T0)
    assert choice.start == [] and choice.hooks_due == ["db"] and a.state == WAITING


def setup_sequential(tmp_path: pathlib.Path, **params: Any) -> tuple[FakeEvacHmc, Any, dict[str, Any], dict[str, Any]]:
    """Three partitions planned one after another (policy max_concurrent 1)."""
    estate = simple(targets=2, lpars=(("a", 8192), ("b", 16384), ("c", 4096))).build()
    policy = {"max_concurrent": 1}
    plan = evacuation_plan(estate, "src", None, policy_from(policy), physics_from({})).as_dict()
    values = {k: v.get("default") for k, v in ARGSPEC.items()}
    values.update(plan=plan, source_system="src", state_dir=str(tmp_path / "state"), poll_interval=0.05, clock_scale=1000.0, policy=policy)
    values.update(params)
    return FakeEvacHmc(estate), options_of(values), plan, estate


def test_stop_on_failure_keeps_the_failed_partition_with_its_error_and_starts_nothing_more(tmp_path):
    hmc, options, plan, estate = setup_sequential(tmp_path, stop_on_failure=True)
    first, *rest = [m["lpar"] for m in sorted(plan["plan"], key=lambda m: m["order"])]
    hmc.script(first, "fail")
    outcome = run(hmc, options, plan, estate, {"max_concurrent": 1})
    assert hmc.sent() == [first] and hmc.sent("r") == [first]  # no retry, nothing else sent
    state = {x["lpar"]: (x["state"], x["reason"]) for x in outcome.lpars}
    assert state == {first: ("left", "recovered"), **{n: ("left", "skipped") for n in rest}}
    left = {x["lpar"]: x["detail"] for x in outcome.record["left"]}
    assert "not tried again: stop_on_failure is set" in left[first]
    assert all(left[n] == "not started: a migration failed and stop_on_failure is set" for n in rest)
    assert sorted(outcome.failed_lpars) == sorted([first, *rest])


def test_without_stop_on_failure_the_failed_partition_is_retried_and_the_others_move(tmp_path):
    hmc, options, plan, estate = setup_sequential(tmp_path)
    first = min(plan["plan"], key=lambda m: m["order"])["lpar"]
    hmc.script(first, "fail")
    outcome = run(hmc, options, plan, estate, {"max_concurrent": 1})
    assert hmc.sent().count(first) == 2 and {x["state"] for x in outcome.lpars} == {"moved"}
