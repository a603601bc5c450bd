# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The dispatch loop of an evacuation run: start what the dispatcher allows, settle what ended.

Each migration runs in a thread of its own (``_evac_worker``) over the run's one HMC connection; the
migration engine's poller reads each source system once per round for all of them and feeds the
progress file and the report's phases. The loop wakes when an attempt ends and at least every
``TICK`` seconds. It stops when every partition has moved or is left, or, at once, when the
controller that started it (``watch_pid``) is gone: migrations in flight then go on on the HMC and
the next run follows them.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, MOVED, RUNNING, WAITING, Dispatcher, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_journal import Journal
from ansible_collections.powervm.lpm.plugins.module_utils._evac_lock import pid_alive
from ansible_collections.powervm.lpm.plugins.module_utils._evac_progress import percent, write_snapshot
from ansible_collections.powervm.lpm.plugins.module_utils._evac_record import migration_entry
from ansible_collections.powervm.lpm.plugins.module_utils._evac_retry import GiveUp, Setting, decide
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Options
from ansible_collections.powervm.lpm.plugins.module_utils._evac_worker import Attempt, Worker
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_poller import ProgressEntry
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult, Status
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity
from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import ProgressRecorder

TICK = 0.5  # seconds between two looks at the state when nothing happens
SNAPSHOT_EVERY = 1.0


@dataclass
class Live:
    """What the poller last saw of a migration in flight."""

    state: str = ""
    sent: int | None = None
    left: int | None = None
    at: float = 0.0
    rate: float | None = None  # bytes per real second


@dataclass
class Parts:
    """What the loop works with, built by the run."""

    options: Options
    journal: Journal
    dispatcher: Dispatcher
    worker: Worker
    recorder: ProgressRecorder
    hooks: Hooks
    retry: Setting
    capacity: Capacity | None
    spec_of: Callable[[Track], MigrationSpec]
    on_moved: Callable[[Track, MigrationResult], None]
    progress_path: str
    origin: float
    plan_eta: float
    tried: dict[str, list[tuple[str, str, str]]]  # (target, source MSP, destination MSP) sent, per partition
    clock: Callable[[], float] = time.time


class Loop:
    def __init__(self, parts: Parts) -> None:
        self.p = parts
        self.o = parts.options
        self._cond = threading.Condition()
        self._done: list[tuple[Track, MigrationResult]] = []
        self._threads: dict[str, threading.Thread] = {}
        self._live: dict[str, Live] = {}
        self._launched_at: dict[str, float] = {}
        self._hook_first_due: dict[str, float] = {}
        self._last_snapshot = 0.0
        self.started = parts.clock()
        self.changed = False
        self.interrupted = ""
        self.pre_due: list[str] = []
        self.post_due: list[str] = []

    # ----- the poller's thread -----
    def on_progress(self, entries: list[ProgressEntry]) -> None:
        now = self.p.clock()
        with self._cond:
            for e in entries:
                live = self._live.setdefault(e.lpar, Live())
                if e.bytes_transmitted is not None and live.sent and now > live.at and e.bytes_transmitted >= live.sent:
                    live.rate = (e.bytes_transmitted - live.sent) / (now - live.at)
                live.state, live.sent, live.left, live.at = e.migration_state, e.bytes_transmitted, e.bytes_remaining, now
        self.p.recorder(entries)

    # ----- the loop -----
    def run(self, attached: Sequence[Track], launched_at: Mapping[str, float]) -> None:
        self._launched_at.update(launched_at)
        now = self.p.clock()
        for track in attached:
            self.p.dispatcher.caps.take(track.slot())
            track.state, track.started = RUNNING, now
            self._launch(track)
        while True:
            now = self.p.clock()
            self.p.hooks.refresh()
            self._collect()
            if self.o.watch_pid and not pid_alive(self.o.watch_pid):
                self.interrupted = f"the controller process {self.o.watch_pid} has ended"
                self.p.journal.write("interrupted", {"reason": self.interrupted, "at": now})
                self._snapshot(now, force=True)
                return
            self._mark_suspended()
            choice = self.p.dispatcher.choose(now)
            for track in choice.left:
                self._leave(track, track.reason, track.note)
            for track in choice.start:
                self._launch(track)
            self.pre_due = self._pre_hooks(choice.hooks_due, now)
            self.post_due = self._post_hooks()
            for track in self.p.dispatcher.stuck(hooks_pending=bool(self.pre_due)):
                self._leave(track, "skipped", f"not started: {self.p.dispatcher.never_fits(track)}")
            self._snapshot(now)
            if not self.p.dispatcher.pending() and not self._threads:
                return
            with self._cond:
                if not self._done:
                    self._cond.wait(TICK)

    def _launch(self, track: Track) -> None:
        e = track.entry
        attach = track.attach
        if not attach:
            track.attempts += 1
            self.changed = True
            self.p.tried.setdefault(e.lpar, []).append((e.target, e.source_msp, e.dest_msp))
        try:
            argv = None if attach else migrlpar("m", e.source, LparRef(e.lpar, e.lpar_id), self.p.spec_of(track))
        except HmcInputError as exc:
            result = MigrationResult(e.lpar, e.source, e.target, e.kind)
            result.fail(exc.message)
            with self._cond:
                self._done.append((track, result))
            return
        recover_argv = migrlpar_recover(e.source, LparRef(e.lpar, e.lpar_id))
        attempt = Attempt(e.lpar, e.source, e.target, e.kind, track.attempts, argv, recover_argv, e.source_msp, e.dest_msp)
        record = {"lpar": e.lpar, "attempt": track.attempts, "target": e.target, "source_msp": e.source_msp, "dest_msp": e.dest_msp, "attach": attach}
        if attach:
            self.p.journal.write("launch", {**record, "command": "", "at": self._launched_at.get(e.lpar, self.p.clock())})

        def before_send() -> None:
            self._launched_at[e.lpar] = self.p.clock()
            self.p.journal.write("launch", {**record, "command": " ".join(argv or []), "at": self._launched_at[e.lpar], "retry": track.retry})

        thread = threading.Thread(target=self._work, args=(track, attempt, before_send), name=f"evac-{e.lpar}", daemon=True)
        self._threads[e.lpar] = thread
        thread.start()

    def _work(self, track: Track, attempt: Attempt, before_send: Callable[[], None]) -> None:
        result = self.p.worker.run(attempt, before_send)
        with self._cond:
            self._done.append((track, result))
            self._cond.notify_all()

    def _collect(self) -> None:
        with self._cond:
            done, self._done = self._done, []
        for track, result in done:
            self._settle(track, result)

    def _settle(self, track: Track, result: MigrationResult) -> None:
        now = self.p.clock()
        self._threads.pop(track.lpar, None)
        if track.attach and track.lpar in self._launched_at:
            result.started = self._launched_at[track.lpar]
        self.changed = self.changed or result.recovered
        data = result.to_dict()
        entry = migration_entry(result, self.p.origin, self.p.recorder.observations(track.lpar), self.o.clock_scale)
        self.p.journal.write("result", {"lpar": track.lpar, "attempt": track.attempts, "status": result.status.value, "target": result.target,
                                        "entry": entry, "result": data})  # fmt: skip
        moved = result.status == Status.MIGRATED
        self.p.dispatcher.ended(track, now, moved)
        track.attach = False
        if moved:
            track.state, track.note = MOVED, result.message
            self.p.on_moved(track, result)
            return
        self._retry(track, result)

    def _retry(self, track: Track, result: MigrationResult) -> None:
        e = track.entry

        def load(target: str, pair: tuple[str, str]) -> int:
            return self.p.dispatcher.caps.load((e.source, pair[0])) + self.p.dispatcher.caps.load((target, pair[1]))

        tried = self.p.tried.setdefault(track.lpar, [])
        if not tried:
            tried.append((e.target, e.source_msp, e.dest_msp))
        if tried[-1] == (e.target, "", "") and result.source_msp and result.dest_msp:
            tried[-1] = (e.target, result.source_msp, result.dest_msp)  # the pair the HMC chose
        decision = decide(result, e.kind, max(track.attempts, 1), self.o.max_attempts, tried, self.p.retry, self.o.retry_other_target, self.p.capacity, load)
        if self.o.stop_on_failure and not isinstance(decision, GiveUp):
            # No retry either: the partition stays with its own failure, not as one of those skipped after it.
            why = result.message or "the migration failed"
            decision = GiveUp("recovered" if result.recovered else "failed", f"{why}; not tried again: stop_on_failure is set")
        if isinstance(decision, GiveUp):
            self._leave(track, decision.reason, decision.detail)
            return
        part = self.p.retry.parts.get(track.lpar)
        if self.p.capacity is not None and part is not None and decision.target != e.target:
            self.p.capacity.give_back(part, e.target)
            self.p.capacity.take(part, decision.target)
        track.entry = dataclasses.replace(e, target=decision.target, source_msp=decision.source_msp, dest_msp=decision.dest_msp)
        track.retry, track.state = decision.reason, WAITING
        track.note = f"attempt {track.attempts} failed ({result.hscl_code or result.message[:60]}); next: {decision.reason}"

    def _leave(self, track: Track, reason: str, detail: str) -> None:
        track.state, track.reason, track.note = LEFT, reason, detail
        self.p.journal.write("left", {"lpar": track.lpar, "reason": reason, "detail": detail})

    # ----- hooks and progress -----
    def _pre_hooks(self, due: list[str], now: float) -> list[str]:
        waiting = []
        for group in due:
            first = self._hook_first_due.setdefault(group, now)
            if now - first <= self.o.hook_wait:
                waiting.append(group)
                continue
            for track in self.p.dispatcher.order:
                if track.state == WAITING and group in self.p.hooks.groups_of(track.lpar):
                    track.state = LEFT
                    self._leave(track, "hook_failed", f"no answer to the pre-hook of disruption group {group} within {self.o.hook_wait:g} s")
        return waiting

    def _post_hooks(self) -> list[str]:
        tracks = self.p.dispatcher.order
        settled = {t.lpar for t in tracks if t.state in (MOVED, LEFT)}
        touched = {t.lpar for t in tracks if t.state == MOVED or t.attempts > 0}
        return self.p.hooks.post_due(settled, touched)

    def _mark_suspended(self) -> None:
        with self._cond:
            for track in self.p.dispatcher.order:
                live = self._live.get(track.lpar)
                if track.state == RUNNING and live is not None and live.left == 0 and (live.sent or 0) > 0:
                    track.suspended = True

    def lpar_rows(self, now: float) -> list[dict[str, Any]]:
        rows = []
        with self._cond:
            live_now = dict(self._live)
        for track in self.p.dispatcher.order:
            e = track.entry
            live = live_now.get(track.lpar) if track.state == RUNNING else None
            eta = None
            if live is not None and live.left is not None and live.rate:
                eta = live.left / live.rate
            rows.append({
                "lpar": track.lpar, "target": e.target, "state": track.state, "phase": live.state if live else "",
                "source_msp": e.source_msp, "dest_msp": e.dest_msp,
                "bytes_transmitted": live.sent if live else None, "bytes_remaining": live.left if live else None,
                "percent": percent(live.sent, live.left) if live else None, "eta_seconds": eta,
                "attempt": track.attempts, "note": track.reason or track.note,
            })  # fmt: skip
        return rows

    def eta(self, now: float, rows: Sequence[Mapping[str, Any]]) -> float:
        d = self.p.dispatcher
        open_tracks = [t for t in d.order if t.state in (WAITING, RUNNING)]
        if not open_tracks:
            return 0.0
        planned_end = max(t.entry.end_s for t in open_tracks)
        by_plan = max(0.0, planned_end - d.clock.now(now)) / max(d.clock.rate, 1e-9)
        running = [float(r["eta_seconds"]) for r in rows if r.get("eta_seconds") is not None]
        return max([by_plan, *running])

    def _snapshot(self, now: float, force: bool = False, finished: bool = False) -> None:
        if not force and not finished and now - self._last_snapshot < SNAPSHOT_EVERY:
            return
        self._last_snapshot = now
        rows = self.lpar_rows(now)
        counts = self.p.dispatcher.counts()
        hooks = [{"group": g, "phase": "pre"} for g in self.pre_due] + [{"group": g, "phase": "post"} for g in self.post_due]
        write_snapshot(self.p.progress_path, {
            "token": self.o.run_token, "pid": os.getpid(), "name": self.o.name, "source": self.o.source, "started": self.started,
            "updated": now, "finished": finished, "interrupted": self.interrupted,
            "counts": {"moved": counts[MOVED], "running": counts[RUNNING], "waiting": counts[WAITING], "left": counts[LEFT], "total": counts["total"]},
            "elapsed": now - self.started, "eta_seconds": 0.0 if finished else self.eta(now, rows), "plan_eta_seconds": self.p.plan_eta,
            "hooks_due": hooks, "lpars": rows,
        })  # fmt: skip

    def finish(self, hooks_due: Sequence[str]) -> None:
        self.pre_due, self.post_due = [], list(hooks_due)
        self._snapshot(self.p.clock(), finished=True)
