"""Execute an evacuation plan on the twin, on its simulated clock, and check what happened.

The plan is executed the way the collection's evacuation module executes plans: its dispatcher
(``_evac_dispatch.Dispatcher``) decides which migrations start - in plan order (a later one may
pass one that waits), each when its ``start_after`` events (another migration's ``end``, or its
``suspend``: the end of its memory copy) have happened, or when it has none at its ``start_s`` on
the dispatcher's plan clock, and only when its caps (``_evac_caps.Caps``: the systems' limits read
with ``lslparmigr -r sys``, each MSP's, the disruption groups) allow. Each start is the twin's
blocking ``migrlpar -o m`` sent through its command core, so the command log counts it. The
dispatcher's "real" clock is the twin's simulated clock, which is manual: it jumps from event to
event, so the twin's physics - not the planner's prediction - decides when each migration ends.
A migration's end is when its ``Pending`` command returns; its suspend is read from the twin's
migration record (an ideal observer: the module learns it by polling).

After the run the twin's migration records are checked: every migration started once and ended
complete on its planned target, one ``migrlpar -o m`` per partition in the command log, the caps
and the disruption groups held at every instant.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT
from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps
from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import LEFT, MOVED, WAITING, Dispatcher, PlanClock, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import Hooks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, HookGate
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, System
from hmcsim.core import Core, Pending, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.model import Scenario

from bench.inprocess import CoreClient

EPS_S = 1e-6
MAX_STEPS = 500_000
MAX_CONCURRENT = DEFAULT_MAX_CONCURRENT  # the evacuation module's and the planner's default cap in all (none)


@dataclass
class Run:
    """One migration as the twin ran it (times in seconds from the start of the evacuation)."""

    lpar: str
    target: str
    kind: str
    planned_start: float
    planned_end: float
    start: float
    end: float | None = None
    suspend: float | None = None
    status: str = "running"
    source_msp: str = ""
    dest_msp: str = ""
    message: str = ""


@dataclass
class Execution:
    """What executing one plan on the twin gave."""

    makespan: float
    runs: list[Run]
    commands: int  # every command in the twin's log during the run
    migrlpar: int  # migrlpar -o m among them
    cap_waits: int  # due migrations the dispatcher kept waiting for a cap, summed over its decisions
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


class _Limits:
    """What the planner read as each system's concurrent migrations (active and inactive apart) and each MSP's."""

    def __init__(self, systems: Sequence[System]) -> None:
        self.system_cap: dict[tuple[str, str], int] = {}
        for s in systems:
            self.system_cap[(s.name, "active")] = s.active_cap
            self.system_cap[(s.name, "inactive")] = s.inactive_cap
        self.msp_cap = {m.key: m.cap for s in systems for m in s.msps}

    @staticmethod
    def klass(kind: str) -> str:
        return "inactive" if kind == INACTIVE else "active"


def _spec(entry: Entry) -> MigrationSpec:
    """The migration as the collection's evacuation sends it (``_evac_run._spec``, no overrides)."""
    return MigrationSpec(target=entry.target, source_msp=entry.source_msp, dest_msp=entry.dest_msp)


class _Executor:
    """The collection's dispatcher (``_evac_dispatch``) and caps (``_evac_caps``), with the twin's
    simulated seconds as its clock and ``migrlpar -o m`` sent through the twin's command core."""

    def __init__(self, scenario: Scenario, plan: Sequence[Mapping[str, Any]], systems: Sequence[System], named: bool,
                 groups: Mapping[str, Sequence[str]]) -> None:  # fmt: skip
        self.estate = Estate(scenario, manual_clock=True)
        self.core = Core(self.estate)
        self.engine = attach(self.estate)
        source = plan[0]["source_system"] if plan else scenario.systems[0].name
        hmc = next(s.hmc for s in scenario.systems if s.name == source)
        self.session = Session(hmc, "hscroot", "bench-executor")
        self.source = source
        self.log_start = len(self.estate.log.entries)
        entries = sorted((Entry.from_plan(m) for m in plan), key=lambda e: e.order)
        if not named:  # the HMC picks the MSPs, as the baselines' tools let it
            entries = [dataclasses.replace(e, source_msp="", dest_msp="") for e in entries]
        self.tracks = [Track(e) for e in entries]
        reader = CoreClient(self.core, hmc, "bench-executor-caps")
        capacities = {s.name: read_capacity(reader, s.name) for s in systems}
        limits = {(m.system, m.name): m.cap for s in systems for m in s.msps}
        caps = Caps(MAX_CONCURRENT, capacities, limits, None, {g: tuple(m) for g, m in groups.items()})
        self.t0 = self.estate.clock.now()
        self.dispatcher = Dispatcher(self.tracks, caps, Hooks(HookGate(), groups, ""), PlanClock(self.t0, 1.0))
        self.flights: dict[str, tuple[Pending, Any, Run, Track]] = {}
        self.runs: list[Run] = []
        self.cap_waits = 0

    def now(self) -> float:
        return self.estate.clock.now() - self.t0

    def _start_due(self) -> None:
        choice = self.dispatcher.choose(self.estate.clock.now())
        for track in choice.start:
            self._start(track)
        for track in choice.left:
            e = track.entry
            self.runs.append(Run(e.lpar, e.target, e.kind, e.start_s, e.end_s, self.now(), self.now(), None, "left", message=track.note))
        self.cap_waits += sum(1 for why in choice.waiting.values() if not why.startswith(("waits for", "planned start")))

    def _start(self, track: Track) -> None:
        e, now = track.entry, self.now()
        run = Run(e.lpar, e.target, e.kind, e.start_s, e.end_s, now)
        self.runs.append(run)
        before = len(self.estate.migrations)
        out = self.core.execute(self.session, shlex.join(migrlpar("m", e.source, LparRef(e.lpar, e.lpar_id), _spec(e))))
        if not isinstance(out, Pending):
            run.status, run.end, run.message = "refused", now, out.stdout.strip()
            track.state = LEFT
            self.dispatcher.ended(track, self.estate.clock.now(), moved=False)
            return
        migration = self.estate.migrations[before] if len(self.estate.migrations) > before else None
        if migration is not None:
            run.source_msp, run.dest_msp = migration.source_msp, migration.dest_msp
        self.flights[e.lpar] = (out, migration, run, track)

    def _collect(self) -> None:
        """Tell the dispatcher the suspends and ends that happened up to now."""
        for lpar, (pending, migration, run, track) in list(self.flights.items()):
            if run.suspend is None and migration is not None:
                for phase in migration.phases:
                    if phase.name == "suspend":
                        run.suspend = phase.start - self.t0
                        track.suspended = True
            if migration is not None and migration.in_progress:
                continue
            result = pending.poll()
            if result is None:
                continue
            ended = migration.ended if migration is not None and migration.ended is not None else self.estate.clock.now()
            run.end = ended - self.t0
            run.status = migration.status if migration is not None else ("complete" if result.rc == 0 else "failed")
            if result.rc != 0:
                run.status, run.message = "failed", result.stdout.strip()
            moved = run.status == "complete"
            track.state = MOVED if moved else LEFT
            track.suspended = True
            self.dispatcher.ended(track, ended, moved)
            del self.flights[lpar]

    def _next_time(self) -> float | None:
        """The next twin event, or the next planned start time on the dispatcher's plan clock."""
        times = []
        upcoming = self.engine.next_event_time()
        if upcoming is not None:
            times.append(upcoming)
        clock, now = self.dispatcher.clock, self.estate.clock.now()
        for track in self.dispatcher.order:
            e = track.entry
            if track.state == WAITING and not e.start_after and e.start_s > clock.now(now) + EPS_S:
                times.append(clock.anchor_real + (e.start_s - clock.anchor_plan) / clock.rate)
        return max(min(times), now) if times else None

    def run(self) -> None:
        for _ in range(MAX_STEPS):
            self._start_due()
            if not self.dispatcher.pending():
                return
            when = self._next_time()
            if when is None:
                for track in self.dispatcher.stuck(hooks_pending=False):
                    e = track.entry
                    track.state = LEFT
                    self.runs.append(Run(e.lpar, e.target, e.kind, e.start_s, e.end_s, self.now(), self.now(), None, "not_started",
                                         message=self.dispatcher.never_fits(track)))  # fmt: skip
                return
            self.estate.clock.advance(when - self.estate.clock.now())
            self.engine.advance(self.estate.clock.now())
            self._collect()
        raise RuntimeError("the executor did not finish")


def _sweep(intervals: Sequence[tuple[float, float]]) -> int:
    """Most intervals [start, end) open at once."""
    events = sorted([(s, 1) for s, _e in intervals] + [(e, -1) for _s, e in intervals], key=lambda ev: (ev[0] + (EPS_S if ev[1] > 0 else 0.0), ev[1]))
    most = now = 0
    for _t, step in events:
        now += step
        most = max(most, now)
    return most


def problems_of(runs: Sequence[Run], *, source: str, located: Callable[[str, str], bool], systems: Sequence[System],
                groups: Sequence[Sequence[str]], log_migrlpar: int) -> list[str]:  # fmt: skip
    """What went wrong in a run: migrations not complete or not where planned, a ``migrlpar -o m``
    count that differs from the migrations started, caps or disruption groups broken at any instant."""
    problems = []
    done = [r for r in runs if r.end is not None and r.status == "complete"]
    for run in runs:
        if run.status != "complete":
            problems.append(f"{run.lpar}: {run.status} {run.message[:200]}".strip())
        elif not located(run.lpar, run.target):
            problems.append(f"{run.lpar}: not on {run.target} after its migration")
    started = [r for r in runs if r.status not in ("not_started", "left")]
    if log_migrlpar != len(started):
        problems.append(f"{log_migrlpar} migrlpar -o m in the command log for {len(started)} migrations started")
    limits = _Limits(systems)
    for (system, klass), cap in limits.system_cap.items():
        spans = [(r.start, r.end or r.start) for r in done if limits.klass(r.kind) == klass and system in (source, r.target)]
        if spans and _sweep(spans) > cap:
            problems.append(f"{system}: {_sweep(spans)} {klass} migrations at once, cap {cap}")
    for key, cap in limits.msp_cap.items():
        system, msp = key.split("/", 1)
        spans = [(r.start, r.end or r.start) for r in done if (system == source and r.source_msp == msp) or (system == r.target and r.dest_msp == msp)]
        if spans and _sweep(spans) > cap:
            problems.append(f"MSP {key}: {_sweep(spans)} migrations at once, cap {cap}")
    by_name = {r.lpar: r for r in done}
    for members in groups:
        ordered = sorted((by_name[m].start, by_name[m].end or 0.0, m) for m in members if m in by_name)
        for (_s1, e1, a), (s2, _e2, b) in zip(ordered, ordered[1:], strict=False):
            if s2 + EPS_S < e1:
                problems.append(f"disruption group: {b} started at {s2:.1f} s while {a} ran until {e1:.1f} s")
    return problems


def execute(scenario: Scenario, plan: Sequence[Mapping[str, Any]], systems: Sequence[System], *, name_msps: bool,
            groups: Mapping[str, Sequence[str]] | None = None) -> Execution:  # fmt: skip
    """Run ``plan`` (the ``plan`` list of a planner result) on a fresh twin of ``scenario``.

    ``systems`` (the source and the targets, as the planner read them) give the MSP limits and the
    caps the run is checked against; ``name_msps`` passes each migration's MSP pair to ``migrlpar``
    (else the twin picks them, as an HMC does when they are not named); ``groups`` are the
    disruption groups (name -> members).
    """
    groups = dict(groups or {})
    ex = _Executor(scenario, plan, systems, name_msps, groups)
    ex.run()
    entries = ex.estate.log.entries[ex.log_start :]
    migrlpars = sum(1 for e in entries if e.argv[:3] == ["migrlpar", "-o", "m"])
    makespan = max((r.end for r in ex.runs if r.end is not None), default=0.0)

    def located(lpar: str, target: str) -> bool:
        return Estate.find_lpar(ex.estate.systems[target], lpar) is not None

    problems = problems_of(ex.runs, source=ex.source, located=located, systems=systems, groups=list(groups.values()), log_migrlpar=migrlpars)
    return Execution(makespan, ex.runs, len(entries), migrlpars, ex.cap_waits, problems)
