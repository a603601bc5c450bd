# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Which planned migrations start now: the plan's order and timing, the caps, groups, hooks and deadline.

The planner says when each migration starts: after named events of others (``start_after``: their
``end``, or their ``suspend``, the end of their memory copy), or at a time (``start_s``) when its
copy would find a link free. Real migrations do not run exactly as predicted, so the run keeps a
**plan clock**: plan seconds advance at ``clock_scale / ratio`` per real second (``ratio`` is actual
over predicted duration, measured on the migrations that ended, ``duration_scale`` before any did),
and jump forward when a planned migration ends earlier than predicted. Each pending migration, in plan
order (later ones may pass one that waits), starts when:

1. its ``start_after`` events happened (a partition that moved or stays behind counts as happened);
   one without them waits until the plan clock reaches its ``start_s``, unless nothing runs at all;
2. no pre-hook of its disruption groups is waiting for an answer;
3. it is predicted to end before the deadline: now plus its planned duration times the measured
   ``ratio``, in real seconds (else it stays: ``deadline``, with the predicted end and the deadline);
4. every cap allows it (``_evac_caps``).

A retry starts as soon as the caps allow. Nothing here talks to the HMC.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps, Slot
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import SUSPEND, Entry
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import iso

WAITING, RUNNING, MOVED, LEFT = "waiting", "running", "moved", "left"
EPS_S = 1e-6
MIN_RATIO, MAX_RATIO = 1e-4, 1e4


@dataclass
class Track:
    """One planned partition during the run."""

    entry: Entry
    state: str = WAITING
    attempts: int = 0  # migrations sent so far (all runs)
    attach: bool = False  # the next start follows the migration in progress
    retry: str = ""  # why the current entry differs from the plan ("" for the planned one)
    started: float | None = None  # real (epoch) seconds
    ended: float | None = None
    suspended: bool = False
    note: str = ""
    reason: str = ""  # why it is left
    moved_before: bool = False  # it had moved before this run began

    @property
    def lpar(self) -> str:
        return self.entry.lpar

    def slot(self) -> Slot:
        e = self.entry
        return Slot(e.lpar, e.source, e.target, e.kind, e.source_msp, e.dest_msp)


class PlanClock:
    """Plan seconds since the evacuation began, as a function of real (epoch) time."""

    def __init__(self, start: float, rate: float) -> None:
        self.anchor_plan = 0.0
        self.anchor_real = start
        self.rate = rate

    def now(self, real: float) -> float:
        return self.anchor_plan + (real - self.anchor_real) * self.rate

    def set_rate(self, rate: float, real: float) -> None:
        self.anchor_plan, self.anchor_real, self.rate = self.now(real), real, rate

    def sync(self, plan_s: float, real: float) -> None:
        if plan_s > self.now(real):
            self.anchor_plan, self.anchor_real = plan_s, real


@dataclass
class Choice:
    start: list[Track] = field(default_factory=list)
    left: list[Track] = field(default_factory=list)
    hooks_due: list[str] = field(default_factory=list)  # groups whose pre-hook is due
    waiting: dict[str, str] = field(default_factory=dict)  # partition -> why it waits


class Dispatcher:
    def __init__(
        self,
        tracks: Sequence[Track],
        caps: Caps,
        hooks: Hooks,
        clock: PlanClock,
        clock_scale: float = 1.0,
        duration_scale: float = 1.0,
        deadline: float | None = None,
        stop_on_failure: bool = False,
    ) -> None:
        self.tracks = {t.lpar: t for t in tracks}
        self.order = sorted(tracks, key=lambda t: t.entry.order)
        self.caps = caps
        self.hooks = hooks
        self.clock = clock
        self.clock_scale = max(clock_scale, MIN_RATIO)
        self.deadline = deadline
        self.stop_on_failure = stop_on_failure
        self.failed_once = False
        self.prior = min(max(duration_scale, MIN_RATIO), MAX_RATIO)
        self.ratios: list[float] = []

    # ----- what the run tells it -----
    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios) if self.ratios else self.prior

    def ended(self, track: Track, real: float, moved: bool) -> None:
        """A migration of ``track`` ended; measure it and move the plan clock on."""
        self.caps.release(track.slot())
        track.ended = real
        if not moved:
            self.failed_once = True
            return
        e = track.entry
        if track.started is not None and not track.attach and not track.retry and e.duration_s > 0:
            actual = (real - track.started) * self.clock_scale
            self.ratios.append(min(max(actual / e.duration_s, MIN_RATIO), MAX_RATIO))
            self.clock.set_rate(self.clock_scale / self.ratio, real)
        if not track.retry:
            self.clock.sync(e.end_s, real)

    def predicted_real(self, entry: Entry) -> float:
        """Real seconds the migration is predicted to take."""
        return entry.duration_s * self.ratio / self.clock_scale

    # ----- the decision -----
    def choose(self, real: float) -> Choice:
        choice = Choice()
        timed: list[Track] = []
        for track in self.order:
            if track.state == WAITING:
                self._consider(track, real, choice, timed)
        if not choice.start and self.caps.in_flight == 0:
            # Nothing runs: the first timed migration is due now, under the same gates as any other (one
            # the deadline leaves out passes the turn to the next).
            for first in timed:
                choice.waiting.pop(first.lpar, None)
                self._gate(first, real, choice)
                if first.state == RUNNING:
                    self.clock.sync(first.entry.start_s, real)
                if first.state != LEFT:
                    break
        choice.hooks_due = sorted(set(choice.hooks_due))
        return choice

    def _consider(self, track: Track, real: float, choice: Choice, timed: list[Track]) -> None:
        if self.stop_on_failure and self.failed_once:
            self._leave(track, "skipped", "not started: a migration failed and stop_on_failure is set", choice)
            return
        failed = self.hooks.failed_by(track.lpar)
        if failed is not None:
            self._leave(track, "hook_failed", f"the pre-hook of disruption group {failed[0]} failed: {failed[1]}", choice)
            return
        if not track.retry:
            waits = self._waits_for(track)
            if waits:
                choice.waiting[track.lpar] = waits
                return
            if not track.entry.start_after and track.entry.start_s > self.clock.now(real) + EPS_S:
                choice.waiting[track.lpar] = f"planned start at +{track.entry.start_s:.0f} s"
                timed.append(track)
                return
        self._gate(track, real, choice)

    def _gate(self, track: Track, real: float, choice: Choice) -> None:
        """Start a migration that is due, unless a pre-hook holds it, it would end after the deadline, or a cap is full."""
        group = self.hooks.held_by(track.lpar)
        if group is not None:
            choice.hooks_due.append(group)
            choice.waiting[track.lpar] = f"waits for the pre-hook of disruption group {group}"
            return
        if self.deadline is not None and real + self.predicted_real(track.entry) > self.deadline:
            takes = self.predicted_real(track.entry)
            detail = f"not started at {iso(real)}: predicted to take {takes:.0f} s and end at {iso(real + takes)}, after the deadline {iso(self.deadline)}"
            self._leave(track, "deadline", detail, choice)
            return
        why = self.caps.blocker(track.slot())
        if why is not None:
            choice.waiting[track.lpar] = why
            return
        self._start(track, real, choice)

    def _waits_for(self, track: Track) -> str:
        for lpar, event in track.entry.start_after:
            other = self.tracks.get(lpar)
            if other is None or other.state in (MOVED, LEFT):
                continue
            if event == SUSPEND and other.suspended:
                continue
            return f"waits for the {event} of {lpar}"
        return ""

    def _start(self, track: Track, real: float, choice: Choice) -> None:
        self.caps.take(track.slot())
        track.state = RUNNING
        track.started = real
        track.ended = None
        track.suspended = False
        choice.start.append(track)

    def _leave(self, track: Track, reason: str, detail: str, choice: Choice) -> None:
        track.state = LEFT
        track.reason = reason
        track.note = detail
        choice.left.append(track)

    def stuck(self, hooks_pending: bool) -> list[Track]:
        """Waiting partitions that can never start: nothing runs, no hook is awaited, none started."""
        if self.caps.in_flight or hooks_pending:
            return []
        return [t for t in self.order if t.state == WAITING]

    def never_fits(self, track: Track) -> str:
        return self.caps.never_fits(track.slot()) or self.caps.blocker(track.slot()) or "no migration slot"

    def pending(self) -> list[Track]:
        return [t for t in self.order if t.state in (WAITING, RUNNING)]

    def counts(self) -> dict[str, int]:
        out = {WAITING: 0, RUNNING: 0, MOVED: 0, LEFT: 0}
        for t in self.order:
            out[t.state] += 1
        return {**out, "total": len(self.order)}
