"""Execute an evacuation plan on the twin, on its simulated clock, and check what happened.

The executor does what an executor of the plan format does (docs/evacuation_plan.md, "Output"): it
takes the migrations in plan order and starts each one with the twin's blocking ``migrlpar -o m``
once its ``start_after`` events (another migration's ``end``, or its ``suspend``: the end of its
memory copy) have happened and, when it has none, at its ``start_s``; never earlier than the one
before it, and only while the caps of the systems and mover service partitions allow. The twin's
clock is manual: it jumps from event to event, so the twin's physics - not the planner's
prediction - decides when each migration ends. A migration's end is when its ``Pending`` command
returns; its suspend is read from the twin's migration record (an ideal observer, with no polling
delay).

After the run the twin's migration records are checked: every migration started once and ended
complete on its planned target, one ``migrlpar -o m`` per partition in the command log, the caps
and the disruption groups held at every instant.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Msp, System
from hmcsim.core import Core, Pending, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.model import Scenario

EPS_S = 1e-6
MAX_STEPS = 500_000


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
    cap_waits: int  # times the next migration had to wait for a cap the plan did not foresee
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def model_error(self) -> float:
        """Largest |twin end - planned end| of a migration, in seconds."""
        return max((abs(r.end - r.planned_end) for r in self.runs if r.end is not None), default=0.0)


class _Caps:
    """Migrations in flight per system (active and inactive apart) and per mover service partition."""

    def __init__(self, systems: Sequence[System]) -> None:
        self.system_cap: dict[tuple[str, str], int] = {}
        self.msps: dict[str, tuple[Msp, ...]] = {}
        for s in systems:
            self.system_cap[(s.name, "active")] = s.active_cap
            self.system_cap[(s.name, "inactive")] = s.inactive_cap
            self.msps[s.name] = s.msps
        self.msp_cap = {m.key: m.cap for s in systems for m in s.msps}
        self.load: Counter[Any] = Counter()

    @staticmethod
    def klass(kind: str) -> str:
        return "inactive" if kind == INACTIVE else "active"

    def _msp_free(self, system: str, name: str | None) -> bool:
        if name:
            key = f"{system}/{name}"
            return self.load[key] < self.msp_cap.get(key, 0)
        return any(self.load[m.key] < m.cap for m in self.msps.get(system, ()))

    def allows(self, entry: Mapping[str, Any], named: bool) -> bool:
        klass = self.klass(entry["kind"])
        for system in (entry["source_system"], entry["target_system"]):
            if self.load[(system, klass)] >= self.system_cap.get((system, klass), 0):
                return False
        if klass == "inactive":
            return True
        return self._msp_free(entry["source_system"], entry["source_msp"] if named else None) and self._msp_free(
            entry["target_system"], entry["dest_msp"] if named else None
        )

    def count(self, source: str, run: Run, step: int) -> None:
        klass = self.klass(run.kind)
        self.load[(source, klass)] += step
        self.load[(run.target, klass)] += step
        if run.source_msp:
            self.load[f"{source}/{run.source_msp}"] += step
        if run.dest_msp:
            self.load[f"{run.target}/{run.dest_msp}"] += step


def _argv(entry: Mapping[str, Any], named: bool) -> list[str]:
    if named:
        spec = MigrationSpec(entry["target_system"], entry["source_msp"] or "", entry["dest_msp"] or "", dest_lpar_id=entry["dest_lpar_id"])
    else:
        spec = MigrationSpec(entry["target_system"])
    return migrlpar("m", entry["source_system"], LparRef(entry["lpar"], entry["lpar_id"]), spec)


class _Executor:
    def __init__(self, scenario: Scenario, plan: Sequence[Mapping[str, Any]], systems: Sequence[System], named: bool) -> None:
        self.estate = Estate(scenario, manual_clock=True)
        self.core = Core(self.estate)
        self.engine = attach(self.estate)
        source = plan[0]["source_system"] if plan else scenario.systems[0].name
        hmc = next(s.hmc for s in scenario.systems if s.name == source)
        self.session = Session(hmc, "hscroot", "bench-executor")
        self.source = source
        self.plan = list(plan)
        self.named = named
        self.caps = _Caps(systems)
        self.t0 = self.estate.clock.now()
        self.happened: dict[tuple[str, str], float] = {}
        self.flights: dict[str, tuple[Pending, Any, Run]] = {}
        self.runs: list[Run] = []
        self.cap_waits = 0
        self.log_start = len(self.estate.log.entries)

    def now(self) -> float:
        return self.estate.clock.now() - self.t0

    def _ready(self, entry: Mapping[str, Any]) -> bool:
        return all((a["lpar"], a["event"]) in self.happened for a in entry["start_after"])

    def _start_due(self) -> None:
        """Start, in plan order, every migration whose time has come and that the caps allow."""
        while self.plan:
            entry = self.plan[0]
            if not self._ready(entry) or (not entry["start_after"] and self.now() + EPS_S < entry["start_s"]):
                return
            if not self.caps.allows(entry, self.named):
                self.cap_waits += 1
                return
            self.plan.pop(0)
            self._start(entry)

    def _start(self, entry: Mapping[str, Any]) -> None:
        now = self.now()
        run = Run(entry["lpar"], entry["target_system"], entry["kind"], entry["start_s"], entry["end_s"], now)
        self.runs.append(run)
        before = len(self.estate.migrations)
        out = self.core.execute(self.session, shlex.join(_argv(entry, self.named)))
        if not isinstance(out, Pending):
            run.status, run.end, run.message = "refused", now, out.stdout.strip()
            self.happened[(run.lpar, "suspend")] = self.happened[(run.lpar, "end")] = now
            return
        migration = self.estate.migrations[before] if len(self.estate.migrations) > before else None
        if migration is not None:
            run.source_msp, run.dest_msp = migration.source_msp, migration.dest_msp
        self.caps.count(self.source, run, 1)
        self.flights[run.lpar] = (out, migration, run)

    def _collect(self) -> None:
        """Record the suspends and ends that happened up to now."""
        for lpar, (pending, migration, run) in list(self.flights.items()):
            if run.suspend is None and migration is not None:
                for phase in migration.phases:
                    if phase.name == "suspend":
                        run.suspend = phase.start - self.t0
                        self.happened[(lpar, "suspend")] = run.suspend
            if migration is not None and migration.in_progress:
                continue
            result = pending.poll()
            if result is None:
                continue
            run.end = (migration.ended if migration is not None and migration.ended is not None else self.estate.clock.now()) - self.t0
            run.status = migration.status if migration is not None else ("complete" if result.rc == 0 else "failed")
            if result.rc != 0:
                run.status, run.message = "failed", result.stdout.strip()
            self.happened[(lpar, "end")] = run.end
            self.happened.setdefault((lpar, "suspend"), run.end)
            self.caps.count(self.source, run, -1)
            del self.flights[lpar]

    def _next_time(self) -> float | None:
        times = []
        upcoming = self.engine.next_event_time()
        if upcoming is not None:
            times.append(upcoming)
        head = self.plan[0] if self.plan else None
        if head is not None and self._ready(head) and not head["start_after"] and self.now() + EPS_S < head["start_s"]:
            times.append(self.t0 + head["start_s"])  # its time is still to come (else it waits for a cap: an event)
        return max(min(times), self.estate.clock.now()) if times else None

    def run(self) -> None:
        for _ in range(MAX_STEPS):
            self._start_due()
            if not self.plan and not self.flights:
                return
            when = self._next_time()
            if when is None:
                for entry in self.plan:
                    self.runs.append(Run(entry["lpar"], entry["target_system"], entry["kind"], entry["start_s"], entry["end_s"],
                                         self.now(), self.now(), None, "not_started", message="never allowed to start"))  # fmt: skip
                self.plan = []
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


def _problems(ex: _Executor, systems: Sequence[System], groups: Sequence[Sequence[str]], log_migrlpar: int) -> list[str]:
    problems = []
    done = [r for r in ex.runs if r.end is not None and r.status == "complete"]
    for run in ex.runs:
        if run.status != "complete":
            problems.append(f"{run.lpar}: {run.status} {run.message[:200]}".strip())
        elif Estate.find_lpar(ex.estate.systems[run.target], run.lpar) is None:
            problems.append(f"{run.lpar}: not on {run.target} after its migration")
    started = [r for r in ex.runs if r.status != "not_started"]
    if log_migrlpar != len(started):
        problems.append(f"{log_migrlpar} migrlpar -o m in the command log for {len(started)} migrations started")
    caps = _Caps(systems)
    for (system, klass), cap in caps.system_cap.items():
        spans = [(r.start, r.end or r.start) for r in done if caps.klass(r.kind) == klass and system in (ex.source, r.target)]
        if spans and _sweep(spans) > cap:
            problems.append(f"{system}: {_sweep(spans)} {klass} migrations at once, cap {cap}")
    for key, cap in caps.msp_cap.items():
        system, msp = key.split("/", 1)
        spans = [(r.start, r.end or r.start) for r in done if (system == ex.source and r.source_msp == msp) or (system == r.target and r.dest_msp == msp)]
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
            groups: Sequence[Sequence[str]] = ()) -> Execution:  # fmt: skip
    """Run ``plan`` (the ``plan`` list of a planner result) on a fresh twin of ``scenario``.

    ``systems`` (the source and the targets, as the planner read them) give the caps; ``name_msps``
    passes each migration's MSP pair and destination ID to ``migrlpar`` (else the twin picks them,
    as an HMC does when they are not named).
    """
    ex = _Executor(scenario, plan, systems, name_msps)
    ex.run()
    entries = ex.estate.log.entries[ex.log_start :]
    migrlpars = sum(1 for e in entries if e.argv[:3] == ["migrlpar", "-o", "m"])
    makespan = max((r.end for r in ex.runs if r.end is not None), default=0.0)
    return Execution(makespan, ex.runs, len(entries), migrlpars, ex.cap_waits, _problems(ex, systems, groups, migrlpars))
