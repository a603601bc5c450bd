# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every fault class the twin can inject, against ``powervm.lpm.lpar_migration`` and the evacuation.

For each fault: a fresh seed-lab twin at high speed, the fault armed (before the run, or once a
partition is migrating for the faults that act when armed), a run, then the invariants read from the
twin: every partition Running on exactly one system, no second ``migrlpar -o m`` for a partition while
one is in flight or after it succeeded, every failure reported with its HSCL code and a hint; then
the faults are cleared and a rerun completes the job (every movable partition on the target).
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from evac_support import SEED_MOVABLE, Evacuation, journal_events
from fault_matrix_support import (
    P740, P750, Arming, FaultCase, duplicate_migrations, placement, running_once, unexplained_failures,
)

LPARS = ["b750db1", "b750app1", "b750web1", "b750nl2"]
# b750db1 (64 GB) cannot fit once this much of the target's free memory (229 GB) is taken.
TAKEN_MB = str(234752 - 16384 - 4096 - 8192 - 8192)

CASES = [
    FaultCase("ssh_drop_mid_migration", "ssh_disconnect", {"command": "migrlpar -o m", "seconds": "0.3"}),
    FaultCase("hmc_restart", "hmc_restart", {"seconds": "2"}, mid_run=True, speed="20"),
    FaultCase("link_loss_10", "link_loss", {"target": "b750db1", "at-percent": "10"}, expect_failure=True),
    FaultCase("link_loss_50", "link_loss", {"target": "b750db1", "at-percent": "50"}, expect_failure=True),
    FaultCase("link_loss_90", "link_loss", {"target": "b750db1", "at-percent": "90"}, expect_failure=True),
    FaultCase("validation_failure", "validation_failure", {"target": "b750app1", "code": "HSCLA319"}, expect_failure=True),
    FaultCase("migration_failure", "migration_failure", {"target": "b750db1", "at-percent": "40"}, expect_failure=True),
    FaultCase("capacity_taken", "capacity_taken", {"target": P740, "memory-mb": TAKEN_MB}, mid_run=True, speed="20"),
    FaultCase("latency", "latency", {"seconds": "0.2", "command": "lslparmigr"}),
    FaultCase("refuse_connections", "refuse_connections", {"count": "2"}),
]


def migrate(lpars: list[str]) -> list[dict[str, Any]]:
    args = {"lpars": lpars, "target_system": P740, "poll_interval": 0.5, "max_concurrent": 4}
    return [{"name": "migrate", "powervm.lpm.lpar_migration": args}]


def check_invariants(twin: Any, log: list[dict[str, Any]], lpars: list[str]) -> None:
    assert running_once(placement(twin, lpars)) == []
    assert duplicate_migrations(log) == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_lpar_migration_under_fault(case: FaultCase, twin_factory: Any, run_playbook: Any) -> None:
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", case.speed)
    arming = Arming(twin, case)
    rc, results = run_playbook(migrate(LPARS), twin=twin)
    assert arming.join(), f"{case.kind} was never armed"
    log = twin.log()
    result = (results or [None])[0]
    assert result is not None, "the module returned no result"
    check_invariants(twin, log, LPARS)
    assert unexplained_failures(result) == []
    if case.expect_failure:
        assert rc != 0 and any(r["status"] == "failed" for r in result["results"]), result
    if rc != 0:
        assert result.get("msg"), result
        assert all(r.get("hscl_code") for r in result["results"] if r["status"] == "failed")

    # the rerun, faults cleared, completes the job
    twin.ctl("fault", "clear")
    seq = twin.last_seq()
    rc, (result,) = run_playbook(migrate(LPARS), twin=twin)
    assert rc == 0, result.get("msg")
    assert placement(twin, LPARS) == {name: [(P740, "Running")] for name in LPARS}
    check_invariants(twin, twin.log(), LPARS)
    moved_again = [e for e in twin.log(since=seq) if e["argv"][:3] == ["migrlpar", "-o", "m"]]
    assert len(moved_again) == sum(1 for r in result["results"] if r["status"] == "migrated")


# The evacuation under every fault class too: besides the migrations it sends, the faults touch its own machinery
# (journal, retries on another MSP pair or target, quarantine, reconnection, capacity read again).
EVAC_CASES = [
    pytest.param(c, id=c.name)
    for c in CASES
]


@pytest.mark.parametrize("case", EVAC_CASES)
def test_evacuation_under_fault(case: FaultCase, twin_factory: Any, collections_path: str, tmp_path: pathlib.Path) -> None:
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", case.speed)
    evac = Evacuation(twin, collections_path, tmp_path / "evac")
    variables = {"evacuate_source_system": P750}
    arming = Arming(twin, case)
    run = evac.run(variables)
    assert arming.join(), f"{case.kind} was never armed"
    everyone = SEED_MOVABLE + ["b750nim"]
    where = placement(twin, everyone)
    assert [n for n, places in where.items() if len(places) != 1] == []
    assert duplicate_migrations(twin.log()) == []
    failed = [e["data"]["result"] for e in journal_events(evac.journal()) if e["event"] == "result" and e["data"]["status"] == "failed"]
    assert unexplained_failures({"results": failed}) == []
    if case.expect_failure:
        assert failed, run.stdout[-3000:]

    twin.ctl("fault", "clear")
    run = evac.run(variables)
    assert run.rc == 0, run.stdout[-3000:]
    where = placement(twin, everyone)
    assert all(where[name] == [(P740, "Not Activated" if name == "b750test1" else "Running")] for name in SEED_MOVABLE), where
    assert duplicate_migrations(twin.log()) == []
