# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""One task of the lpar_migration module: survey, decide per partition, then act or, in check mode, validate.

- ``migrated``: partitions on the target are left alone; those migrating there are attached to; the
  others are migrated (check mode: validated with ``migrlpar -o v`` and reported as would-migrate).
- ``validated``: ``migrlpar -o v`` for the partitions that would move; never a change.
- ``stopped``: ``migrlpar -o s`` for the partitions with a migration in progress.
- ``recovered``: ``migrlpar -o r`` for the partitions whose migration failed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError, HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_layout import keep_layout, read_client_adapters
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandLog, CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import ProgressCallback
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import NOT_MIGRATING, STOPPED_STATE, SystemCapacity
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import (
    LparRef,
    MigrationSpec,
    migrlpar,
    migrlpar_recover,
    migrlpar_stop,
)
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult, Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import (
    NEEDS_RECOVERY_HINT,
    MigrationJob,
    MigrationRunner,
    RunnerOptions,
)
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import LparStatus, Situation, Survey, decide, read_capacity, survey

STATES = ("migrated", "validated", "stopped", "recovered")
MOVED = frozenset({Status.MIGRATED, Status.STARTED, Status.WOULD_MIGRATE, Status.WOULD_WAIT})


@dataclass(frozen=True)
class TaskParams:
    lpars: tuple[str, ...]
    state: str
    spec: MigrationSpec
    source_system: str = ""
    keep_vios_layout: bool = False
    runner: RunnerOptions = RunnerOptions()
    check_mode: bool = False

    @property
    def target(self) -> str:
        return self.spec.target


@dataclass
class TaskOutcome:
    results: list[MigrationResult]
    commands: list[str]
    before: dict[str, dict[str, Any]]
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.results)

    @property
    def failed(self) -> bool:
        return any(r.failed for r in self.results)

    def after(self) -> dict[str, dict[str, Any]]:
        out = {}
        for result in self.results:
            before = self.before.get(result.name, {})
            system = result.target if result.status in MOVED else before.get("system")
            state = result.migration_state or before.get("migration_state")
            if result.status in (Status.WOULD_STOP, Status.WOULD_RECOVER) or result.recovered:
                state = STOPPED_STATE if result.status == Status.WOULD_STOP else NOT_MIGRATING
            out[result.name] = {"system": system, "migration_state": state}
        return out

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status.value] = counts.get(result.status.value, 0) + 1
        text = ", ".join(f"{n} {status}" for status, n in counts.items())
        failed = [f"{r.name} ({r.hscl_code})" if r.hscl_code else r.name for r in self.results if r.failed]
        return f"{text}; failed: {', '.join(failed)}" if failed else text

    def to_result(self, diff: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "changed": self.changed,
            "results": [r.to_dict() for r in self.results],
            "commands": self.commands,
            "msg": self.summary(),
        }
        if diff:
            data["diff"] = {"before": self.before, "after": self.after()}
        return data


def run_task(client: CommandRunner, params: TaskParams, on_progress: ProgressCallback | None = None) -> TaskOutcome:
    """Carry out one task; HMC errors outside a single partition's work are raised."""
    if params.state not in STATES:
        raise HmcInputError(f"unknown state {params.state!r}")
    log = CommandLog(client)
    remote = bool(params.spec.remote_hmc)
    target = params.target or None
    systems = None
    if params.source_system:
        systems = [params.source_system] + ([params.target] if params.target and not remote else [])
    found = survey(log, params.lpars, systems)
    statuses = [decide(name, target, found) for name in params.lpars]
    warnings = [f"managed system {system} was skipped: {why}" for system, why in found.skipped.items()]
    before = {s.name: _placement(s) for s in statuses}
    task = _Task(log, params, found, warnings, on_progress)
    if params.state == "migrated":
        results, would = task.migrate(statuses)
    elif params.state == "validated":
        results, would = task.validate(statuses), []
    elif params.state == "stopped":
        results, would = task.stop(statuses)
    else:
        results, would = task.recover(statuses)
    commands = would if params.check_mode else log.commands
    return TaskOutcome(results, commands, before, warnings)


def _placement(status: LparStatus) -> dict[str, Any]:
    state = status.record.migration_state if status.record is not None else NOT_MIGRATING
    return {"system": status.source or None, "migration_state": state}


def _result(status: LparStatus, target: str, state: Status, message: str = "") -> MigrationResult:
    return MigrationResult(status.name, status.source, target, status.kind, state, message=message)


class _Task:
    def __init__(self, log: CommandLog, params: TaskParams, found: Survey, warnings: list[str], on_progress: ProgressCallback | None) -> None:
        self.log = log
        self.params = params
        self.found = found
        self.warnings = warnings
        self.on_progress = on_progress

    # ----- shared verdicts -----
    def _unusable(self, status: LparStatus) -> MigrationResult | None:
        """Results for partitions that cannot be acted on, whatever the state asked for."""
        target = self.params.target
        if status.situation == Situation.NOT_FOUND:
            if self.params.spec.remote_hmc and self.params.state in ("migrated", "validated"):
                self.warnings.append(f"{status.name} is not on any system of this HMC; it is taken to be on {target} behind {self.params.spec.remote_hmc}")
                return _result(status, target, Status.ON_TARGET, "not on this HMC; taken to be on the target behind the remote HMC")
            looked = ", ".join(sorted(self.found.partitions)) or "none"
            return _result(status, target, Status.FAILED, f"partition {status.name} was not found on the managed systems looked at ({looked})")
        if status.situation == Situation.AMBIGUOUS:
            where = ", ".join(status.systems)
            return _result(status, target, Status.FAILED, f"partitions named {status.name} exist on several systems ({where}); set source_system")
        return None

    def _needs_recovery(self, status: LparStatus) -> MigrationResult:
        result = _result(status, self.params.target, Status.FAILED, f"a migration of {status.name} from {status.source} failed and needs recovery")
        result.hint = NEEDS_RECOVERY_HINT
        result.migration_state = status.record.migration_state if status.record is not None else ""
        return result

    def _spec_for(self, status: LparStatus, adapters: dict[str, list[Any]]) -> MigrationSpec:
        spec = self.params.spec
        if not self.params.keep_vios_layout:
            return spec
        partitions = self.found.partitions
        layout = keep_layout(status.name, adapters.get(status.source, []), partitions.get(status.source, []), partitions.get(spec.target, []))
        return dataclasses.replace(spec, scsi_mappings=layout.scsi, fc_mappings=layout.fc)

    def _adapters(self, movable: Sequence[LparStatus]) -> dict[str, list[Any]]:
        if not self.params.keep_vios_layout:
            return {}
        by_source: dict[str, list[str]] = {}
        for status in movable:
            by_source.setdefault(status.source, []).append(status.name)
        return {source: read_client_adapters(self.log, source, names) for source, names in by_source.items()}

    def _argv(self, op: str, status: LparStatus, spec: MigrationSpec) -> list[str]:
        return migrlpar("v" if op == "v" else "m", status.source, LparRef(status.name, status.lpar_id), spec)

    def _recover_argv(self, status: LparStatus) -> list[str]:
        spec = self.params.spec
        return migrlpar_recover(status.source, LparRef(status.name, status.lpar_id), spec.remote_hmc, spec.remote_user)

    # ----- migrated -----
    def migrate(self, statuses: Sequence[LparStatus]) -> tuple[list[MigrationResult], list[str]]:
        target = self.params.target
        fixed: dict[str, MigrationResult] = {}
        jobs: list[MigrationJob] = []
        specs: dict[str, MigrationSpec] = {}
        movable = [s for s in statuses if s.situation == Situation.MOVABLE]
        adapters = self._adapters(movable)
        for status in statuses:
            unusable = self._unusable(status)
            if unusable is not None:
                fixed[status.name] = unusable
            elif status.situation == Situation.ON_TARGET:
                fixed[status.name] = _result(status, target, Status.ON_TARGET)
            elif status.situation == Situation.NEEDS_RECOVERY:
                fixed[status.name] = self._needs_recovery(status)
            elif status.situation == Situation.MIGRATING:
                if status.migrating_to not in ("", target):
                    fixed[status.name] = _result(status, target, Status.FAILED, f"{status.name} is migrating to {status.migrating_to}, not to {target}")
                else:
                    jobs.append(MigrationJob(status.name, status.source, target, status.kind, None, self._recover_argv(status)))
            else:
                try:
                    specs[status.name] = self._spec_for(status, adapters)
                except HmcInputError as exc:
                    fixed[status.name] = _result(status, target, Status.FAILED, exc.message)
                    continue
                spec = specs[status.name]
                argv = self._argv("m", status, spec)
                jobs.append(MigrationJob(status.name, status.source, target, status.kind, argv, self._recover_argv(status), spec.source_msp, spec.dest_msp))
        by_name = {s.name: s for s in statuses}
        if self.params.check_mode:
            ran, would = self._check_migrations(jobs, by_name, specs)
        else:
            ran, would = self._run_migrations(jobs), []
        fixed.update({r.name: r for r in ran})
        return [fixed[name] for name in self.params.lpars], would

    def _check_migrations(
        self,
        jobs: Sequence[MigrationJob],
        by_name: dict[str, LparStatus],
        specs: dict[str, MigrationSpec],
    ) -> tuple[list[MigrationResult], list[str]]:
        target = self.params.target
        results = []
        would = []
        to_validate = [job for job in jobs if job.argv is not None]
        validated = self._validate_many([(by_name[j.lpar], specs[j.lpar]) for j in to_validate])
        for job in jobs:
            status = by_name[job.lpar]
            if job.argv is None:
                results.append(_result(status, target, Status.WOULD_WAIT, f"a migration to {target} is in progress; the module would wait for it"))
                continue
            result = validated[job.lpar]
            if result.status == Status.VALIDATED:
                result.status = Status.WOULD_MIGRATE
                result.command = display_command(job.argv)
                would.append(result.command)
            results.append(result)
        return results, would

    def _run_migrations(self, jobs: Sequence[MigrationJob]) -> list[MigrationResult]:
        if not jobs:
            return []
        runner = MigrationRunner(self.log, self.params.runner, self._capacities(jobs), self.on_progress)
        return runner.run(jobs)

    def _capacities(self, jobs: Sequence[MigrationJob]) -> dict[str, SystemCapacity]:
        systems = {job.source for job in jobs}
        if not self.params.spec.remote_hmc:
            systems.add(self.params.target)
        capacities = {}
        for system in sorted(systems):
            try:
                capacities[system] = read_capacity(self.log, system)
            except HmcError as exc:
                self.warnings.append(f"the concurrent migration limits of {system} could not be read ({exc.message}); only max_concurrent applies")
        return capacities

    # ----- validated -----
    def validate(self, statuses: Sequence[LparStatus]) -> list[MigrationResult]:
        target = self.params.target
        fixed: dict[str, MigrationResult] = {}
        todo = []
        movable = [s for s in statuses if s.situation == Situation.MOVABLE]
        adapters = self._adapters(movable)
        for status in statuses:
            unusable = self._unusable(status)
            if unusable is not None:
                fixed[status.name] = unusable
            elif status.situation == Situation.ON_TARGET:
                fixed[status.name] = _result(status, target, Status.ON_TARGET)
            elif status.situation == Situation.NEEDS_RECOVERY:
                fixed[status.name] = self._needs_recovery(status)
            elif status.situation == Situation.MIGRATING:
                fixed[status.name] = _result(status, target, Status.MIGRATING, f"a migration to {status.migrating_to or 'another system'} is in progress")
            else:
                try:
                    todo.append((status, self._spec_for(status, adapters)))
                except HmcInputError as exc:
                    fixed[status.name] = _result(status, target, Status.FAILED, exc.message)
        fixed.update(self._validate_many(todo))
        return [fixed[name] for name in self.params.lpars]

    def _validate_many(self, todo: Sequence[tuple[LparStatus, MigrationSpec]]) -> dict[str, MigrationResult]:
        if not todo:
            return {}
        workers = max(1, min(self.params.runner.max_concurrent, len(todo)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda item: self._validate_one(*item), todo))
        return {r.name: r for r in results}

    def _validate_one(self, status: LparStatus, spec: MigrationSpec) -> MigrationResult:
        result = _result(status, self.params.target, Status.VALIDATED)
        argv = self._argv("v", status, spec)
        result.command = display_command(argv)
        try:
            # Validation changes nothing, so it may be retried after a lost connection.
            answer = self.log.run(argv, read_only=True, timeout=self.params.runner.timeout, check=False)
        except HmcError as exc:
            result.fail(exc.message)
            return result
        output = "\n".join(s.strip() for s in (answer.stdout, answer.stderr) if s.strip())
        if answer.rc != 0:
            result.fail_from_output(f"validation failed with rc={answer.rc}", output)
        else:
            result.message = output
        return result

    # ----- stopped / recovered -----
    def stop(self, statuses: Sequence[LparStatus]) -> tuple[list[MigrationResult], list[str]]:
        def act(status: LparStatus) -> list[str] | None:
            if status.situation == Situation.MIGRATING:
                return migrlpar_stop(status.source, LparRef(status.name, status.lpar_id))
            return None

        return self._one_shot(statuses, act, Status.STOPPED, Status.WOULD_STOP, Status.NOT_MIGRATING, STOPPED_STATE)

    def recover(self, statuses: Sequence[LparStatus]) -> tuple[list[MigrationResult], list[str]]:
        def act(status: LparStatus) -> list[str] | None:
            return self._recover_argv(status) if status.situation == Situation.NEEDS_RECOVERY else None

        return self._one_shot(statuses, act, Status.RECOVERED, Status.WOULD_RECOVER, Status.NOTHING_TO_RECOVER, NOT_MIGRATING)

    def _one_shot(
        self,
        statuses: Sequence[LparStatus],
        act: Callable[[LparStatus], list[str] | None],
        done: Status,
        would_do: Status,
        idle: Status,
        final_state: str,
    ) -> tuple[list[MigrationResult], list[str]]:
        results = []
        would = []
        for status in statuses:
            unusable = self._unusable(status)
            if unusable is not None:
                results.append(unusable)
                continue
            target = status.migrating_to or self.params.target
            argv = act(status)
            if argv is None:
                result = _result(status, target, idle)
                if status.situation == Situation.MIGRATING:
                    result.status = Status.MIGRATING
                    result.message = "a migration is in progress; stop it or let it finish first"
                elif status.situation == Situation.NEEDS_RECOVERY:
                    result.message = "the last migration failed and needs recovery (state=recovered)"
                results.append(result)
                continue
            result = _result(status, target, would_do if self.params.check_mode else done)
            result.command = display_command(argv)
            result.migration_state = status.record.migration_state if status.record is not None else ""
            if self.params.check_mode:
                would.append(result.command)
            else:
                self._send(argv, result, final_state)
            results.append(result)
        return results, would

    def _send(self, argv: list[str], result: MigrationResult, final_state: str) -> None:
        try:
            answer = self.log.run(argv, read_only=False, check=False)
        except HmcError as exc:
            result.fail(exc.message)
            return
        if answer.rc != 0:
            result.fail_from_output(f"{argv[0]} -o {argv[2]} failed with rc={answer.rc}", (answer.stdout + answer.stderr).strip())
        else:
            result.migration_state = final_state
