# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The dispatcher: plan order and events, the plan clock, groups, hooks, deadline, caps, stop on failure."""

from __future__ import annotations

import pathlib

from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps
from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, MOVED, RUNNING, WAITING, Dispatcher, PlanClock, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks, write_acks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, HookGate
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity

T0 = 1_000_000.0


def entry(lpar: str, order: int, start: float = 0.0, end: float = 100.0, after: tuple[tuple[str, str], ...] = (), msp: str = "vio1") -> Entry:
    return Entry(lpar, "src", "tgt", "active", None, msp, f"t-{msp}", order, start, end, after)


def make(entries: list[Entry], *, groups=None, gate=HookGate(), acks: pathlib.Path | None = None, deadline=None, stop=False,
         max_concurrent=16, capacities=None, msp_limits=None, pair_cap=None, rate=1.0) -> tuple[Dispatcher, list[Track]]:  # fmt: skip
    tracks = [Track(e) for e in entries]
    caps = Caps(max_concurrent, capacities or {}, msp_limits or {}, pair_cap, groups or {})
    hooks = Hooks(gate, groups or {}, str(acks or "/nonexistent/hooks.json"))
    hooks.refresh()
    return Dispatcher(tracks, caps, hooks, PlanClock(T0, rate), 1.0, 1.0, deadline, stop), tracks


def names(tracks: list[Track]) -> list[str]:
    return [t.lpar for t in tracks]


def test_migrations_start_in_plan_order_once_their_events_happened():
    d, (a, b, c) = make([entry("a", 0), entry("b", 1, 100, 150, (("a", "end"),)), entry("c", 2, 50, 120, (("a", "suspend"),))])
    choice = d.choose(T0)
    assert names(choice.start) == ["a"] and choice.waiting == {"b": "waits for the end of a", "c": "waits for the suspend of a"}
    a.suspended = True
    assert names(d.choose(T0 + 1).start) == ["c"]
    d.ended(a, T0 + 2, moved=True)
    a.state = MOVED
    assert names(d.choose(T0 + 2).start) == ["b"]
    assert a.state == MOVED and b.state == c.state == RUNNING


def test_a_timed_start_waits_for_the_plan_clock_unless_nothing_runs():
    d, (a, b) = make([entry("a", 0, 0, 100), entry("b", 1, 30, 90)])
    assert names(d.choose(T0).start) == ["a"]
    assert d.choose(T0 + 10).waiting == {"b": "planned start at +30 s"}
    assert names(d.choose(T0 + 30).start) == ["b"]
    d2, (x, y) = make([entry("x", 0, 0, 10), entry("y", 1, 500, 520)])
    d2.choose(T0)
    d2.ended(x, T0 + 5, moved=True)
    x.state = MOVED
    assert names(d2.choose(T0 + 5).start) == ["y"]  # nothing runs: no idling until +500 s
    assert y.state == RUNNING and b.state == RUNNING


def test_the_plan_clock_jumps_when_a_migration_ends_early_and_learns_the_ratio():
    d, (a, b) = make([entry("a", 0, 0, 100), entry("b", 1, 100, 150)])
    d.choose(T0)
    d.ended(a, T0 + 50, moved=True)  # twice as fast as predicted
    a.state = MOVED
    assert d.ratio == 0.5 and d.clock.now(T0 + 50) >= 100
    assert names(d.choose(T0 + 50).start) == ["b"]


def test_members_of_a_disruption_group_never_run_together():
    d, (a, b, c) = make([entry("a", 0), entry("b", 1, msp="vio2"), entry("c", 2)], groups={"db": ("a", "b")})
    choice = d.choose(T0)
    assert names(choice.start) == ["a", "c"] and "disruption group db" in choice.waiting["b"]
    d.ended(a, T0 + 1, moved=True)
    a.state = MOVED
    assert names(d.choose(T0 + 1).start) == ["b"]


def test_caps_per_msp_and_in_all_hold():
    d, _tracks = make([entry("a", 0), entry("b", 1), entry("c", 2, msp="vio2")], msp_limits={("src", "vio1"): 1})
    choice = d.choose(T0)
    assert names(choice.start) == ["a", "c"] and "vio1 on src already runs 1" in choice.waiting["b"]
    d2, _tracks = make([entry("a", 0), entry("b", 1, msp="vio2")], max_concurrent=1)
    assert names(d2.choose(T0).start) == ["a"]
    busy = {"src": SystemCapacity("src", 2, 2, 4, 0)}  # others run both active slots
    d3, (x,) = make([entry("x", 0)], capacities=busy)
    assert d3.choose(T0).start == [] and [t.lpar for t in d3.stuck(False)] == ["x"]
    assert "no free active migration slot" in d3.never_fits(x)


def test_a_group_waits_for_its_pre_hook_and_a_failed_hook_leaves_its_members(tmp_path):
    acks = tmp_path / "hooks.json"
    gate = HookGate(pre=("db",), abort_on_failure=("db",))
    d, (a, b, c) = make([entry("a", 0), entry("b", 1), entry("c", 2)], groups={"db": ("a", "b")}, gate=gate, acks=acks)
    choice = d.choose(T0)
    assert names(choice.start) == ["c"] and choice.hooks_due == ["db"] and not d.stuck(hooks_pending=True)
    write_acks(str(acks), [{"group": "db", "phase": "pre", "ok": False, "detail": "freeze failed"}])
    d.hooks.refresh()
    choice = d.choose(T0 + 1)
    assert names(choice.left) == ["a", "b"] and a.reason == "hook_failed" and "freeze failed" in a.note and c.state == RUNNING


def test_the_deadline_keeps_migrations_that_would_end_too_late_on_the_source():
    d, (a, b) = make([entry("a", 0, 0, 50), entry("b", 1, 0, 500)], deadline=T0 + 100)
    choice = d.choose(T0)
    assert names(choice.start) == ["a"] and names(choice.left) == ["b"] and b.reason == "deadline" and b.state == LEFT


def test_stop_on_failure_starts_nothing_after_a_failure():
    d, (a, b) = make([entry("a", 0), entry("b", 1, 0, 100, (("a", "end"),))], stop=True)
    d.choose(T0)
    d.ended(a, T0 + 1, moved=False)
    a.state = LEFT
    choice = d.choose(T0 + 1)
    assert names(choice.left) == ["b"] and b.reason == "skipped"


def test_a_retry_ignores_the_plans_events_and_timing():
    d, (a, b) = make([entry("a", 0, 0, 100), entry("b", 1, 400, 500, (("a", "end"),))])
    d.choose(T0)
    b.retry = "other_msp_pair"
    assert names(d.choose(T0 + 1).start) == ["b"]
    assert d.counts() == {WAITING: 0, RUNNING: 2, MOVED: 0, LEFT: 0, "total": 2}
