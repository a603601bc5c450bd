# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""One migration attempt of an evacuation, with the migration engine's rules.

The engine's runner (``_migration_runner``) runs a fixed list of jobs; an evacuation decides each start
by itself (plan order, disruption groups, hooks, deadline, retries), so it runs every attempt through
this worker, which keeps the runner's rules:

- ``migrlpar -o m`` is sent at most once per attempt, and only after ``before_send`` (which journals
  it) returned; a migration already in progress is followed by polling, never sent again;
- a lost channel or connection while ``-o m`` runs: the migration is followed by polling;
- a refused ``-o m`` that left a migration in progress to the same target is followed; one that left a
  failed migration is recovered with ``migrlpar -o r`` when ``recover`` is set;
- a timeout leaves the migration alone (a rerun attaches to it).

Every failed attempt carries a remediation hint: the HMC code's own (``_hmc_errors.HINTS``), else the
engine's for a recovered or unrecovered migration, else one naming the code, else one for how the
attempt ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcConnectionError, HmcError, HmcTimeout
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import Observation, Poller
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import COMPLETE_STATE, NOT_MIGRATING, STOPPED_STATE, MigrationRecord
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult, Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import NEEDS_RECOVERY_HINT, RECOVERED_HINT
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_migrations


# For a failure with no hint of its own: the migration did not end on the HMC within the timeout, or ended
# with the partition on its source (stopped, or a state the HMC left it in).
UNSETTLED_HINT = (
    "The migration did not end as expected on the HMC. Look at it with 'lslparmigr -r lpar -m SOURCE' and run the "
    "evacuation again: a rerun follows a migration still in progress, recovers a failed one and retries the partition."
)
# For an HMC code with no hint of its own in _hmc_errors.HINTS.
CODE_HINT = (
    "The HMC refused or ended the migration with {code}: the collection's docs/troubleshooting.md gives its cause and "
    "fix. The preflight role checks most causes before a migration; run the evacuation again once it is fixed."
)
ERROR_HINT = (
    "The HMC could not be asked about the migration. Check the connection to the HMC and run the evacuation again: "
    "the journal says which migrations were sent, and a rerun asks the HMC what became of them."
)


@dataclass(frozen=True)
class Attempt:
    """One try at moving a partition. ``argv`` None follows the migration in progress."""

    lpar: str
    source: str
    target: str
    kind: str
    number: int
    argv: list[str] | None
    recover_argv: list[str]
    source_msp: str = ""
    dest_msp: str = ""


def apply_record(result: MigrationResult, record: MigrationRecord, keep_state: bool = False) -> None:
    """Copy what a migration record knows (MSPs, bytes, kind, state) into a result."""
    result.source_msp = record.source_msp or result.source_msp
    result.dest_msp = record.dest_msp or result.dest_msp
    if record.bytes_transmitted is not None:
        result.bytes_transmitted = record.bytes_transmitted
    if record.bytes_remaining is not None:
        result.bytes_remaining = record.bytes_remaining
    if record.migration_type in ("active", "inactive", "suspended"):
        result.kind = record.migration_type
    if not keep_state:
        result.migration_state = record.migration_state


class Worker:
    """Runs attempts; several at once from different threads (the client and poller are thread-safe)."""

    def __init__(self, client: CommandRunner, poller: Poller, timeout: float, recover: bool, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.poller = poller
        self.timeout = timeout
        self.recover = recover
        self.clock = clock

    def run(self, attempt: Attempt, before_send: Callable[[], None]) -> MigrationResult:
        result = MigrationResult(attempt.lpar, attempt.source, attempt.target, attempt.kind, source_msp=attempt.source_msp, dest_msp=attempt.dest_msp)
        result.started = self.clock()
        self.poller.watch(attempt.lpar, attempt.source, attempt.target)
        try:
            if attempt.argv is None:
                result.attached = True
                self._follow(attempt, result, after=0, note="")
            else:
                before_send()
                self._migrate(attempt, result, attempt.argv)
        except HmcError as exc:
            result.fail(exc.message)
            result.hscl_code = result.hscl_code or getattr(exc, "code", None)
            result.hint = result.hint or getattr(exc, "hint", None) or ERROR_HINT
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a dead worker would stall the run
            result.fail(f"unexpected error while migrating {attempt.lpar}: {exc!r}")
            result.hint = ERROR_HINT
        finally:
            self.poller.unwatch(attempt.lpar)
            result.ended = self.clock()
            seen = self.poller.observe(attempt.source, attempt.lpar)
            if seen is not None and seen.record is not None and result.bytes_transmitted is None:
                apply_record(result, seen.record, keep_state=bool(result.migration_state))
        if result.failed and not result.hint:
            result.hint = CODE_HINT.format(code=result.hscl_code) if result.hscl_code else UNSETTLED_HINT
        return result

    def _migrate(self, attempt: Attempt, result: MigrationResult, argv: list[str]) -> None:
        result.command = display_command(argv)
        before = self.poller.generation(attempt.source)
        try:
            answer = self.client.run(argv, read_only=False, timeout=self.timeout, check=False)
        except HmcTimeout as exc:
            result.fail(f"{exc.message}; the migration was not stopped: a rerun follows it")
            return
        except HmcConnectionError:
            self._follow(attempt, result, after=before, note="the SSH channel was lost while migrlpar -o m ran; the migration was followed by polling")
            return
        if answer.rc == 0:
            result.status = Status.MIGRATED
            result.migration_state = COMPLETE_STATE
            return
        output = "\n".join(s for s in (answer.stdout, answer.stderr) if s.strip())
        result.fail_from_output(f"migrlpar -o m failed with rc={answer.rc}", output)
        self._after_failure(attempt, result)

    def _follow(self, attempt: Attempt, result: MigrationResult, after: int, note: str) -> None:
        deadline = time.monotonic() + self.timeout
        seen = self.poller.wait_settled(attempt.source, attempt.lpar, after, deadline)
        if seen is None:
            result.fail(f"the migration did not finish within {self.timeout:g} s; it may still be running on the HMC")
        elif not seen.present or (seen.record is not None and seen.record.migration_state == COMPLETE_STATE):
            result.status = Status.MIGRATED
            result.migration_state = COMPLETE_STATE
            result.message = note
        else:
            self._settled_badly(attempt, result, seen, note)

    def _settled_badly(self, attempt: Attempt, result: MigrationResult, seen: Observation, note: str) -> None:
        record = seen.record
        state = record.migration_state if record is not None else "unknown"
        prefix = f"{note}; " if note else ""
        if record is not None and record.failed:
            result.fail(f"{prefix}the migration failed (migration_state: {state})")
            self._recover(attempt, result)
        elif state == STOPPED_STATE:
            result.fail(f"{prefix}the migration was stopped (migration_state: {state})")
        else:
            result.fail(f"{prefix}the migration ended with the partition still on {attempt.source} (migration_state: {state})")
        result.migration_state = result.migration_state or state

    def _after_failure(self, attempt: Attempt, result: MigrationResult) -> None:
        try:
            record = read_migrations(self.client, attempt.source).get(attempt.lpar)
        except HmcError as exc:
            result.message += f" (the migration state could not be read afterwards: {exc.message})"
            return
        if record is None:
            return
        apply_record(result, record)
        if record.in_progress and record.dest_sys_name in ("", attempt.target):
            result.attached = True
            failure = result.message
            self._follow(attempt, result, after=self.poller.generation(attempt.source), note="")
            if result.failed:
                result.message = f"{failure}; {result.message}"
            return
        if record.failed:
            self._recover(attempt, result)

    def _recover(self, attempt: Attempt, result: MigrationResult) -> None:
        if not self.recover:
            result.recovery_message = "the partition needs recovery: run migrlpar -o r (state=recovered)"
            result.hint = result.hint or NEEDS_RECOVERY_HINT
            return
        result.recovery_message = recover(self.client, attempt.recover_argv)
        if result.recovery_message.startswith("recovered"):
            result.recovered = True
            result.migration_state = NOT_MIGRATING
        result.hint = result.hint or recovery_hint(result.recovered)


def recovery_hint(recovered: bool) -> str:
    """The hint of a failed migration with no code of its own: recovered on the source, or needing recovery."""
    return RECOVERED_HINT if recovered else NEEDS_RECOVERY_HINT


def recover(client: CommandRunner, argv: list[str]) -> str:
    """Run ``migrlpar -o r``; the text says what happened (``recovered with ...`` on success)."""
    command = display_command(argv)
    try:
        answer = client.run(argv, read_only=False, check=False)
    except HmcError as exc:
        return f"{command} could not run: {exc.message}"
    if answer.rc == 0:
        return f"recovered with {command}"
    return f"{command} failed with rc={answer.rc}: {(answer.stdout + answer.stderr).strip()}"
