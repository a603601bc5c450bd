# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Evacuation runs end to end against a scripted HMC: moves, retries, resume, refusals, deadline, interruption."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_journal as journal_io
from ansible_collections.powervm.lpm.plugins.module_utils._evac_lock import EvacLock, owner_info
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_run import EvacRefused, Paths, preview, run
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import normalise_record
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.evac_fake import FakeEvacHmc
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple

LPARS = (("a", 8192), ("b", 16384), ("c", 4096))


def setup(tmp_path: pathlib.Path, targets: int = 2, **params: Any) -> tuple[FakeEvacHmc, Any, dict[str, Any], dict[str, Any]]:
    estate = simple(targets=targets, lpars=LPARS).build()
    plan = evacuation_plan(estate, "src", None, policy_from({}), physics_from({})).as_dict()
    values = {k: v.get("default") for k, v in ARGSPEC.items()}
    values.update(plan=plan, source_system="src", state_dir=str(tmp_path / "state"), poll_interval=0.05, clock_scale=1000.0,
                  manifest_path=str(tmp_path / "manifest.json"))  # fmt: skip
    values.update(params)
    return FakeEvacHmc(estate), options_of(values), plan, estate


def events(options: Any) -> list[tuple[str, dict[str, Any]]]:
    return journal_io.read_events(Paths.of(options).journal)


def test_every_partition_moves_once_and_a_rerun_sends_nothing(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    outcome = run(hmc, options, plan, estate)
    assert sorted(hmc.sent()) == ["a", "b", "c"]
    assert {x["lpar"]: x["state"] for x in outcome.lpars} == {"a": "moved", "b": "moved", "c": "moved"}
    assert all(hmc.where[n] in ("t1", "t2") for n in "abc")
    record = normalise_record(outcome.record)
    assert sorted(m["lpar"] for m in record["migrations"] if m["state"] == "moved") == ["a", "b", "c"]
    assert record["ended"] is not None and record["plan"] is not None and all(c["ok"] for c in record["postchecks"])
    kinds = [e for e, _d in events(options)]
    assert kinds[:2] == ["run", "plan"] and kinds.count("launch") == 3 and kinds.count("result") == 3 and kinds[-1] == "end"
    launches = [d for e, d in events(options) if e == "launch"]
    for launch in launches:  # journaled before it was sent
        assert launch["command"].startswith(f"migrlpar -o m -m src -t {launch['target']} -p {launch['lpar']}")
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["partitions"]["a"]["moved"] is True and manifest["partitions"]["a"]["source_system"] == "src"

    again = run(hmc, options, plan, estate)
    assert len(hmc.sent()) == 3 and again.changed is False
    assert {x["state"] for x in again.lpars} == {"moved"}


def test_a_migration_that_fails_is_recovered_and_retried_over_the_other_msp_pair(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    hmc.script("b", "fail")
    outcome = run(hmc, options, plan, estate)
    assert hmc.sent().count("b") == 2 and hmc.sent("r") == ["b"]
    first, second = [d for e, d in events(options) if e == "launch" and d["lpar"] == "b"]
    assert second["retry"] == "other_msp_pair" and second["target"] == first["target"]
    assert second["source_msp"] != first["source_msp"] and second["dest_msp"] != first["dest_msp"]
    assert {x["lpar"]: x["attempts"] for x in outcome.lpars}["b"] == 2
    b_entry = next(m for m in outcome.record["migrations"] if m["lpar"] == "b")
    assert b_entry["state"] == "moved"


def test_a_migration_the_target_refuses_goes_to_another_target(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    hmc.script("a", "refuse:HSCLA228")
    run(hmc, options, plan, estate)
    first, second = [d for e, d in events(options) if e == "launch" and d["lpar"] == "a"]
    assert second["retry"] == "other_target" and second["target"] != first["target"] and hmc.where["a"] == second["target"]
    assert hmc.sent("r") == []


def test_repeated_failures_quarantine_the_partition_and_the_others_still_move(tmp_path):
    hmc, options, plan, estate = setup(tmp_path, max_attempts=2)
    hmc.script("a", "fail", "fail", "fail")
    outcome = run(hmc, options, plan, estate)
    state = {x["lpar"]: (x["state"], x["reason"]) for x in outcome.lpars}
    assert state == {"a": ("left", "recovered"), "b": ("moved", ""), "c": ("moved", "")}
    assert hmc.sent().count("a") == 2 and outcome.failed_lpars == ["a"]
    assert hmc.where["a"] == "src"
    left = {x["lpar"]: x for x in outcome.record["left"]}
    assert "quarantined after 2 attempts" in left["a"]["detail"]


def test_a_rerun_follows_the_migration_still_running_instead_of_sending_it_again(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    journal = journal_io.Journal(Paths.of(options).journal)
    os.makedirs(options.state_dir, exist_ok=True)
    target = next(e["target_system"] for e in plan["plan"] if e["lpar"] == "b")
    journal.write("run", {"run": 1, "started": "2026-03-14T21:00:00+00:00", "pid": 1, "host": "x", "token": "", "resumed": False})
    journal.write("plan", {"plan": plan, "source_system": "src", "targets": [], "name": "src"})
    journal.write("launch", {"lpar": "b", "attempt": 1, "target": target, "source_msp": "", "dest_msp": "", "attach": False, "command": "", "at": time.time()})
    hmc.migrating("b", target)
    threading.Timer(0.5, hmc.release, args=("b",)).start()
    outcome = run(hmc, options, plan, estate)
    assert sorted(hmc.sent()) == ["a", "c"] and hmc.where["b"] == target
    assert outcome.resumed is True
    attach = [d for e, d in events(options) if e == "launch" and d["lpar"] == "b"][-1]
    assert attach["attach"] is True
    assert {x["lpar"]: x["attempts"] for x in outcome.lpars}["b"] == 1


def test_a_migration_from_the_source_that_the_journal_does_not_know_refuses_the_run(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    hmc.migrating("c", "t1")
    with pytest.raises(EvacRefused, match=r"in progress that this evacuation did not start \(c\)"):
        run(hmc, options, plan, estate)
    assert hmc.sent() == []


def test_a_second_run_while_one_holds_the_lock_refuses(tmp_path):
    hmc, options, plan, estate = setup(tmp_path, lock_wait=0.0)
    os.makedirs(options.state_dir, exist_ok=True)
    holder = EvacLock(Paths.of(options).lock, {**owner_info(os.getpid(), "t"), "host": "other-host"})
    holder.acquire("x")
    try:
        with pytest.raises(EvacRefused, match=r"an evacuation of src is already running: pid \d+ on host other-host since"):
            run(hmc, options, plan, estate)
    finally:
        holder.release()
    assert hmc.calls == []


def test_no_migration_starts_that_would_end_after_the_deadline(tmp_path):
    deadline = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 60))
    hmc, options, plan, estate = setup(tmp_path, deadline=deadline, clock_scale=1.0)
    outcome = run(hmc, options, plan, estate)
    assert hmc.sent() == [] and {x["reason"] for x in outcome.lpars} == {"deadline"}
    assert all(x["reason"] == "deadline" for x in outcome.record["left"] if x["lpar"] in "abc")


def test_a_run_whose_controller_is_gone_stops_and_the_next_one_finishes(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    hmc, options, plan, estate = setup(tmp_path, watch_pid=int(dead.stdout))
    outcome = run(hmc, options, plan, estate)
    assert outcome.interrupted.startswith("the controller process") and hmc.sent() == []
    kinds = [e for e, _d in events(options)]
    assert "interrupted" in kinds and "end" not in kinds
    _hmc, options2, _plan, _estate = setup(tmp_path)
    assert [x["state"] for x in preview(hmc, options2, plan).lpars] == ["would_migrate"] * 3
    finished = run(hmc, options2, {"plan": []}, estate)  # the journal's plan is followed, not the one given
    assert finished.resumed is True and sorted(hmc.sent()) == ["a", "b", "c"]


def test_check_mode_returns_the_shape_of_a_run_and_moves_nothing(tmp_path):
    hmc, options, plan, estate = setup(tmp_path)
    checked = preview(hmc, options, plan)
    assert hmc.sent() == [] and not (tmp_path / "state").exists() and not (tmp_path / "manifest.json").exists()
    result = checked.to_result()
    assert result["counts"] == {"would_migrate": 3} and result["changed"] is True
    assert result["hooks_due"] == [] and result["failed_lpars"] == [] and result["commands"] == [] and result["interrupted"] == ""
    assert [m["lpar"] for m in result["record"]["plan"]["entries"]] == [m["lpar"] for m in plan["plan"]]
    assert result["record"]["migrations"] == [] and result["record"]["postchecks"] == []

    done = run(hmc, options, plan, estate).to_result()
    assert set(result) == set(done)
    assert {k: type(v) for k, v in result.items() if v is not None} == {k: type(v) for k, v in done.items() if v is not None and k in result}
    again = preview(hmc, options, {"plan": []}).to_result()  # the rerun's empty plan keeps the journal that ended, as a run would
    assert again["counts"] == {"moved": 3} and again["changed"] is False and len(hmc.sent()) == 3
    assert sorted(m["lpar"] for m in again["record"]["migrations"]) == ["a", "b", "c"]
