# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A partition that has never been activated (``ever_activated: false`` in the twin's scenario).

estate_info returns ``resource_config: 0`` and ``never_activated: true`` for it; preflight flags it
(LPM-LPAR-005) from the estate alone, without a connection, and with one, where the HMC's validation
says the same (HSCLA238); the evacuation planner leaves it on the source as ``never_activated``. Its
twin ``b750test1`` of seed-lab, shut down but activated before, is the control.
"""

from __future__ import annotations

import pytest

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
NEVER = "b750test1"


def _never_activated(data):
    for system in data["systems"]:
        for lpar in system["lpars"]:
            if lpar["name"] == NEVER:
                lpar["ever_activated"] = False


def tasks(lpar: str):
    estate = "{{ _task_result_0.estate }}"
    return [
        {"name": "read the estate", "powervm.lpm.estate_info": {}},
        {"name": "preflight from the estate only", "powervm.lpm.preflight": {
            "lpars": [lpar], "target_system": P740, "estate": estate, "hmc_validation": False}},
        {"name": "preflight with the HMC", "powervm.lpm.preflight": {"lpars": [lpar], "target_system": P740}},
        {"name": "plan the evacuation", "powervm.lpm.evacuation_plan": {"estate": estate, "source_system": P750}},
    ]


@pytest.fixture(scope="module")
def never_lab(twin_factory):
    return twin_factory(mutate=_never_activated)


def lpar_005(pair):
    return [f for f in pair["findings"] if f["rule"] == "LPM-LPAR-005"]


def test_a_never_activated_partition_through_estate_preflight_and_plan(never_lab, run_playbook):
    rc, (estate, offline, live, plan) = run_playbook(tasks(NEVER), twin=never_lab)
    assert rc == 0
    partitions = estate["estate"]["systems"][P750]["partitions"]
    never = partitions[NEVER]
    assert (never["state"], never["resource_config"], never["never_activated"]) == ("Not Activated", 0, True)
    assert {name for name, p in partitions.items() if p["never_activated"]} == {NEVER}
    assert all(p["resource_config"] == 1 for name, p in partitions.items() if name != NEVER)

    (pair,) = offline["pairs"]
    assert offline["ready"] is False and offline["commands"] == []          # no HMC was asked
    (finding,) = lpar_005(pair)
    assert finding["subject"] == NEVER and finding["evidence"]["resource_config"] == 0
    assert "LPM-LPAR-005" not in {n["rule"] for n in pair["not_checked"]}

    (pair,) = live["pairs"]
    assert live["ready"] is False
    (finding,) = lpar_005(pair)
    assert "HSCLA238" in finding["hmc_codes"]                                # the HMC's validation agrees

    reasons = {u["lpar"]: u["reason"] for u in plan["unmovable"]}
    assert reasons[NEVER] == "never_activated"
    assert NEVER not in {e["lpar"] for e in plan["plan"]}


def test_activated_before_is_not_flagged(twin_factory, run_playbook):
    rc, (estate, offline, _live, plan) = run_playbook(tasks(NEVER), twin=twin_factory("seed-lab"))
    assert rc == 0
    never = estate["estate"]["systems"][P750]["partitions"][NEVER]
    assert (never["state"], never["resource_config"], never["never_activated"]) == ("Not Activated", 1, False)
    assert lpar_005(offline["pairs"][0]) == [] and "LPM-LPAR-005" not in {n["rule"] for n in offline["pairs"][0]["not_checked"]}
    assert NEVER in {e["lpar"] for e in plan["plan"]}
