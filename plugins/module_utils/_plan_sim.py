# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Event-driven simulation of an evacuation: when each migration starts, what it shares, when it ends.

A :class:`Dispatch` says in which order migrations are tried and how: at time 0 and whenever a
migration ends (or, with ``on_suspend``, stops using its link) every waiting migration is tried in
order and started if every cap allows it (list scheduling). Caps: migrations in flight in all, per
system (source and target; active and inactive apart), per mover service partition (both
directions), per MSP pair, disruption groups, and the dispatch's own ``link_limit`` on migrations
that are before or in their memory copy on one MSP link. The MSP pair of a migration is chosen when
it starts.

With ``lead`` set, a migration also waits until its memory copy would find a stream free: it starts
only when, by the end of its fixed phase, fewer than ``streams`` (default: as many as fill the link)
of the migrations already on each of its two links are still copying, as predicted at their current
rates. When that time lies ahead, the simulation wakes up then and tries again, so fixed phases
overlap the copies of others instead of leaving links idle. Migrations listed in ``small`` (mostly
fixed overhead) are a class of their own: with ``small_streams`` set, each class times its starts
against its own copies, small ones on ``small_streams`` streams per link and large ones on the rest
(a class takes all streams once the other has nobody waiting); without it, small ones skip the wait
and may hold all but ``reserve`` of the source's slots while large ones still wait. With ``fill``
set, a source slot the timing would leave idle takes the smallest waiting migration whose copy alone
lasts at most ``fill`` seconds (its copy shares a link for a moment; the slot would do nothing), as
long as ``fill_reserve`` slots stay free for the ones that wait.

Migrations listed in ``protect`` (the longest, on a source with more than one MSP) keep their MSP
links to themselves until their copy ends: the others start on other MSPs, or wait for them.

Between events the migrations run the phases of ``_plan_model``: the transferring ones share the
links max-min fairly (re-shared whenever one starts or stops transferring); a pre-copy round is the
last one if so at the rate it begins with. The result is deterministic: ties go to the order given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import EPS_S, Physics, is_last_round, water_fill
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import ACTIVE, INACTIVE, SUSPENDED, Msp

PRE, COPY, SUSPEND, FINAL, CLEANUP, DONE = range(6)
TRANSFER = (COPY, FINAL)
INF = float("inf")


@dataclass(frozen=True)
class Job:
    """One migration to simulate."""

    name: str
    kind: str
    target: str
    touched_mb: float
    dirty_mbs: float
    wws_mb: float
    groups: tuple[int, ...] = ()  # disruption groups it belongs to


@dataclass(frozen=True)
class Limits:
    """The caps of one evacuation (what the systems and the policy allow)."""

    source_msps: tuple[Msp, ...]
    target_msps: Mapping[str, tuple[Msp, ...]]
    source_active: int
    source_inactive: int
    target_active: Mapping[str, int]
    target_inactive: Mapping[str, int]
    max_concurrent: int | None = None
    pair_cap: int | None = None


@dataclass(frozen=True)
class Dispatch:
    """How migrations are started: order, link limit, MSP choice."""

    order: tuple[int, ...]  # job indexes, first tried first
    link_limit: int | None = None  # migrations not yet past their memory copy per MSP link
    msp_choice: str = "balanced"  # "balanced": least loaded links; "first": first MSPs with room (HMC default)
    max_concurrent: int | None = None  # the dispatch's own cap on migrations in flight
    on_suspend: bool = True  # also start migrations when one stops using its link
    lead: bool = False  # start migrations so that their copy begins when a stream frees
    extra_streams: int = 0  # with lead: streams per link beyond those that fill it
    small: frozenset[int] = frozenset()  # with lead: job indexes of migrations that are mostly fixed overhead
    small_streams: int | None = None  # streams per link for small ones while large ones wait; None: no timing for them
    reserve: int = 0  # small_streams None: source slots small migrations leave to the others
    fill: float = 0.0  # with lead: a slot timing would leave idle takes the smallest waiting copy up to this many seconds
    fill_reserve: int = 0  # with fill: source slots left free for the migrations that wait for a stream
    protect: frozenset[int] = frozenset()  # job indexes whose MSP links others avoid while they copy


@dataclass
class Outcome:
    """What happened to one migration in the simulation."""

    start: float
    end: float = INF
    source_msp: str | None = None
    dest_msp: str | None = None
    suspend: float | None = None  # when its memory copy ended
    sent_mb: float = 0.0
    rounds: int = 0
    after: tuple[tuple[str, str], ...] = ()  # (migration, "end" or "suspend") that let it start
    order: int = 0


@dataclass
class Result:
    makespan: float
    outcomes: list[Outcome | None]  # by job index; None: never started
    events: int


class _Run:
    """A migration in progress."""

    __slots__ = (
        "job", "index", "small", "phase", "phase_end", "rate", "cap", "links",
        "round_no", "round_vol", "round_left", "elapsed", "last", "remainder", "src", "dst", "out",
    )  # fmt: skip

    def __init__(self, job: Job, index: int, out: Outcome) -> None:
        self.job = job
        self.index = index
        self.small = False
        self.out = out
        self.phase = PRE
        self.phase_end = 0.0
        self.rate = 0.0
        self.cap = 0.0
        self.links: tuple[str, ...] = ()
        self.round_no = 0
        self.round_vol = 0.0
        self.round_left = 0.0
        self.elapsed = 0.0
        self.last: bool | None = None
        self.remainder = 0.0
        self.src: Msp | None = None
        self.dst: Msp | None = None


def remaining_mb(run: _Run) -> float:
    """What ``run`` still has to copy before its suspend, as far as is known now."""
    if run.phase == PRE:
        return run.job.touched_mb
    if run.phase == COPY:
        more = 0.0 if run.last or run.rate <= 0 else min(run.job.dirty_mbs * run.round_left / run.rate, run.job.wws_mb)
        return run.round_left + more
    return 0.0


@dataclass
class _Book:
    """Counts of what is in flight, against every cap."""

    limits: Limits
    dispatch: Dispatch
    running: int = 0
    src_active: int = 0
    src_inactive: int = 0
    tgt_active: dict[str, int] = field(default_factory=dict)
    tgt_inactive: dict[str, int] = field(default_factory=dict)
    msp: dict[str, int] = field(default_factory=dict)
    pair: dict[tuple[str, str], int] = field(default_factory=dict)
    committed: dict[str, int] = field(default_factory=dict)
    groups: dict[int, int] = field(default_factory=dict)
    on_link: dict[str, list[_Run]] = field(default_factory=dict)
    small_running: int = 0
    protected: frozenset[str] = frozenset()  # names of the migrations whose links others avoid

    def global_room(self) -> bool:
        for cap in (self.limits.max_concurrent, self.dispatch.max_concurrent):
            if cap is not None and self.running >= cap:
                return False
        return True

    def slots(self) -> int:
        """How many active migrations the source can run at once (system cap, its MSPs, the caps given)."""
        caps = [self.limits.source_active, sum(m.cap for m in self.limits.source_msps)]
        caps += [c for c in (self.limits.max_concurrent, self.dispatch.max_concurrent) if c is not None]
        return min(caps)

    def blocked_kinds(self) -> set[str]:
        """The kinds of migration no cap common to all of them lets start now."""
        if not self.global_room():
            return {ACTIVE, SUSPENDED, INACTIVE}
        out = set()
        if self.src_inactive >= self.limits.source_inactive:
            out.add(INACTIVE)
        if self.src_active >= self.limits.source_active or all(self.msp.get(m.key, 0) >= m.cap for m in self.limits.source_msps):
            out.update((ACTIVE, SUSPENDED))
        return out

    def system_room(self, job: Job) -> bool:
        if job.kind == INACTIVE:
            return self.src_inactive < self.limits.source_inactive and self.tgt_inactive.get(job.target, 0) < self.limits.target_inactive.get(job.target, 0)
        return self.src_active < self.limits.source_active and self.tgt_active.get(job.target, 0) < self.limits.target_active.get(job.target, 0)

    def group_room(self, job: Job) -> bool:
        return all(self.groups.get(g, 0) == 0 for g in job.groups)

    def _free(self, m: Msp, limited: bool) -> bool:
        if self.msp.get(m.key, 0) >= m.cap:
            return False
        k = self.dispatch.link_limit
        return not (limited and k is not None and self.committed.get(m.key, 0) >= k)

    def pairs_for(self, job: Job) -> list[tuple[Msp, Msp]]:
        """The MSP pairs with room for ``job``, best first."""
        balanced = self.dispatch.msp_choice == "balanced"
        sources = [s for s in self.limits.source_msps if self._free(s, balanced)]
        dests = [d for d in self.limits.target_msps.get(job.target, ()) if self._free(d, balanced)]
        if self.protected and job.name not in self.protected:
            sources = [s for s in sources if not self._protected_on(s)]
            dests = [d for d in dests if not self._protected_on(d)]
        if balanced:
            sources.sort(key=self._link_key)
            dests.sort(key=self._link_key)
        cap = self.limits.pair_cap
        return [(s, d) for s in sources for d in dests if cap is None or self.pair.get((s.key, d.key), 0) < cap]

    def _protected_on(self, m: Msp) -> bool:
        """Whether a protected migration is before or in its memory copy on this MSP's link."""
        return any(r.job.name in self.protected for r in self.on_link.get(m.key, ()))

    def _link_key(self, m: Msp) -> tuple[float, int, int, float, int, str]:
        """Least loaded link first: the bytes still to copy over it per MB/s, then the migrations on it."""
        work = sum(remaining_mb(r) for r in self.on_link.get(m.key, ()))
        return (round(work / m.payload_mbs, 6), self.committed.get(m.key, 0), self.msp.get(m.key, 0), -m.payload_mbs, m.id, m.name)

    def take(self, run: _Run) -> None:
        self._count(run, 1)
        if run.src is not None and run.dst is not None:
            for key in (run.src.key, run.dst.key):
                self.committed[key] = self.committed.get(key, 0) + 1
                self.on_link.setdefault(key, []).append(run)

    def release_link(self, run: _Run) -> None:
        if run.src is not None and run.dst is not None:
            for key in (run.src.key, run.dst.key):
                self.committed[key] -= 1
                self.on_link[key].remove(run)

    def release(self, run: _Run) -> None:
        self._count(run, -1)

    def _count(self, run: _Run, step: int) -> None:
        job = run.job
        self.running += step
        if run.small:
            self.small_running += step
        if job.kind == INACTIVE:
            self.src_inactive += step
            self.tgt_inactive[job.target] = self.tgt_inactive.get(job.target, 0) + step
        else:
            self.src_active += step
            self.tgt_active[job.target] = self.tgt_active.get(job.target, 0) + step
        for g in job.groups:
            self.groups[g] = self.groups.get(g, 0) + step
        if run.src is not None and run.dst is not None:
            for key in (run.src.key, run.dst.key):
                self.msp[key] = self.msp.get(key, 0) + step
            pair = (run.src.key, run.dst.key)
            self.pair[pair] = self.pair.get(pair, 0) + step


class Simulation:
    """One evaluation of a dispatch. ``run()`` returns the :class:`Result`."""

    def __init__(self, jobs: Sequence[Job], limits: Limits, dispatch: Dispatch, physics: Physics) -> None:
        self.jobs = jobs
        self.physics = physics
        self.dispatch = dispatch
        self.book = _Book(limits, dispatch)
        self.book.protected = frozenset(jobs[i].name for i in dispatch.protect)
        self.pending = list(dispatch.order)
        self.running: list[_Run] = []
        self.outcomes: list[Outcome | None] = [None] * len(jobs)
        self.t = 0.0
        self.started = 0
        self.reshare = False
        self.undecided: list[_Run] = []
        self.wake = INF
        self.large_left = 0
        self.small_left = 0

    # ----- starting -----
    def _start_all(self, after: tuple[tuple[str, str], ...]) -> None:
        """Try the waiting migrations in order; start every one the caps (and the timing) allow."""
        book = self.book
        kept: list[int] = []
        self.wake = INF
        pairs: dict[str, tuple[Msp, Msp] | None] = {}  # per target, valid until the next start
        blocked = book.blocked_kinds()
        small = self.dispatch.small
        bypass = self.dispatch.small_streams is None
        self.large_left = sum(1 for i in self.pending if i not in small and self.jobs[i].kind != INACTIVE) if small else 0
        self.small_left = sum(1 for i in self.pending if i in small) if small else 0
        for n, i in enumerate(self.pending):
            job = self.jobs[i]
            if job.kind in blocked or (job.groups and not book.group_room(job)) or not book.system_room(job):
                kept.append(i)
                continue
            pair = None
            if job.kind != INACTIVE:
                if bypass and i in small and self.large_left and book.small_running >= book.slots() - self.dispatch.reserve:
                    kept.append(i)
                    continue
                key = f"{job.target}/{i in self.dispatch.small}"
                if key not in pairs:
                    pairs[key] = self._pair(job, i)
                pair = pairs[key]
                if pair is None:
                    kept.append(i)
                    continue
            self._start(i, pair, after)
            if pair is not None and small:
                if i in small:
                    self.small_left -= 1
                else:
                    self.large_left -= 1
            pairs.clear()
            blocked = book.blocked_kinds()
            if len(blocked) == 3:
                kept.extend(self.pending[n + 1 :])
                break
        self.pending = kept
        if self.dispatch.fill > 0 and self.dispatch.lead and kept and self.wake < INF:
            self._fill(after)

    def _fill(self, after: tuple[tuple[str, str], ...]) -> None:
        """Start the smallest waiting copies (by bytes) in slots the stream timing would leave idle."""
        book = self.book
        limit = book.slots() - self.dispatch.fill_reserve
        waiting = sorted(
            (i for i in self.pending if self.jobs[i].kind != INACTIVE),
            key=lambda i: (self.jobs[i].touched_mb, i),
        )
        started = set()
        for i in waiting:
            if book.src_active >= limit or ACTIVE in book.blocked_kinds():
                break
            job = self.jobs[i]
            if (job.groups and not book.group_room(job)) or not book.system_room(job):
                continue
            pairs = book.pairs_for(job)
            if not pairs:
                continue
            s, d = pairs[0]
            if job.touched_mb / max(1e-9, min(s.stream_mbs, d.stream_mbs)) > self.dispatch.fill:
                break
            self._start(i, pairs[0], after)
            started.add(i)
        if started:
            self.pending = [i for i in self.pending if i not in started]

    def _pair(self, job: Job, index: int) -> tuple[Msp, Msp] | None:
        """The pair to start ``job`` on now; None when it must wait (a wake-up is set when timing is why)."""
        pairs = self.book.pairs_for(job)
        is_small = index in self.dispatch.small
        if not self.dispatch.lead or not pairs or (is_small and self.dispatch.small_streams is None):
            return pairs[0] if pairs else None
        ready = self.t + self.physics.pre_copy_fixed_s
        best: tuple[float, int, tuple[Msp, Msp]] | None = None
        for rank, (s, d) in enumerate(pairs):
            free_at = max(self._stream_free_at(s, ready, is_small), self._stream_free_at(d, ready, is_small))
            if best is None or (free_at, rank) < best[:2]:
                best = (free_at, rank, (s, d))
        if best is None:
            return None
        free_at, _rank, pair = best
        if free_at <= ready + EPS_S:
            return pair
        self.wake = min(self.wake, max(self.t + EPS_S * 10, free_at - self.physics.pre_copy_fixed_s))
        return None

    def _stream_free_at(self, msp: Msp, ready: float, is_small: bool) -> float:
        """When fewer than the streams this class may use on the link will still be copying."""
        streams = max(1, -(-int(msp.payload_mbs) // max(1, int(msp.stream_mbs)))) + self.dispatch.extra_streams
        quota = self.dispatch.small_streams
        runs = self.book.on_link.get(msp.key, ())
        if self.dispatch.small and quota is not None:
            if is_small:
                streams = streams if not self.large_left else max(1, quota)
            elif self.small_left:
                streams = max(1, streams - quota)
            runs = [r for r in runs if r.small == is_small]
        else:
            runs = [r for r in runs if not r.small]
        busy = sorted(e for e in (self._copy_end(r) for r in runs) if e > ready + EPS_S)
        if len(busy) < streams:
            return ready
        return busy[len(busy) - streams]

    def _copy_end(self, run: _Run) -> float:
        """When the memory copy of ``run`` will end, at the rates of now (an estimate for dispatching)."""
        if run.phase == PRE:
            share = run.src.payload_mbs if run.src is not None else 1.0
            rate = min(run.cap, share / 2) if share > 0 else 1.0
            return run.phase_end + run.job.touched_mb / max(rate, 1e-9)
        if run.phase == COPY and run.rate > 0:
            more = 0.0 if run.last else min(run.job.dirty_mbs * run.round_left / run.rate, run.job.wws_mb)
            return self.t + (run.round_left + more) / run.rate
        return self.t

    def _start(self, i: int, pair: tuple[Msp, Msp] | None, after: tuple[tuple[str, str], ...]) -> None:
        job = self.jobs[i]
        out = Outcome(self.t, after=after if self.t > 0 else (), order=self.started)
        self.started += 1
        run = _Run(job, i, out)
        run.small = i in self.dispatch.small
        if pair is None:
            run.phase_end = self.t + self.physics.inactive_s
        else:
            run.src, run.dst = pair
            out.source_msp, out.dest_msp = run.src.name, run.dst.name
            run.cap = min(run.src.stream_mbs, run.dst.stream_mbs)
            run.links = (run.src.key + "/send", run.dst.key + "/receive")
            run.phase_end = self.t + self.physics.pre_copy_fixed_s
        self.book.take(run)
        self.outcomes[i] = out
        self.running.append(run)

    # ----- phases -----
    def _enter(self, run: _Run, phase: int) -> None:
        run.phase = phase
        if phase == COPY:
            self._begin_round(run, 0, run.job.touched_mb)
            self.reshare = True
        elif phase == SUSPEND:
            run.phase_end = self.t + self.physics.t_suspend_s
            run.out.suspend = self.t
            self.reshare = True
        elif phase == FINAL:
            run.round_left = run.remainder
            run.elapsed = 0.0
            self.reshare = True
        elif phase == CLEANUP:
            run.phase_end = self.t + self.physics.t_cleanup_s
            self.reshare = True

    def _begin_round(self, run: _Run, number: int, volume: float) -> None:
        run.round_no = number
        run.round_vol = run.round_left = volume
        run.elapsed = 0.0
        run.last = None
        self.undecided.append(run)

    def _share(self) -> None:
        flows: dict[int, tuple[float, tuple[str, ...]]] = {}
        capacity: dict[str, float] = {}
        for k, run in enumerate(self.running):
            if run.phase in TRANSFER and run.src is not None and run.dst is not None:
                flows[k] = (run.cap, run.links)
                capacity[run.links[0]] = run.src.payload_mbs
                capacity[run.links[1]] = run.dst.payload_mbs
        rates = water_fill(flows, capacity)
        for k, run in enumerate(self.running):
            run.rate = rates.get(k, 0.0)
        self.reshare = False

    def _decide(self) -> None:
        for run in self.undecided:
            if run.phase == COPY and run.last is None and run.rate > 0:
                run.last = is_last_round(run.round_vol, run.round_no, run.job.dirty_mbs, run.rate, self.physics)
        self.undecided = [r for r in self.undecided if r.phase == COPY and r.last is None]

    def _event_time(self, run: _Run) -> float:
        if run.phase in TRANSFER:
            return self.t + max(0.0, run.round_left) / run.rate if run.rate > 0 else INF
        return run.phase_end

    def _fire(self, run: _Run, freed: list[tuple[str, str]]) -> None:
        """Handle the end of the current phase (or pre-copy round) of ``run`` at ``self.t``."""
        phase = run.phase
        if phase in TRANSFER:
            run.out.sent_mb += max(0.0, run.round_left)
            run.round_left = 0.0
        if phase == PRE:
            self._enter(run, DONE if run.job.kind == INACTIVE else COPY)
        elif phase == COPY:
            run.out.rounds += 1
            dirty = min(run.job.dirty_mbs * run.elapsed, run.job.wws_mb)
            if run.last:
                run.remainder = dirty
                self._enter(run, SUSPEND)
                if self.dispatch.on_suspend:
                    self.book.release_link(run)
                    freed.append((run.job.name, "suspend"))
            else:
                self._begin_round(run, run.round_no + 1, dirty)
        elif phase == SUSPEND:
            self._enter(run, FINAL)
        elif phase == FINAL:
            self._enter(run, CLEANUP)
        elif phase == CLEANUP:
            run.phase = DONE
        if run.phase == DONE:
            run.out.end = self.t
            if not self.dispatch.on_suspend or run.job.kind == INACTIVE:
                self.book.release_link(run)
            self.book.release(run)
            freed.append((run.job.name, "end"))

    # ----- the loop -----
    def run(self, max_events: int = 10_000_000) -> Result:
        self._start_all(())
        events = 0
        while (self.running or self.wake < INF) and events < max_events:
            if self.reshare:
                self._share()
            if self.undecided:
                self._decide()
            times = [self._event_time(r) for r in self.running]
            t_next = min(times, default=INF)
            woken = self.wake < INF and self.wake <= t_next
            if woken:
                t_next = self.wake
            if t_next == INF:
                break
            dt = t_next - self.t
            if dt > 0:
                for run in self.running:
                    if run.phase in TRANSFER:
                        moved = min(run.round_left, run.rate * dt)
                        run.round_left -= moved
                        run.out.sent_mb += moved
                        run.elapsed += dt
                self.t = t_next
            freed: list[tuple[str, str]] = []
            for run, when in zip(list(self.running), times):
                if when <= t_next + EPS_S:
                    events += 1
                    self._fire(run, freed)
            self.running = [r for r in self.running if r.phase != DONE]
            if (freed or woken) and self.pending:
                events += 1
                self._start_all(tuple(freed))
            elif woken:
                self.wake = INF
        ends = [o.end for o in self.outcomes if o is not None]
        return Result(max(ends, default=0.0), self.outcomes, events)


def simulate(jobs: Sequence[Job], limits: Limits, dispatch: Dispatch, physics: Physics) -> Result:
    return Simulation(jobs, limits, dispatch, physics).run()
