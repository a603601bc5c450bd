# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Run many migrations at once over one HMC connection.

Each migration in flight has its own worker thread running the blocking ``migrlpar -o m`` on its own
channel; one poller thread reads ``lslparmigr -r lpar`` once per source system per round. The
scheduler starts migrations in the given order as the caps allow (see ``_migration_caps``).

Rules that keep the HMC safe:

- ``migrlpar -o m`` is sent at most once per partition. A migration already in progress at the start
  is attached to (followed by polling), never issued again. If the channel or the connection drops
  while ``-o m`` runs, the migration is followed by polling; the client reconnects for the reads.
  When the HMC refuses ``-o m`` with HSCLA245 (someone else started the migration after the survey),
  that migration is followed too, and the result says it was started by someone else.
- A failed migration that left the partition needing recovery is recovered with ``migrlpar -o r``
  when ``recover_on_failure`` is set; otherwise the result says it needs recovery.
- One partition failing does not stop the others; with ``stop_on_failure`` the migrations not yet
  started are skipped (those in flight finish).

The client needs ``max_concurrent + 2`` channels (poller and recovery besides the migrations).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcConnectionError, HmcError, HmcTimeout
from ansible_collections.powervm.lpm.plugins.module_utils._migration_caps import DEFAULT_MSP_LIMIT, SlotBook, SlotNeed
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import Observation, Poller, ProgressCallback
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import (
    COMPLETE_STATE,
    NOT_MIGRATING,
    STOPPED_STATE,
    MigrationRecord,
    SystemCapacity,
)
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult, Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_migrations


# migrlpar -o m refused because the partition is already migrating.
ALREADY_MIGRATING = "HSCLA245"
NEEDS_RECOVERY_HINT = "Recover the partition first: run the lpar_migration module with state=recovered (migrlpar -o r)."
# For a migration that failed after it started with an HSCL code no remediation is known for.
RECOVERED_HINT = (
    "The migration failed after it started and the partition was recovered on its source. Check the mover service "
    "partitions and the network between them (the HMC's 'lssvcevents -t console' names the cause), then run again."
)


@dataclass
class MigrationJob:
    """One partition to move. ``argv`` is its ``migrlpar -o m``; None attaches to the migration in progress."""

    lpar: str
    source: str
    target: str
    kind: str = "active"
    argv: list[str] | None = None
    recover_argv: list[str] | None = None
    source_msp: str = ""
    dest_msp: str = ""

    @property
    def need(self) -> SlotNeed:
        msps = tuple((system, msp) for system, msp in ((self.source, self.source_msp), (self.target, self.dest_msp)) if msp)
        return SlotNeed((self.source, self.target), self.kind, msps)


@dataclass(frozen=True)
class RunnerOptions:
    max_concurrent: int = 4
    poll_interval: float = 10.0
    timeout: float = 3600.0               # seconds one migration may take
    recover_on_failure: bool = True
    stop_on_failure: bool = False
    wait: bool = True                     # False: return once every migration is past validation
    msp_limit: int = DEFAULT_MSP_LIMIT


@dataclass
class _Flight:
    job: MigrationJob
    result: MigrationResult
    thread: threading.Thread | None = None
    done: bool = False
    channel_lost: bool = field(default=False)


class MigrationRunner:
    """Runs jobs under the caps; ``run`` returns one result per job, in job order."""

    def __init__(
        self,
        client: CommandRunner,
        options: RunnerOptions,
        capacities: Mapping[str, SystemCapacity] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.client = client
        self.options = options
        self.capacities = dict(capacities or {})
        self.poller = Poller(client, options.poll_interval, on_progress)
        self._cond = threading.Condition()

    # ----- scheduling -----
    def run(self, jobs: Sequence[MigrationJob]) -> list[MigrationResult]:
        names = [job.lpar for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError("a partition may appear only once in one run")
        flights = {job.lpar: _Flight(job, MigrationResult(job.lpar, job.source, job.target, job.kind)) for job in jobs}
        attached = [job for job in jobs if job.argv is None]
        pending = [job for job in jobs if job.argv is not None]
        book = SlotBook(self.options.max_concurrent, self.capacities, self.options.msp_limit, [j.need for j in attached])
        in_flight: list[_Flight] = []
        halted = False
        self.poller.start()
        try:
            for job in attached:
                book.take(job.need)
                in_flight.append(self._launch(flights[job.lpar]))
            with self._cond:
                while True:
                    for flight in [f for f in in_flight if f.done]:
                        in_flight.remove(flight)
                        book.release(flight.job.need)
                        halted = halted or (flight.result.failed and self.options.stop_on_failure)
                    if halted:
                        for job in pending:
                            flights[job.lpar].result.status = Status.SKIPPED
                            flights[job.lpar].result.message = "not started: another migration failed and stop_on_failure is set"
                        pending = []
                    for job in list(pending):
                        if book.blocker(job.need) is None:
                            book.take(job.need)
                            pending.remove(job)
                            in_flight.append(self._launch(flights[job.lpar]))
                    if pending and not in_flight:
                        for job in pending:
                            why = book.never_fits(job.need) or book.blocker(job.need) or "no migration slot"
                            flights[job.lpar].result.fail(f"not started: {why}")
                        pending = []
                    if not pending and not in_flight:
                        break
                    if not self.options.wait and not pending and all(self._past_validation(f) for f in in_flight):
                        break
                    self._cond.wait(min(self.options.poll_interval, 1.0))
                early = {f.job.lpar: f for f in in_flight}
        finally:
            self.poller.stop()
        results = []
        for job in jobs:
            flight = flights[job.lpar]
            if job.lpar in early:
                results.append(self._started(flight))
            else:
                results.append(flight.result)
        if self.options.wait:
            self._final_read([r for r in results if r.status == Status.MIGRATED])
        return results

    def _launch(self, flight: _Flight) -> _Flight:
        flight.thread = threading.Thread(target=self._work, args=(flight,), name=f"lpm-{flight.job.lpar}", daemon=True)
        flight.thread.start()
        return flight

    def _past_validation(self, flight: _Flight) -> bool:
        seen = self.poller.observe(flight.job.source, flight.job.lpar)
        return flight.done or (seen is not None and seen.record is not None and seen.record.transferring)

    def _started(self, flight: _Flight) -> MigrationResult:
        """wait=false: a migration that is past validation is reported as started, the HMC carries it on."""
        with self._cond:
            result = copy.copy(flight.result)
        seen = self.poller.observe(flight.job.source, flight.job.lpar)
        if seen is not None and seen.record is not None:
            _apply_record(result, seen.record)
        result.status = Status.STARTED
        result.message = "the HMC is carrying the migration on; run again with wait=true to follow it"
        return result

    # ----- one migration -----
    def _work(self, flight: _Flight) -> None:
        job, result = flight.job, flight.result
        result.started = time.time()
        self.poller.watch(job.lpar, job.source, job.target)
        try:
            if job.argv is None:
                result.attached = True
                self._follow(flight, after=0)
            else:
                self._migrate(flight, job.argv)
        except HmcError as exc:
            result.fail(exc.message)
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a dead worker would hang the run
            result.fail(f"unexpected error while migrating {job.lpar}: {exc!r}")
        finally:
            self.poller.unwatch(job.lpar)
            result.ended = time.time()
            seen = self.poller.observe(job.source, job.lpar)
            if seen is not None and seen.record is not None:
                _apply_record(result, seen.record, keep_state=bool(result.migration_state), only_missing=True)
            with self._cond:
                flight.done = True
                self._cond.notify_all()

    def _migrate(self, flight: _Flight, argv: list[str]) -> None:
        job, result = flight.job, flight.result
        result.command = display_command(argv)
        before = self.poller.generation(job.source)
        try:
            answer = self.client.run(argv, read_only=False, timeout=self.options.timeout, check=False)
        except HmcTimeout as exc:
            result.fail(f"{exc.message}; the migration was not stopped: follow it on the HMC or run again to attach to it")
            return
        except HmcConnectionError:
            flight.channel_lost = True
            self._follow(flight, after=before)
            return
        if answer.rc == 0:
            result.status = Status.MIGRATED
            result.migration_state = COMPLETE_STATE
            return
        result.fail_from_output(f"migrlpar -o m failed with rc={answer.rc}", "\n".join(s for s in (answer.stdout, answer.stderr) if s.strip()))
        self._after_failure(flight)

    def _follow(self, flight: _Flight, after: int) -> None:
        job, result = flight.job, flight.result
        deadline = time.monotonic() + self.options.timeout
        seen = self.poller.wait_settled(job.source, job.lpar, after, deadline)
        note = "the SSH channel was lost while migrlpar -o m ran; the migration was followed by polling" if flight.channel_lost else ""
        if seen is None:
            result.fail(f"the migration did not finish within {self.options.timeout:g} s; it may still be running on the HMC")
        elif not seen.present or (seen.record is not None and seen.record.migration_state == COMPLETE_STATE):
            result.status = Status.MIGRATED
            result.migration_state = COMPLETE_STATE
            result.message = note
        else:
            self._settled_badly(flight, seen, note)

    def _settled_badly(self, flight: _Flight, seen: Observation, note: str) -> None:
        result, record = flight.result, seen.record
        state = record.migration_state if record is not None else "unknown"
        prefix = f"{note}; " if note else ""
        if record is not None and record.failed:
            result.fail(f"{prefix}the migration failed (migration_state: {state})")
            self._recover(flight)
        elif state == STOPPED_STATE:
            result.fail(f"{prefix}the migration was stopped (migration_state: {state})")
        else:
            result.fail(f"{prefix}the migration ended with the partition still on {flight.job.source} (migration_state: {state})")
        result.migration_state = state

    def _after_failure(self, flight: _Flight) -> None:
        """After ``-o m`` failed: recover if it left a failed migration; attach if one is in progress.

        HSCLA245 (already migrating) means someone else started the migration after the survey: it is
        followed even when it has already ended by the time the state is read.
        """
        job, result = flight.job, flight.result
        refused_as_migrating = result.hscl_code == ALREADY_MIGRATING
        try:
            record = read_migrations(self.client, job.source).get(job.lpar)
        except HmcError as exc:
            if not refused_as_migrating:
                result.message += f" (the migration state could not be read afterwards: {exc.message})"
                return
            record = None
        if record is not None:
            _apply_record(result, record)
        elsewhere = record is not None and record.in_progress and record.dest_sys_name not in ("", job.target)
        if not elsewhere and (refused_as_migrating or (record is not None and record.in_progress)):
            self._follow_other(flight)
        elif record is not None and record.failed:
            self._recover(flight)

    def _follow_other(self, flight: _Flight) -> None:
        """Follow a migration of the partition that someone else started since the survey."""
        job, result = flight.job, flight.result
        refusal = result.message
        result.attached = True
        self._follow(flight, after=self.poller.generation(job.source))
        if result.failed:
            result.message = f"{refusal}; {job.lpar} was already migrating by someone else, and that migration: {result.message}"
            return
        result.hscl_code = result.hint = None
        result.message = (f"{job.lpar} was already migrating by someone else (the HMC refused this run's migrlpar -o m: {refusal}); "
                          f"this run followed that migration until the partition left {job.source}")

    def _recover(self, flight: _Flight) -> None:
        job, result = flight.job, flight.result
        if not self.options.recover_on_failure or job.recover_argv is None:
            result.recovery_message = "the partition needs recovery: run migrlpar -o r (state=recovered)"
            result.hint = result.hint or NEEDS_RECOVERY_HINT
            return
        command = display_command(job.recover_argv)
        try:
            answer = self.client.run(job.recover_argv, read_only=False, check=False)
        except HmcError as exc:
            result.recovery_message = f"{command} could not run: {exc.message}"
            result.hint = result.hint or NEEDS_RECOVERY_HINT
            return
        if answer.rc == 0:
            result.recovered = True
            result.recovery_message = f"recovered with {command}"
            result.migration_state = NOT_MIGRATING
            result.hint = result.hint or RECOVERED_HINT
        else:
            output = (answer.stdout + answer.stderr).strip()
            result.recovery_message = f"{command} failed with rc={answer.rc}: {output}"
            result.hint = result.hint or NEEDS_RECOVERY_HINT

    # ----- after the run -----
    def _final_read(self, migrated: Sequence[MigrationResult]) -> None:
        """Byte counts as the target reports them after the move (one read per target system)."""
        by_target: dict[str, list[MigrationResult]] = {}
        for result in migrated:
            by_target.setdefault(result.target, []).append(result)
        for target, results in by_target.items():
            try:
                records = read_migrations(self.client, target)
            except HmcError:
                continue
            for result in results:
                record = records.get(result.name)
                if record is not None and record.bytes_transmitted is not None:
                    _apply_record(result, record, keep_state=True)


def _apply_record(result: MigrationResult, record: MigrationRecord, keep_state: bool = False, only_missing: bool = False) -> None:
    """Copy what a migration record knows (MSPs, bytes, state) into a result; with ``only_missing``
    the byte counts a fresher reading already set are kept."""
    result.source_msp = record.source_msp or result.source_msp
    result.dest_msp = record.dest_msp or result.dest_msp
    if record.bytes_transmitted is not None and not (only_missing and result.bytes_transmitted is not None):
        result.bytes_transmitted = record.bytes_transmitted
    if record.bytes_remaining is not None and not (only_missing and result.bytes_remaining is not None):
        result.bytes_remaining = record.bytes_remaining
    if record.migration_type in ("active", "inactive", "suspended"):
        result.kind = record.migration_type
    if not keep_state:
        result.migration_state = record.migration_state
