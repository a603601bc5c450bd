"""Tests of the benchmark's own parts: the executor's checks, the bounds, the statistics, the plot."""

from __future__ import annotations

import dataclasses
import itertools
import random
from typing import Any

import pytest
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import Setting, plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from hmcsim.core import Core
from hmcsim.estate import Estate

from bench import checks, instances
from bench.bound import own_bound
from bench.executor import Run, execute, problems_of
from bench.inprocess import gather_facts, physics_params
from bench.makespan import _lanes, compare
from bench.stats import quantile, summary
from bench.svg import Group, Line, box_strip

INSTANCE = 9  # 5 movable partitions, 3 targets, 1 GbE, two MSP pairs


@pytest.fixture(scope="module")
def small() -> tuple[instances.Instance, Setting]:
    inst = instances.draw(INSTANCE)
    scenario = instances.generate(inst).scenario
    facts = gather_facts(Core(Estate(scenario, manual_clock=True)), scenario.hmcs[0].name).estate
    return inst, setting(facts, instances.source_of(scenario), None, policy_from({}), physics_from(physics_params(scenario)))


def test_instances_are_seeded_and_in_range() -> None:
    drawn = [instances.draw(i) for i in range(40)]
    assert drawn == [instances.draw(i) for i in range(40)]
    assert {d.targets for d in drawn} <= set(range(2, 9)) and len({d.targets for d in drawn}) > 3
    assert all(5 <= d.lpars <= 60 for d in drawn)
    assert {d.msp_pairs for d in drawn} == {1, 2}


def test_our_plan_runs_on_the_twin_as_predicted(small: tuple[instances.Instance, Setting]) -> None:
    inst, s = small
    result = plan(s)
    ex = execute(instances.generate(inst).scenario, result.migrations, [s.source, *s.targets.values()], name_msps=True)
    assert ex.valid, ex.problems
    assert ex.migrlpar == len(result.migrations) == len(s.movable)
    assert ex.makespan == pytest.approx(result.eta_s, rel=1e-3)
    assert ex.cap_waits == 0


def test_the_executor_keeps_disruption_groups_apart(small: tuple[instances.Instance, Setting]) -> None:
    inst, s = small
    entries: list[dict[str, Any]] = [dict(m, start_after=[], start_s=0.0) for m in plan(s).migrations]  # everything at once
    members = [entries[0]["lpar"], entries[1]["lpar"]]
    ex = execute(instances.generate(inst).scenario, entries, [s.source, *s.targets.values()], name_msps=True, groups={"g": members})
    assert ex.valid, ex.problems
    first, second = sorted((r for r in ex.runs if r.lpar in members), key=lambda r: r.start)
    assert first.end is not None and second.start >= first.end - 1e-6
    assert ex.cap_waits > 0


def test_the_executor_waits_for_the_systems_caps(small: tuple[instances.Instance, Setting]) -> None:
    inst, s = small
    scenario = instances.generate(inst).scenario
    scenario.systems[0].active_migrations_supported = 1  # the HMC allows one at a time on the source
    result = plan(s)
    ex = execute(scenario, result.migrations, [dataclasses.replace(s.source, active_cap=1), *s.targets.values()], name_msps=True)
    assert ex.valid, ex.problems
    assert ex.cap_waits > 0
    assert ex.makespan > result.eta_s  # one at a time is slower than planned
    spans = sorted((r.start, r.end or 0.0) for r in ex.runs if r.kind != "inactive")
    assert all(b[0] >= a[1] - 1e-6 for a, b in zip(spans, spans[1:], strict=False))


def test_the_checks_catch_a_broken_group_a_broken_cap_and_a_second_migrlpar(small: tuple[instances.Instance, Setting]) -> None:
    _inst, s = small
    target = next(iter(s.targets))
    runs = [Run("a", target, "active", 0, 100, 0.0, 100.0, status="complete"), Run("b", target, "active", 0, 100, 50.0, 150.0, status="complete")]
    tight = [dataclasses.replace(s.source, active_cap=1), *s.targets.values()]
    found = problems_of(runs, source=s.source.name, located=lambda _lpar, _target: True, systems=tight, groups=[["a", "b"]], log_migrlpar=3)
    assert any(p.startswith("disruption group: b started at 50.0 s") for p in found)
    assert any("2 active migrations at once, cap 1" in p for p in found)
    assert any(p.startswith("3 migrlpar -o m in the command log for 2") for p in found)
    assert problems_of(runs[:1], source=s.source.name, located=lambda _lpar, _target: True, systems=tight, groups=[["a", "b"]], log_migrlpar=1) == []


def test_the_simple_bound_is_below_the_planners(small: tuple[instances.Instance, Setting]) -> None:
    inst, s = small
    from ansible_collections.powervm.lpm.plugins.module_utils._plan_bound import lower_bound  # noqa: PLC0415

    planner = lower_bound([(p, s.options[p.name][0]) for p in s.movable], s.source, s.targets, s.options, s.physics, s.policy).value
    own = own_bound(instances.generate(inst).scenario, instances.source_of(instances.generate(inst).scenario), [p.name for p in s.movable])
    assert 0 < own.value <= planner


def test_lanes() -> None:
    assert _lanes([100.0, 90.0, 95.0], 2) == pytest.approx(185.0)  # two lanes for three: one runs the two shortest
    assert _lanes([100.0, 90.0], 2) == pytest.approx(100.0)  # a lane each: the longest
    assert _lanes([], 4) == 0.0
    # 8 lanes, one 254 s migration and 22 of 92 s: sharing its lane costs 254 + 92; a lane of its own
    # leaves 22 for 7 lanes, so one runs 4 (368 s). The sum of the 3 shortest alone says 276.
    assert _lanes([254.0] + [92.0] * 22, 8) == pytest.approx(346.0)
    assert _lanes([50.0] * 3, 2) == pytest.approx(100.0)  # two of the three longest share a lane


def test_lanes_never_exceed_the_best_assignment() -> None:
    rng = random.Random(3)
    for _case in range(400):
        solos = [rng.choice([rng.uniform(1, 10), rng.uniform(50, 100)]) for _job in range(rng.randint(1, 6))]
        slots = rng.randint(1, 3)
        assignments = itertools.product(range(slots), repeat=len(solos))
        best = min(max(sum(d for d, lane in zip(solos, lanes) if lane == k) for k in range(slots)) for lanes in assignments)
        assert _lanes(solos, slots) <= best + 1e-9


def test_compare_takes_the_best_complete_valid_baseline() -> None:
    def strategy(makespan: float, complete: bool = True, valid: bool = True) -> dict[str, Any]:
        return {"makespan_s": makespan, "complete": complete, "valid": valid}

    record = {
        "lb_tight_s": 50.0,
        "strategies": {"ours": strategy(80.0), "serial": strategy(300.0), "hmc_all": strategy(60.0, complete=False), "powervc": strategy(100.0)},
    }
    got = compare(record)
    assert got["best_baseline"] == "powervc"
    assert got["saving"] == pytest.approx(0.2)
    assert got["attainable_saving"] == pytest.approx(0.5)


def test_quantiles() -> None:
    assert quantile([3.0, 1.0, 2.0, 4.0], 0.5) == pytest.approx(2.5)
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert summary([2.0])["p95"] == 2.0


def economy_record(migrlpar: int = 10, gather_connections: int = 1, run_connections: int = 2) -> dict[str, Any]:
    run = {"migrlpar": migrlpar, "polls": 5, "sources": 1, "targets": 2, "by_command": {"lslparmigr -r lpar": 8},
           "connections": run_connections, "max_channels": 18}  # fmt: skip
    gather = {"by_command": {"lshmc": 1, "viosvrcmd": 4}, "connections": gather_connections}
    return {"lpars": 10, "moved": 10, "failed": [], "connections": gather_connections + run_connections, "run": run, "gather": gather}


def test_economy_checks_catch_a_second_migrlpar() -> None:
    found = {c["name"]: c["ok"] for c in checks.economy_checks({"ours": [economy_record(migrlpar=11)], "naive": []})}
    assert not found["ours: exactly one migrlpar -o m per partition, every partition moved"]
    assert found["ours: one lslparmigr -r lpar per source system per poll round (plus the survey and one final read per target)"]


def test_economy_checks_allow_one_connection_per_ten_commands_at_once() -> None:
    name = "ours: one SSH connection per module run, one more per 10 commands at once"
    for record, ok in ((economy_record(), True), (economy_record(run_connections=3), False), (economy_record(gather_connections=2), False)):
        found = {c["name"]: c["ok"] for c in checks.economy_checks({"ours": [record], "naive": []})}
        assert found[name] is ok  # 18 channels at once: at most 2 connections for the run, 1 for the gathering


def test_plot_is_an_svg_with_every_group() -> None:
    svg = box_strip([Group("ours", [1.0, 1.2, 1.1]), Group("<serial>", [3.0], [True])], title="t", y_label="y", lines=[Line(1.1, "goal")])
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "&lt;serial&gt;" in svg and "median 1.100" in svg
    assert svg.count("<circle") == 4 and 'fill="white"' in svg
