# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The baselines: plans in the planner's format that follow the usual ways of evacuating."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._plan_baselines import BASELINES, BaselineOptions, baseline
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import Setting, plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import fleet


def make(targets: int = 3, lpars: int = 14, seed: int = 8) -> Setting:
    estate, physics = fleet(seed, targets=targets, lpars=lpars, mem_gb=(4, 128))
    return setting(estate.build(), "src", None, policy_from({}), physics_from(physics))


def most_at_once(migrations: list[dict[str, Any]]) -> int:
    return max(sum(1 for o in migrations if o["start_s"] <= m["start_s"] + 1e-6 < o["end_s"]) for m in migrations)


def test_serial_runs_one_at_a_time_in_id_order():
    s = make()
    result = baseline("serial", s).as_dict()
    assert most_at_once(result["plan"]) == 1
    assert [m["lpar_id"] for m in result["plan"]] == sorted(m["lpar_id"] for m in result["plan"])
    assert all(m["source_msp"] == "src-vio1" for m in result["plan"])  # the HMC's first MSP with room
    assert {d["reason"] for d in result["decisions"] if d["decision"] == "target"} == {"baseline_serial"}


def test_hmc_all_goes_to_one_target_at_its_concurrency():
    s = make()
    result = baseline("hmc_all", s, BaselineOptions(hmc_concurrency=3)).as_dict()
    assert len({m["target_system"] for m in result["plan"]}) == 1
    assert most_at_once(result["plan"]) == 3
    left = {u["reason"] for u in result["unmovable"]}
    assert left <= {"baseline_single_target", "vios"}


def test_powervc_largest_memory_first_at_most_8():
    s = make(lpars=20)
    result = baseline("powervc", s).as_dict()
    memory = [m["memory_mb"] for m in sorted(result["plan"], key=lambda m: m["order"])]
    assert memory == sorted(memory, reverse=True)
    assert most_at_once(result["plan"]) == 8


def test_nova_random_order_is_seeded():
    s = make(lpars=20)
    first = baseline("nova", s, BaselineOptions(seed=1)).as_dict()
    assert first == baseline("nova", s, BaselineOptions(seed=1)).as_dict()
    other = baseline("nova", s, BaselineOptions(seed=2)).as_dict()
    assert [m["lpar"] for m in first["plan"]] != [m["lpar"] for m in other["plan"]]
    assert most_at_once(first["plan"]) == 4


def test_baselines_share_the_plan_format_and_the_bound():
    s = make()
    ours = plan(s).as_dict()
    for name in BASELINES:
        other = baseline(name, s).as_dict()
        assert set(other) == set(ours)
        assert set(other["plan"][0]) == set(ours["plan"][0])
        if len(other["plan"]) == len(ours["plan"]):
            assert other["lb"]["lb_seconds"] == ours["lb"]["lb_seconds"]  # lb_dst follows each placement
            assert other["eta_seconds"] >= ours["eta_seconds"] * 0.999


def test_planner_beats_the_best_baseline_on_several_targets():
    s = make(targets=4, lpars=30, seed=21)
    ours = plan(s).eta_s
    full = [baseline(name, s) for name in BASELINES]
    best = min(b.eta_s for b in full if len(b.migrations) == len(s.movable))
    assert ours <= 0.75 * best


def test_unknown_baseline():
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline("magic", make())
    assert Counter(BASELINES) == Counter({"serial": 1, "hmc_all": 1, "powervc": 1, "nova": 1})
