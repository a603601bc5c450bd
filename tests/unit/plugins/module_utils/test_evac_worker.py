# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The failure record of one evacuation attempt: every failure carries its HSCL code and a remediation hint."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_journal as journal_io
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_run import Paths, run
from ansible_collections.powervm.lpm.plugins.module_utils._evac_worker import CODE_HINT, Attempt, Worker
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import Poller
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import NEEDS_RECOVERY_HINT, RECOVERED_HINT
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.evac_fake import FakeEvacHmc
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple

LPARS = (("a", 8192), ("b", 16384))


@pytest.fixture
def estate() -> dict[str, Any]:
    return simple(targets=1, lpars=LPARS).build()


@pytest.fixture
def hmc(estate: dict[str, Any]) -> FakeEvacHmc:
    return FakeEvacHmc(estate)


@pytest.fixture
def poller(hmc: FakeEvacHmc) -> Iterator[Poller]:
    polling = Poller(hmc, 0.02)
    polling.start()
    yield polling
    polling.stop()


def attempt(lpar: str) -> Attempt:
    argv = migrlpar("m", "src", LparRef(lpar), MigrationSpec(target="t1"))
    return Attempt(lpar, "src", "t1", "active", 1, argv, migrlpar_recover("src", LparRef(lpar)))


def test_a_failure_recovered_on_the_source_has_its_code_and_the_recovery_hint(hmc, poller):
    hmc.script("a", "fail")  # HSCLA24B: the MSP link was lost; it has no hint of its own
    result = Worker(hmc, poller, 10.0, recover=True).run(attempt("a"), lambda: None)
    assert "HSCLA24B" not in HINTS
    assert result.status == Status.FAILED and result.recovered and hmc.sent("r") == ["a"]
    assert result.hscl_code == "HSCLA24B" and result.hint == RECOVERED_HINT
    record = result.to_dict()
    assert record["hscl_code"] == "HSCLA24B" and record["hint"] == RECOVERED_HINT and record["failed"] is True


def test_a_failure_left_for_recovery_says_to_recover(hmc, poller):
    hmc.script("a", "fail")
    result = Worker(hmc, poller, 10.0, recover=False).run(attempt("a"), lambda: None)
    assert result.failed and not result.recovered and hmc.sent("r") == []
    assert result.hscl_code == "HSCLA24B" and result.hint == NEEDS_RECOVERY_HINT


def test_a_refusal_has_the_hint_of_its_code_or_one_that_names_the_code(hmc, poller):
    hmc.script("a", "refuse:HSCLA319")
    hmc.script("b", "refuse:HSCLA2FF")
    worker = Worker(hmc, poller, 10.0, recover=True)
    known, unknown = worker.run(attempt("a"), lambda: None), worker.run(attempt("b"), lambda: None)
    assert known.hscl_code == "HSCLA319" and known.hint == HINTS["HSCLA319"]
    assert unknown.hscl_code == "HSCLA2FF" and unknown.hint == CODE_HINT.format(code="HSCLA2FF") and "HSCLA2FF" in unknown.hint


def test_a_success_has_no_hint(hmc, poller):
    result = Worker(hmc, poller, 10.0, recover=True).run(attempt("a"), lambda: None)
    assert result.status == Status.MIGRATED and result.hscl_code is None and result.hint is None


def test_the_evacuation_journal_and_record_carry_the_code_and_the_hint_of_each_failure(tmp_path: pathlib.Path, estate, hmc):
    plan = evacuation_plan(estate, "src", None, policy_from({}), physics_from({})).as_dict()
    values = {k: v.get("default") for k, v in ARGSPEC.items()}
    values.update(plan=plan, source_system="src", state_dir=str(tmp_path / "state"), poll_interval=0.05, clock_scale=1000.0)
    options = options_of(values)
    hmc.script("b", "fail")  # the first attempt fails mid-way and is recovered; the retry moves it
    outcome = run(hmc, options, plan, estate)
    failed = [d["result"] for e, d in journal_io.read_events(Paths.of(options).journal) if e == "result" and d["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["name"] == "b" and failed[0]["recovered"] is True
    assert failed[0]["hscl_code"] == "HSCLA24B" and failed[0]["hint"] == RECOVERED_HINT
    assert {x["lpar"]: x["state"] for x in outcome.lpars} == {"a": "moved", "b": "moved"}
    assert {m["lpar"]: m["state"] for m in outcome.record["migrations"]} == {"a": "moved", "b": "moved"}
