# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""One run of an evacuation: lock, journal, where things are, the dispatch loop, post-checks, record.

A run follows the plan of its journal: a journal that did not end (the last run crashed, was killed
or was stopped) is resumed with the plan it holds, whatever plan is given; a journal that ended is
kept when the given plan has nothing to do (a rerun after a finished evacuation does nothing) and is
archived, starting a new evacuation, when it has (``replan`` forces the given plan). State files, in
``state_dir``: ``NAME.journal.jsonl``, ``NAME.progress.json``, ``NAME.hooks.json`` and
``SOURCE.lock``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_journal as journal_io
from ansible_collections.powervm.lpm.plugins.module_utils import _evac_manifest as manifests
from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps
from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, MOVED, WAITING, Dispatcher, PlanClock, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_lock import EvacLock, owner_info
from ansible_collections.powervm.lpm.plugins.module_utils._evac_loop import Loop, Parts
from ansible_collections.powervm.lpm.plugins.module_utils._evac_postcheck import postchecks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_record import build as build_record
from ansible_collections.powervm.lpm.plugins.module_utils._evac_record import iso, migration_entry, origin_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_restore import LEFT_REASON as RESTORE_LEFT_REASON
from ansible_collections.powervm.lpm.plugins.module_utils._evac_restore import SlotFinding, check_slots
from ansible_collections.powervm.lpm.plugins.module_utils._evac_retry import GiveUp, Setting, decide
from ansible_collections.powervm.lpm.plugins.module_utils._evac_setup import caps_for, capacities, retry_setting, room_left, spec_for
from ansible_collections.powervm.lpm.plugins.module_utils._evac_start import Start, classify
from ansible_collections.powervm.lpm.plugins.module_utils._evac_survey import foreign_migrations, place, read
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, Options, entries_of, safe_name
from ansible_collections.powervm.lpm.plugins.module_utils._evac_worker import Worker, recover, recovery_hint
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandLog, CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import Poller, ProgressEntry
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult, Status
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import policy_from
from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import ProgressRecorder

DEFAULT_POOL = "DefaultPool"
# Left reasons that count as failures (failed_lpars): the evacuation did not do what it was asked for these.
FAILED_REASONS = ("failed", "recovered", "hook_failed", "not_found", "skipped", RESTORE_LEFT_REASON)


class EvacRefused(Exception):
    """The run cannot start (another evacuation runs, unknown migrations, unreadable journal)."""


@dataclass(frozen=True)
class Paths:
    journal: str
    progress: str
    hooks: str
    lock: str

    @classmethod
    def of(cls, options: Options) -> Paths:
        base = os.path.join(options.state_dir, options.file_stem)
        return cls(f"{base}.journal.jsonl", f"{base}.progress.json", f"{base}.hooks.json", os.path.join(options.state_dir, f"{safe_name(options.source)}.lock"))


@dataclass
class Outcome:
    changed: bool
    resumed: bool
    interrupted: str
    record: dict[str, Any]
    lpars: list[dict[str, Any]]
    hooks_due: list[dict[str, str]]
    plan: dict[str, Any]
    paths: Paths
    manifest_path: str
    commands: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed_lpars(self) -> list[str]:
        return [x["lpar"] for x in self.lpars if x["state"] == LEFT and x["reason"] in FAILED_REASONS]

    def to_result(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for item in self.lpars:
            counts[item["state"]] = counts.get(item["state"], 0) + 1
        return {
            "changed": self.changed, "resumed": self.resumed, "interrupted": self.interrupted, "record": self.record,
            "lpars": self.lpars, "counts": counts, "failed_lpars": self.failed_lpars, "hooks_due": self.hooks_due,
            "plan": self.plan, "journal": self.paths.journal, "progress_file": self.paths.progress,
            "manifest_path": self.manifest_path or None, "commands": self.commands,
        }  # fmt: skip


def run(
    client: CommandRunner,
    options: Options,
    plan: Mapping[str, Any],
    estate: Mapping[str, Any] | None = None,
    policy: Mapping[str, Any] | None = None,
    physics: Mapping[str, Any] | None = None,
    clock: Any = time.time,
) -> Outcome:
    os.makedirs(options.state_dir, mode=0o700, exist_ok=True)
    paths = Paths.of(options)
    lock = EvacLock(paths.lock, owner_info(options.watch_pid, options.run_token))
    try:
        lock.acquire(f"an evacuation of {options.source}", wait=options.lock_wait)
    except Exception as exc:  # LockHeld, or an unwritable state directory
        raise EvacRefused(str(exc)) from None
    try:
        return _Run(client, options, paths, estate, policy, physics, clock).go(plan)
    finally:
        lock.release()


class _Run:
    def __init__(self, client: CommandRunner, options: Options, paths: Paths, estate: Any, policy: Any, physics: Any, clock: Any) -> None:
        self.log = CommandLog(client)
        self.o = options
        self.paths = paths
        self.estate = estate
        self.policy = dict(policy or {})
        self.physics = dict(physics or {})
        self.clock = clock
        self.journal = journal_io.Journal(paths.journal)
        self.warnings: list[str] = []
        self.manifest: dict[str, Any] | None = None
        self.retry = Setting(None, {}, {}, policy_from({}))
        self.tried: dict[str, list[tuple[str, str, str]]] = {}
        self.used_ids: dict[str, set[int]] = {}

    # ----- journal and plan -----
    def _cycle(self, plan: Mapping[str, Any]) -> tuple[journal_io.JournalState, bool, bool]:
        """(journal state, resumed, new cycle); archives an ended journal when a new evacuation starts."""
        try:
            state = journal_io.load(self.paths.journal)
        except journal_io.JournalError as exc:
            raise EvacRefused(f"the journal cannot be read: {exc}; move it away to start a new evacuation") from None
        fresh = not state.exists or (state.complete and (bool(plan.get("plan")) or self.o.replan))
        if state.exists and fresh:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.clock()))
            for path in (self.paths.journal, self.paths.hooks):
                if os.path.exists(path):
                    root, ext = os.path.splitext(path)
                    os.replace(path, f"{root}.{stamp}{ext}")
            state = journal_io.JournalState()
        resumed = state.exists and not state.complete
        return state, resumed, fresh

    def go(self, given: Mapping[str, Any]) -> Outcome:
        state, resumed, fresh = self._cycle(given)
        now = self.clock()
        self.journal.write("run", {"run": len(state.runs) + 1, "pid": os.getpid(), "host": os.uname().nodename, "started": iso(now),
                                   "token": self.o.run_token, "resumed": resumed})  # fmt: skip
        if fresh or (self.o.replan and resumed) or state.plan is None:
            self.journal.write("plan", {"plan": dict(given), "source_system": self.o.source, "targets": list(self.o.targets), "name": self.o.name})
        state = journal_io.load(self.paths.journal)
        plan = dict((state.plan or {}).get("plan") or given)
        if resumed and state.plan is not None and given.get("plan") and given.get("plan") != plan.get("plan"):
            self.warnings.append("resuming the evacuation of the journal with the plan it holds; the plan given was not used (replan=true uses it)")
        entries = [e for e in entries_of(plan) if e.source in ("", self.o.source)]
        start, found_targets = self._where(entries, state)
        for lpar, findings in hold_back(self.log, start, self.o, self.estate, self.warnings).items():
            self.journal.write("left", {"lpar": lpar, "reason": RESTORE_LEFT_REASON, "detail": details(findings),
                                        "findings": [f.to_dict() for f in findings]})  # fmt: skip
        self._write_manifest(entries, start, fresh)
        loop = self._loop(plan, entries, start, state, found_targets)
        return self._end(loop, plan, resumed)

    # ----- where things are -----
    def _where(self, entries: Sequence[Entry], state: journal_io.JournalState) -> tuple[Start, list[str]]:
        launched = {str(x.get("target")) for xs in state.launches.values() for x in xs if x.get("target")}
        targets = sorted(({*self.o.targets, *(e.target for e in entries), *launched}) - {"", self.o.source})
        found = read(self.log, [e.lpar for e in entries], self.o.source, targets)
        foreign = foreign_migrations(found, self.o.source, state.launches)
        if foreign:
            raise EvacRefused(
                f"migrations from {self.o.source} are in progress that this evacuation did not start ({', '.join(foreign)}): another evacuation "
                "or a manual migration is running; wait for it to end"
            )
        placements = {e.lpar: place(e.lpar, self.o.source, found) for e in entries}
        start = classify(entries, state, placements)
        self.used_ids = {s: {p.lpar_id for p in parts if p.lpar_id is not None} for s, parts in found.partitions.items()}
        return start, targets

    def _write_manifest(self, entries: Sequence[Entry], start: Start, fresh: bool) -> None:
        if not self.o.manifest_path or self.o.restore:
            return
        try:
            existing = manifests.read(self.o.manifest_path)
        except (OSError, ValueError) as exc:
            raise EvacRefused(f"the manifest cannot be read: {exc}") from None
        new = None
        on_source = [t.lpar for t in start.tracks if t.state != MOVED and not t.attach]
        if self.estate and self.o.source in self.estate.get("systems", {}):
            new = manifests.build(self.estate, self.o.source, [e.lpar for e in entries], self.o.name, iso(self.clock()))
        if existing and new and fresh:
            parts = dict(existing.get("partitions") or {})
            parts.update({n: new["partitions"][n] for n in on_source if n in new["partitions"]})
            existing = {**existing, "partitions": parts}
        self.manifest = manifests.merge(existing, new or {"format": manifests.MANIFEST_FORMAT, "name": self.o.name, "source_system": self.o.source,
                                                          "created": iso(self.clock()), "partitions": {}})  # fmt: skip
        if new is None and not existing:
            self.warnings.append("no estate facts were given: the manifest holds no original placement")
        for track in start.tracks:
            if track.state == MOVED:
                manifests.record_move(self.manifest, track.lpar, track.entry.target, track.entry.source_msp, track.entry.dest_msp)
        manifests.write(self.o.manifest_path, self.manifest)

    # ----- the loop -----
    def _retry_setting(self, targets: Sequence[str]) -> Setting:
        return retry_setting(self.estate, self.o, self.policy, self.physics, targets, self.warnings)

    def _caps(self, retry: Setting, systems: Sequence[str], attached: Sequence[Track]) -> Caps:
        return caps_for(self.o, retry, capacities(self.log, systems, self.warnings), attached)

    def _spec(self, track: Track) -> MigrationSpec:
        return spec_for(track.entry, self.o, self.estate, self.used_ids)

    def _on_moved(self, track: Track, result: MigrationResult) -> None:
        if self.manifest is not None and self.o.manifest_path:
            manifests.record_move(self.manifest, track.lpar, result.target, result.source_msp, result.dest_msp)
            manifests.write(self.o.manifest_path, self.manifest)

    def _prepare(self, start: Start, state: journal_io.JournalState, origin: float) -> None:
        """Recover failed migrations, record moves nobody followed, decide pending retries."""
        for track in start.moved_unseen:
            launch = state.last_launch(track.lpar) or {}
            e = track.entry
            result = MigrationResult(e.lpar, e.source, e.target, e.kind, Status.MIGRATED, source_msp=e.source_msp, dest_msp=e.dest_msp)
            result.started, result.ended = launch.get("at"), self.clock()
            result.message = "moved while no run was following it; the end time is when this run saw it"
            data = result.to_dict()
            entry = migration_entry(result, origin, [], self.o.clock_scale)
            self.journal.write("result", {"lpar": e.lpar, "attempt": track.attempts, "status": "migrated", "target": e.target, "entry": entry, "result": data})
        for track in start.recover:
            e = track.entry
            result = MigrationResult(e.lpar, e.source, e.target, e.kind)
            result.fail("an earlier migration failed and left the partition needing recovery")
            if self.o.recover_on_failure:
                result.recovery_message = recover(self.log, migrlpar_recover(e.source, LparRef(e.lpar, e.lpar_id)))
                result.recovered = result.recovery_message.startswith("recovered")
            result.hint = recovery_hint(result.recovered)
            self._decide_now(track, result, origin)
        for track in start.decide_retry:
            last = (state.last_result(track.lpar) or {}).get("result") or {}
            e = track.entry
            result = MigrationResult(e.lpar, e.source, str(last.get("target") or e.target), e.kind)
            result.fail(str(last.get("message") or "the migration failed"))
            result.hscl_code, result.recovered = last.get("hscl_code"), bool(last.get("recovered"))
            self._decide_now(track, result, origin, write=False)

    def _decide_now(self, track: Track, result: MigrationResult, origin: float, write: bool = True) -> None:
        if write:
            data = result.to_dict()
            self.journal.write("result", {"lpar": track.lpar, "attempt": track.attempts, "status": result.status.value, "target": result.target,
                                          "entry": migration_entry(result, origin, [], self.o.clock_scale), "result": data})  # fmt: skip
        if not self.o.recover_on_failure and not result.recovered and write:
            decision: Any = GiveUp("failed", "the partition needs recovery (migrlpar -o r) and recover_on_failure is off")
        else:
            tried = list(self.tried.get(track.lpar, [])) or [(track.entry.target, track.entry.source_msp, track.entry.dest_msp)]
            decision = decide(result, track.entry.kind, max(track.attempts, 1), self.o.max_attempts, tried, self.retry,
                              self.o.retry_other_target, None, lambda _t, _p: 0)  # fmt: skip
        if isinstance(decision, GiveUp):
            track.state, track.reason, track.note = LEFT, decision.reason, decision.detail
            self.journal.write("left", {"lpar": track.lpar, "reason": decision.reason, "detail": decision.detail})
            return
        track.entry = dataclasses.replace(track.entry, target=decision.target, source_msp=decision.source_msp, dest_msp=decision.dest_msp)
        track.retry, track.state = decision.reason, WAITING

    def _loop(self, plan: Mapping[str, Any], entries: Sequence[Entry], start: Start, state: journal_io.JournalState, targets: Sequence[str]) -> Loop:
        origin = origin_of(state, self.clock())
        retry = self.retry = self._retry_setting(targets)
        self.tried = {lpar: state.tried(lpar) for lpar in state.launches}
        self._prepare(start, state, origin)
        tracks = start.tracks
        attached = [t for t in tracks if t.attach and t.state == WAITING]
        caps = self._caps(retry, [self.o.source, *targets], attached)
        ratio = self.o.duration_scale
        clock = PlanClock(self.clock(), self.o.clock_scale / max(ratio, 1e-6))
        done = [t.entry.start_s for t in tracks if t.state in (MOVED, LEFT) or t.attach]
        if done:
            clock.sync(max(done), self.clock())
        hooks = Hooks(self.o.hooks, self.o.groups, self.paths.hooks)
        dispatcher = Dispatcher(tracks, caps, hooks, clock, self.o.clock_scale, ratio, self.o.deadline, self.o.stop_on_failure)
        holder: dict[str, Loop] = {}

        def on_progress(seen: list[ProgressEntry]) -> None:
            holder["loop"].on_progress(seen)

        poller = Poller(self.log, self.o.poll_interval, on_progress)
        worker = Worker(self.log, poller, self.o.migration_timeout, self.o.recover_on_failure, self.clock)
        parts = Parts(self.o, self.journal, dispatcher, worker, ProgressRecorder(self.clock), hooks, retry, room_left(retry, tracks),
                      self._spec, self._on_moved, self.paths.progress, origin, float(plan.get("eta_seconds") or 0.0), self.tried, self.clock)  # fmt: skip
        loop = holder["loop"] = Loop(parts)
        launched_at = {lpar: float((state.open_launch(lpar) or state.last_launch(lpar) or {}).get("at") or self.clock()) for lpar in (t.lpar for t in attached)}
        poller.start()
        try:
            loop.run(attached, launched_at)
        finally:
            if not loop.interrupted:
                poller.stop()
        loop.changed = loop.changed or bool(start.recover)
        return loop

    # ----- the end -----
    def _end(self, loop: Loop, plan: Mapping[str, Any], resumed: bool) -> Outcome:
        tracks = loop.p.dispatcher.order
        if not loop.interrupted:
            if self.o.postchecks:
                moved = {t.lpar: (t.entry.target, t.entry.kind) for t in tracks if t.state == MOVED}
                staying = [t.lpar for t in tracks if t.state == LEFT] + [str(u.get("lpar")) for u in plan.get("unmovable") or ()]
                for check in postchecks(self.log, self.o.source, moved, staying):
                    self.journal.write("postcheck", check)
            self.journal.write("end", {"ended": iso(self.clock()), "complete": True})
            settled = {t.lpar for t in tracks if t.state in (MOVED, LEFT)}
            touched = {t.lpar for t in tracks if t.state == MOVED or t.attempts > 0}
            loop.p.hooks.refresh()
            loop.finish(loop.p.hooks.post_due(settled, touched))
        state = journal_io.load(self.paths.journal)
        record = build_record(state, self.o.source, [*self.o.targets, *(t.entry.target for t in tracks if t.state == MOVED)], self.o.name,
                              self.o.manifest_path or None, self.o.not_ready)  # fmt: skip
        lpars = [{"lpar": t.lpar, "state": t.state, "target": t.entry.target, "attempts": t.attempts, "reason": t.reason, "note": t.note,
                  "source_msp": t.entry.source_msp, "dest_msp": t.entry.dest_msp} for t in tracks]  # fmt: skip
        hooks_due = [{"group": g, "phase": "post"} for g in loop.post_due]
        return Outcome(loop.changed, resumed, loop.interrupted, record, lpars, hooks_due, dict(plan), self.paths, self.o.manifest_path,
                       self.log.commands, self.warnings)  # fmt: skip


def details(findings: Sequence[SlotFinding]) -> str:
    return "; ".join(f.detail for f in findings)


def hold_back(client: CommandRunner, start: Start, options: Options, estate: Mapping[str, Any] | None, warnings: list[str]) -> dict[str, list[SlotFinding]]:
    """The return home: partitions about to be sent whose original VIOS slots their home VIOS cannot give are left
    where they are (reason ``vios_slot``, the HMC code and a hint in the note), before anything is sent."""
    if not options.restore:
        return {}
    pending = {t.lpar for t in (*start.recover, *start.decide_retry)}
    waiting = [t for t in start.tracks if t.state == WAITING and not t.attach and t.lpar not in pending]
    found = check_slots(client, [t.entry for t in waiting], options.overrides, estate, warnings)
    for track in waiting:
        if track.lpar in found:
            track.state, track.reason, track.note = LEFT, RESTORE_LEFT_REASON, details(found[track.lpar])
    return found


def preview(client: CommandRunner, options: Options, plan: Mapping[str, Any], estate: Mapping[str, Any] | None = None) -> Outcome:
    """Check mode: what a run would do with each planned partition, from the journal and the HMC; writes nothing.

    The outcome has the shape of a run's (record, counts, hooks due, files), with nothing moved by it: ``lpars``
    says per partition what a run would do (``would_migrate``, ``would_follow``, ``would_recover``) or where it is.
    """
    paths = Paths.of(options)
    try:
        state = journal_io.load(paths.journal)
    except journal_io.JournalError as exc:
        raise EvacRefused(f"the journal cannot be read: {exc}") from None
    if not state.exists or (state.complete and (bool(plan.get("plan")) or options.replan)):
        state = journal_io.JournalState()  # a run would archive the journal and start a new evacuation
    resumed = state.exists and not state.complete
    if state.plan is not None and not (options.replan and resumed):
        plan = state.plan.get("plan") or plan
    entries = [e for e in entries_of(plan) if e.source in ("", options.source)]
    targets = sorted({*options.targets, *(e.target for e in entries)} - {"", options.source})
    found = read(CommandLog(client), [e.lpar for e in entries], options.source, targets)
    start = classify(entries, state, {e.lpar: place(e.lpar, options.source, found) for e in entries})
    warnings: list[str] = []
    held = hold_back(client, start, options, estate, warnings)
    out = []
    for track in start.tracks:
        would = {MOVED: "moved", LEFT: "left"}.get(track.state, "would_follow" if track.attach else "would_migrate")
        if track in start.recover:
            would = "would_recover"
        out.append({"lpar": track.lpar, "state": would, "target": track.entry.target, "attempts": track.attempts, "reason": track.reason,
                    "note": track.note, "source_msp": track.entry.source_msp, "dest_msp": track.entry.dest_msp})  # fmt: skip
    left = {lpar: {"lpar": lpar, "reason": RESTORE_LEFT_REASON, "detail": details(findings)} for lpar, findings in held.items()}
    shown = dataclasses.replace(state, plan={"plan": dict(plan)}, left={**state.left, **left})
    record = build_record(shown, options.source, [*options.targets, *targets], options.name, options.manifest_path or None, options.not_ready)
    changed = any(x["state"].startswith("would") for x in out)
    return Outcome(changed, resumed, "", record, out, [], dict(plan), paths, options.manifest_path, warnings=warnings)
