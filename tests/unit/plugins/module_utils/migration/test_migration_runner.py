# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import parse_capacity
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import MigrationJob, MigrationRunner, RunnerOptions
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import MOVABLE, P740, P750

FAST = {"poll_interval": 0.02, "timeout": 10.0}
POLL_P750 = ("lslparmigr", "-r", "lpar", "-m", P750)


def job(lpar: str, attach: bool = False, msp: str = "", kind: str = "active") -> MigrationJob:
    spec = MigrationSpec(target=P740, source_msp=msp)
    argv = None if attach else migrlpar("m", P750, LparRef(lpar), spec)
    return MigrationJob(lpar, P750, P740, kind, argv, migrlpar_recover(P750, LparRef(lpar)), msp, "")


def run(hmc, jobs, capacities=None, on_progress=None, **options):
    runner = MigrationRunner(hmc, RunnerOptions(**{**FAST, **options}), capacities, on_progress)
    return runner, runner.run(jobs)


class Releaser(threading.Thread):
    """Releases each held migration ``delay`` seconds after it started, until stopped."""

    def __init__(self, hmc, delay=0.05):
        super().__init__(daemon=True)
        self.hmc = hmc
        self.delay = delay
        self.halt = threading.Event()

    def run(self):
        released = set()
        while not self.halt.is_set():
            with self.hmc.lock:
                started = list(self.hmc.started)
            for lpar in started:
                if lpar not in released:
                    time.sleep(self.delay)
                    self.hmc.release(lpar)
                    released.add(lpar)
            time.sleep(0.005)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.halt.set()
        self.join(5)


def moved_once(hmc, lpars):
    sent = [c[-1] for c in hmc.commands("migrlpar", "-o", "m")]
    return sorted(sent) == sorted(lpars)


def test_never_more_than_max_concurrent_in_flight(hmc):
    hmc.hold(*MOVABLE)
    with Releaser(hmc):
        results = run(hmc, [job(name) for name in MOVABLE], max_concurrent=3)[1]
    assert hmc.max_in_flight == 3
    assert [r.name for r in results] == MOVABLE
    failed = {r.name: r for r in results if r.failed}
    assert set(failed) == {"b750db1", "b750db2"}      # the recorded outcomes: one failure, one stop
    assert all(r.status == Status.MIGRATED for r in results if r.name not in failed)
    assert moved_once(hmc, MOVABLE)


def test_the_system_cap_counts_others_migrations(hmc, samples):
    hmc.hold("b750nl2", "b750web1", "b750app1")
    caps = {P750: parse_capacity(P750, samples["p750_sys_running"]["stdout"])}   # 7 of 8 active slots taken
    with Releaser(hmc):
        results = run(hmc, [job("b750nl2"), job("b750web1"), job("b750app1")], caps, max_concurrent=8)[1]
    assert hmc.max_in_flight == 1
    assert [r.status for r in results] == [Status.MIGRATED] * 3


def test_the_msp_cap(hmc):
    names = ["b750nl2", "b750web1", "b750app1", "b750app2"]
    hmc.hold(*names)
    with Releaser(hmc):
        results = run(hmc, [job(n, msp="b750vio1") for n in names], max_concurrent=8, msp_limit=2)[1]
    assert hmc.max_in_flight == 2
    assert all(r.status == Status.MIGRATED for r in results)


def test_no_slot_at_all_fails_those_partitions_without_sending_anything(hmc, samples):
    text = samples["p750_sys_running"]["stdout"].replace("num_active_migrations_in_progress=7", "num_active_migrations_in_progress=8")
    caps = {P750: parse_capacity(P750, text)}
    results = run(hmc, [job("b750nl2"), job("b750test1", kind="inactive")], caps)[1]
    assert results[0].failed and "no free active migration slot" in results[0].message
    assert results[1].status == Status.MIGRATED
    assert moved_once(hmc, ["b750test1"])


def test_a_failure_is_recovered_and_does_not_stop_the_others(hmc):
    results = run(hmc, [job("b750db1"), job("b750nl2"), job("b750web1")], max_concurrent=4)[1]
    db1, nl2, web1 = results
    assert db1.status == Status.FAILED and db1.hscl_code == "HSCLA24B"
    assert "memory transfer" in db1.message
    assert db1.recovered and db1.recovery_message == f"recovered with migrlpar -o r -m {P750} -p b750db1"
    assert db1.migration_state == "Not Migrating"
    assert db1.bytes_transmitted == 24739011625          # from the read after the failure
    assert db1.changed
    assert nl2.status == web1.status == Status.MIGRATED
    assert [c[-1] for c in hmc.commands("migrlpar", "-o", "r")] == ["b750db1"]
    assert moved_once(hmc, ["b750db1", "b750nl2", "b750web1"])


def test_without_recover_on_failure_the_result_says_to_recover(hmc):
    (db1,) = run(hmc, [job("b750db1")], recover_on_failure=False)[1]
    assert db1.failed and not db1.recovered
    assert "needs recovery" in db1.recovery_message and "state=recovered" in db1.hint
    assert db1.migration_state == "Migration Failed"
    assert hmc.count("migrlpar", "-o", "r") == 0


def test_stop_on_failure_starts_nothing_more(hmc):
    results = run(hmc, [job("b750db1"), job("b750nl2"), job("b750web1")], max_concurrent=1, stop_on_failure=True)[1]
    assert [r.status for r in results] == [Status.FAILED, Status.SKIPPED, Status.SKIPPED]
    assert "stop_on_failure" in results[1].message
    assert moved_once(hmc, ["b750db1"])


def test_a_migration_in_progress_is_attached_to_not_reissued(hmc):
    hmc.set_phase("running", ["b750nl2"])
    hmc.on_call(POLL_P750, 2, lambda: hmc.set_phase("after", ["b750nl2"]))
    (nl2,) = run(hmc, [job("b750nl2", attach=True)])[1]
    assert nl2.status == Status.MIGRATED and nl2.attached
    assert hmc.count("migrlpar") == 0
    assert nl2.bytes_transmitted == 6200370969 and nl2.bytes_remaining == 0    # the target's final record
    assert (nl2.source_msp, nl2.dest_msp) == ("b750vio1", "b740vio1")


def test_a_lost_channel_is_followed_by_polling_never_reissued(hmc):
    hmc.drop.add("b750nl2")
    hmc.hold("b750nl2")
    threading.Timer(0.15, hmc.release, ("b750nl2",)).start()
    (nl2,) = run(hmc, [job("b750nl2")])[1]
    assert nl2.status == Status.MIGRATED
    assert "followed by polling" in nl2.message
    assert moved_once(hmc, ["b750nl2"])


def test_a_lost_channel_then_a_failure_is_recovered(hmc):
    hmc.drop.add("b750db1")
    (db1,) = run(hmc, [job("b750db1")])[1]
    assert db1.failed and db1.recovered
    assert "followed by polling" in db1.message and "Migration Failed" in db1.message
    assert moved_once(hmc, ["b750db1"])


def test_already_migrating_refusal_attaches_to_the_running_migration(hmc):
    hmc.migrate_answers["b750nl2"] = "migrate_already_migrating_b750db2"
    hmc.set_phase("running", ["b750nl2"])            # someone else started it after the survey
    # Read 1 follows the refusal, read 2 is the first poll after it: it lands before read 3.
    hmc.on_call(POLL_P750, 3, lambda: hmc.set_phase("after", ["b750nl2"]))
    (nl2,) = run(hmc, [job("b750nl2")])[1]
    assert nl2.status == Status.MIGRATED and nl2.attached
    assert "already migrating by someone else" in nl2.message and nl2.hscl_code is None
    assert moved_once(hmc, ["b750nl2"])


def test_already_migrating_refusal_is_followed_even_when_that_migration_already_ended(hmc):
    hmc.migrate_answers["b750nl2"] = "migrate_already_migrating_b750db2"
    hmc.set_phase("after", ["b750nl2"])              # someone else's migration began after the survey and is over
    (nl2,) = run(hmc, [job("b750nl2")])[1]
    assert nl2.status == Status.MIGRATED and nl2.attached and not nl2.failed
    assert nl2.message.startswith("b750nl2 was already migrating by someone else (the HMC refused this run's migrlpar -o m: ")
    assert "HSCLA245" in nl2.message and nl2.hscl_code is None and nl2.hint is None
    assert moved_once(hmc, ["b750nl2"]) and hmc.count("migrlpar", "-o", "r") == 0


def test_another_refusal_of_a_partition_that_left_the_source_stays_a_failure(hmc, samples):
    samples = dict(samples, refused=dict(samples["migrate_already_migrating_b750db2"], stdout="Errors:\nHSCL8012 not found.\n"))
    hmc.samples = samples
    hmc.migrate_answers["b750nl2"] = "refused"
    hmc.set_phase("after", ["b750nl2"])
    (nl2,) = run(hmc, [job("b750nl2")])[1]
    assert nl2.failed and nl2.hscl_code == "HSCL8012" and not nl2.attached
    assert moved_once(hmc, ["b750nl2"])


def test_a_timeout_is_reported_and_nothing_is_retried_or_recovered(hmc):
    hmc.timeout.add("b750nl2")
    (nl2,) = run(hmc, [job("b750nl2")])[1]
    assert nl2.failed and "was not stopped" in nl2.message
    assert moved_once(hmc, ["b750nl2"]) and hmc.count("migrlpar", "-o", "r") == 0


def test_the_poller_reads_each_source_system_once_per_round(hmc):
    names = ["b750nl2", "b750web1", "b750app1", "b750app2"]
    hmc.hold(*names)
    hmc.on_call(POLL_P750, 4, lambda: hmc.release(*names))
    seen = []
    runner, results = run(hmc, [job(n) for n in names], on_progress=seen.append, max_concurrent=4)
    assert all(r.status == Status.MIGRATED for r in results)
    polls = hmc.commands("lslparmigr", "-r", "lpar", "-m", P750)
    assert runner.poller.rounds >= 4
    assert len(polls) == runner.poller.rounds            # one read per round, not one per partition
    assert len(hmc.commands("lslparmigr", "-r", "lpar", "-m", P740)) == 1   # the final read on the target
    entries = [e for batch in seen for e in batch if e.lpar == "b750app1" and e.bytes_transmitted]
    assert entries and entries[0].migration_state == "Migration In Progress"
    assert entries[0].percent == pytest.approx(100 * 2518284016 / (2518284016 + 9851221796), abs=0.1)


def test_without_wait_the_run_returns_once_every_migration_copies_memory(hmc):
    names = ["b750nl2", "b750web1"]
    hmc.hold(*names)
    try:
        results = run(hmc, [job(n) for n in names], wait=False)[1]
        assert [r.status for r in results] == [Status.STARTED, Status.STARTED]
        assert results[0].migration_state == "Migration In Progress" and results[0].changed
        assert hmc.in_flight == 2
    finally:
        hmc.release(*names)


def test_a_partition_may_appear_once(hmc):
    with pytest.raises(ValueError):
        run(hmc, [job("b750nl2"), job("b750nl2")])
