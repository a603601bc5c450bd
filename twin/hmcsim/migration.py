"""One partition migration: its plan, its effects on the estate, its outcome and its history.

A Migration is created by :func:`start` from a validated request and its resolution; the engine
(:mod:`hmcsim.engine`) then moves it through the phases of ``data/migration.yaml``. Effects:

- from the start the partition shows ``Migrating - Running`` (``Migrating - Not Activated`` for an
  inactive migration) on the source;
- when the shell phase begins, a shell partition with the same name and state appears on the target
  with ID ``dest_lpar_id`` (it holds the memory and processors there) and the destination VIOS get
  their server adapters;
- on success the partition moves to the target (:mod:`hmcsim.migration_adapters`);
- a failure of the memory copy (a ``link_loss`` / ``migration_failure`` fault at ``at_percent`` of the
  touched memory, or ``physics.failure_probability``) leaves everything in place until
  ``migrlpar -o r``; ``migrlpar -o s`` before the suspend rolls back.

Finished migrations stay in ``estate.migrations`` with their phases, times and byte counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import yaml

from . import faults as faultmod
from .core import CommandError, Result, messages
from .engine import Route, attach
from .estate import Estate
from .formats import format_units
from .migration_adapters import Shell, complete_move, create_shell, remove_shell
from .model import Lpar, ManagedSystem, Physics
from .physics import FIXED, MB, Progress, Step, link_payload_mbs, stream_mbs
from .request import MigrationRequest, Resolution

FAULT_KINDS = ("link_loss", "migration_failure")


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    return yaml.safe_load(resources.files("hmcsim").joinpath("data/migration.yaml").read_text())


def text(code: str, **fields: object) -> str:
    """``HSCLxxxx text`` from this area's table, else from messages.yaml."""
    entry = table()["hscl"].get(code) or messages()["hscl"][code]
    return f"{code} {entry['text'].format(**fields)}"


def error(code: str, **fields: object) -> CommandError:
    return CommandError(Result(1, text(code, **fields) + "\n"))


def kind_of(lp: Lpar) -> str:
    return str(table()["kind_by_state"].get(lp.state, "active"))


def plan_for(kind: str, physics: Physics) -> list[Step]:
    steps = []
    for spec in table()["plans"][kind]:
        seconds = float(getattr(physics, spec["seconds"])) if "seconds" in spec else 0.0
        steps.append(Step(spec["name"], spec.get("kind", FIXED), seconds))
    return steps


@dataclass
class PhaseRecord:
    name: str
    start: float
    end: Optional[float] = None


class Migration:
    """A migration in progress or finished. Attributes read by validation: ``in_progress``, ``kind``,
    ``source``/``target`` (system names), ``source_msp``/``dest_msp`` (VIOS names), ``lpar_name``,
    ``dest_lpar_id``."""

    def __init__(self, estate: Estate, req: MigrationRequest, res: Resolution, now: float) -> None:
        assert req.target is not None
        self.estate = estate
        self.id = len(estate.migrations) + 1
        self.request = req
        self.resolution = res
        self.lpar = req.lpar
        self.lpar_name = req.lpar.name
        self.source_ms: ManagedSystem = req.source
        self.target_ms: ManagedSystem = req.target
        self.source = req.source.name
        self.target = req.target.name
        self.kind = req.kind
        self.orig_state = req.lpar.state
        self.orig_id = req.lpar.id
        self.dest_lpar_id = res.dest_lpar_id if res.dest_lpar_id is not None else _free_id(req.target, req.lpar)
        uses_msp = self.kind != "inactive"
        self.source_msp_lpar = res.source_msp if uses_msp else None
        self.dest_msp_lpar = res.dest_msp if uses_msp else None
        self.source_msp = self.source_msp_lpar.name if self.source_msp_lpar else ""
        self.dest_msp = self.dest_msp_lpar.name if self.dest_msp_lpar else ""
        self.source_msp_id = self.source_msp_lpar.id if self.source_msp_lpar else None
        self.dest_msp_id = self.dest_msp_lpar.id if self.dest_msp_lpar else None
        # the second MSP pair of a migration with redundant MSPs ("" without one)
        second = (res.redundant_source_msp, res.redundant_dest_msp) if uses_msp else (None, None)
        self.redundant_msp_lpars: Optional[tuple[Lpar, Lpar]] = None
        if second[0] is not None and second[1] is not None:
            self.redundant_msp_lpars = (second[0], second[1])
        self.remote_manager = req.remote_hmc
        self.remote_user = req.remote_user
        self.status = "running"          # running | complete | failed | stopped | recovered
        self.recovered_to = ""           # source | target, after -o r
        self.started = now
        self.ended: Optional[float] = None
        self.phases: list[PhaseRecord] = []
        self.resumed = False             # the partition runs on the target
        self.shell: Optional[Shell] = None
        self.failure_code = ""
        self.reason = ""
        self.remaining_at_end = 0.0
        self._armed: Optional[tuple[str, str]] = None      # (fault kind or "random", target name)
        self._random_pct = self._draw_random_failure()
        physics = estate.scenario.physics
        self.progress = Progress(plan_for(self.kind, physics), **self._workload(physics))
        self.route = self._route(physics)

    # ----- set-up -----
    def _workload(self, physics: Physics) -> dict[str, float]:
        if self.kind == "inactive":
            return {"touched_mb": 0.0}
        wl = self.lpar.workload
        mem = float(self.lpar.mem_mb)
        return {"touched_mb": mem * wl.touched_fraction,
                "dirty_mbs": 0.0 if self.kind == "suspended" else wl.dirty_rate_mbs,
                "wws_mb": mem * wl.wws_pct / 100.0,
                "v_th_s": physics.v_th_seconds, "n_max": physics.n_max}

    @property
    def redundant_source_msp(self) -> str:
        return self.redundant_msp_lpars[0].name if self.redundant_msp_lpars else ""

    @property
    def redundant_dest_msp(self) -> str:
        return self.redundant_msp_lpars[1].name if self.redundant_msp_lpars else ""

    def _route(self, physics: Physics) -> Route:
        route = self._pair_route(physics, self.source_msp_lpar, self.dest_msp_lpar)
        if self.redundant_msp_lpars is not None:
            route.more.append(self._pair_route(physics, *self.redundant_msp_lpars))
        return route

    def _pair_route(self, physics: Physics, src: Optional[Lpar], dst: Optional[Lpar]) -> Route:
        """One MSP pair's stream: capped by the slower side's stream rate, over the source MSP's send link
        and the destination MSP's receive link."""
        if src is None or dst is None or src.vios is None or dst.vios is None:
            return Route()
        s_gbps, d_gbps = src.vios.msp_link_gbps, dst.vios.msp_link_gbps
        return Route(min(stream_mbs(physics, s_gbps), stream_mbs(physics, d_gbps)),
                     {f"{self.source}/{src.name}/send": link_payload_mbs(physics, s_gbps),
                      f"{self.target}/{dst.name}/receive": link_payload_mbs(physics, d_gbps)})

    def _draw_random_failure(self) -> Optional[float]:
        p = self.estate.scenario.physics.failure_probability
        if p <= 0 or self.kind == "inactive":
            return None
        if self.estate.random.random() >= p:
            return None
        return self.estate.random.uniform(0.0, 100.0)

    # ----- reading -----
    @property
    def in_progress(self) -> bool:
        return self.status == "running"

    @property
    def needs_recovery(self) -> bool:
        return self.status == "failed"

    @property
    def phase(self) -> str:
        step = self.progress.step
        return step.name if self.in_progress and step is not None else self.status

    @property
    def migration_state(self) -> str:
        return str(table()["migration_state"][self.phase])

    @property
    def partition_state(self) -> str:
        return str(table()["partition_state"][self.kind])

    @property
    def bytes_transmitted(self) -> int:
        return int(round(self.progress.sent_mb * MB))

    @property
    def bytes_remaining(self) -> int:
        mb = self.progress.remaining_mb() if self.in_progress else self.remaining_at_end
        return int(round(mb * MB))

    @property
    def can_stop(self) -> bool:
        names = [s.name for s in self.progress.plan]
        limit = table()["stop_before"]
        return self.in_progress and (limit not in names or self.progress.index < names.index(limit))

    def outcome_line(self) -> str:
        """What the blocking migrlpar prints for this partition ('' on success)."""
        if self.status == "failed":
            return self.failure_code_line()
        if self.status == "stopped":
            return text("HSCLA24D", lpar=self.lpar_name)
        return ""

    def failure_code_line(self) -> str:
        fields = {"lpar": self.lpar_name, "reason": self.reason}
        try:
            return text(self.failure_code or "HSCLA24B", **fields)
        except (KeyError, IndexError):
            return text("HSCLA24B", **fields)

    def to_dict(self) -> dict[str, Any]:
        """History record for reports."""
        return {"id": self.id, "lpar": self.lpar_name, "kind": self.kind, "source": self.source,
                "target": self.target, "source_msp": self.source_msp, "dest_msp": self.dest_msp,
                "redundant_msps": [self.redundant_source_msp, self.redundant_dest_msp] if self.redundant_msp_lpars
                else [],
                "dest_lpar_id": self.dest_lpar_id, "status": self.status, "started": self.started,
                "ended": self.ended, "bytes_transmitted": self.bytes_transmitted,
                "rounds": [{"mb": v, "seconds": s} for v, s in self.progress.rounds],
                "phases": [{"name": p.name, "start": p.start, "end": p.end} for p in self.phases],
                "reason": self.reason}

    # ----- engine hooks -----
    def entered(self, phase: str, t: float) -> None:
        if self.phases and self.phases[-1].end is None:
            self.phases[-1].end = t
        if not phase:
            self._succeed(t)
            return
        self.phases.append(PhaseRecord(phase, t))
        if phase == table()["shell_phase"]:
            self.shell = create_shell(self.estate, self.request, self.resolution, self.dest_lpar_id,
                                      self.partition_state)
        if phase == table()["resumed_phase"]:
            self.resumed = True

    def arm_failure(self) -> None:
        """Set where the memory copy fails: the nearest armed fault, or the drawn random failure."""
        if not self.in_progress or self.kind == "inactive":
            return
        best: Optional[tuple[float, str, str]] = None
        for kind in FAULT_KINDS:
            for name in (self.lpar_name, self.source, self.target, self.source_msp, self.dest_msp):
                fault = faultmod.peek(self.estate.faults, kind, name)
                if fault is not None:
                    if best is None or fault.at_percent < best[0]:
                        best = (fault.at_percent, kind, name)
                    break
        if self._random_pct is not None and (best is None or self._random_pct < best[0]):
            best = (self._random_pct, "random", "")
        if best is None:
            self._armed = None
            self.progress.fail_at_mb = None
            return
        self._armed = (best[1], best[2])
        self.progress.fail_at_mb = max(0.0, best[0]) / 100.0 * self.progress.touched_mb

    def fail_now(self, t: float) -> bool:
        """The memory copy reached the armed failure point; False if the fault was taken meanwhile."""
        if self._armed is None:
            return False
        kind, name = self._armed
        code = "HSCLA24B"
        if kind == "random":
            self._random_pct = None
        else:
            fault = faultmod.take(self.estate.faults, kind, name)
            if fault is None:
                return False
            code = fault.code or code
        reason = table()["failure_reasons"][kind].format(source_msp=self.source_msp, dest_msp=self.dest_msp)
        self._finish(t, "failed")
        self.failure_code, self.reason = code, reason
        return True

    def lose_msp(self, t: float, vios: str) -> bool:
        """An MSP of this migration went away: with redundant MSPs the pair it belongs to is dropped and the
        migration goes on over the other one (True); otherwise nothing changes here (False)."""
        if self.redundant_msp_lpars is None:
            return False
        second_source, second_dest = self.redundant_msp_lpars
        engine = attach(self.estate)
        engine.advance(t)
        if vios in (self.source_msp, self.dest_msp):
            self.source_msp_lpar, self.dest_msp_lpar = second_source, second_dest
            self.source_msp, self.dest_msp = second_source.name, second_dest.name
            self.source_msp_id, self.dest_msp_id = second_source.id, second_dest.id
        elif vios not in (second_source.name, second_dest.name):
            return False
        self.redundant_msp_lpars = None
        self.route = self._route(self.estate.scenario.physics)
        engine.reshare()
        return True

    def fail(self, t: float, code: str, reason: str) -> None:
        """Fail now for a cause outside the memory copy (an MSP restarted); needs migrlpar -o r."""
        attach(self.estate).advance(t)
        self._finish(t, "failed")
        self.failure_code, self.reason = code, reason
        attach(self.estate).reshare()

    # ----- outcomes -----
    def _finish(self, t: float, status: str) -> None:
        self.remaining_at_end = self.progress.remaining_mb()
        self.progress.stop(t)
        if self.phases and self.phases[-1].end is None:
            self.phases[-1].end = t
        self.status = status
        self.ended = t

    def _succeed(self, t: float) -> None:
        self._finish(t, "complete")
        self._move_to_target()

    def _move_to_target(self) -> None:
        if self.shell is None:
            self.shell = create_shell(self.estate, self.request, self.resolution, self.dest_lpar_id,
                                      self.partition_state)
        complete_move(self.source_ms, self.target_ms, self.lpar, self.shell, self.orig_state,
                      self.request.profile_name)

    def _roll_back(self) -> None:
        if self.shell is not None:
            remove_shell(self.target_ms, self.shell)
            self.shell = None
        self.lpar.state = self.orig_state

    def stop(self, t: float) -> None:
        """migrlpar -o s: before the suspend, stop and roll back."""
        self._finish(t, "stopped")
        self._roll_back()
        attach(self.estate).reshare()

    def recover(self, t: float) -> None:
        """migrlpar -o r: back to the source, or finish on the target if the partition resumed there."""
        if self.in_progress:
            self._finish(t, "recovered")
        self.status = "recovered"
        if self.resumed:
            self._move_to_target()
            self.recovered_to = "target"
        else:
            self._roll_back()
            self.recovered_to = "source"
        attach(self.estate).reshare()


def _free_id(target: ManagedSystem, lp: Lpar) -> int:
    used = {x.id for x in target.lpars}
    if lp.id not in used:
        return lp.id
    return next(i for i in range(1, max(used, default=0) + 2) if i not in used)


def awaiting_shell(estate: Estate, target: ManagedSystem) -> list[Migration]:
    """Migrations in progress to ``target`` whose shell partition does not exist yet."""
    return [m for m in estate.migrations
            if getattr(m, "in_progress", False) and getattr(m, "target", None) == target.name
            and getattr(m, "shell", None) is None]


def reserve(estate: Estate, req: MigrationRequest, res: Resolution) -> list[str]:
    """Count what migrations not yet at their shell phase will take on the target (ID, memory,
    processors), which the target's partition list does not show yet. An automatically chosen ID
    that is claimed moves to the next free one; returns the error lines of what is short."""
    target = req.target
    if target is None:
        return []
    waiting = awaiting_shell(estate, target)
    claimed = {m.dest_lpar_id for m in waiting}
    problems = []
    if res.dest_lpar_id in claimed:
        if req.dest_lpar_id is not None:
            problems.append(text("HSCLA22D", lpar_id=req.dest_lpar_id, target=target.name))
        else:
            taken = claimed | {lp.id for lp in target.lpars}
            res.dest_lpar_id = next((i for i in range(1, target.max_lpars + 1) if i not in taken), None)
            if res.dest_lpar_id is None:
                problems.append(text("HSCLA262", system=target.name))
    if req.kind == "inactive":
        return problems
    lp, holding = req.lpar, [m.lpar for m in waiting if m.kind != "inactive"]
    mem_needed = lp.mem_mb + Estate.hpt_mb(lp)
    mem_free = estate.avail_mem_mb(target) - sum(x.mem_mb + Estate.hpt_mb(x) for x in holding)
    if mem_needed > mem_free:
        problems.append(text("HSCLA228", target=target.name, lpar=lp.name, required=mem_needed,
                             available=mem_free))
    proc_needed = _units(lp)
    proc_free = estate.avail_proc_units(target) - sum(_units(x) for x in holding)
    if proc_needed > proc_free + 1e-9:
        problems.append(text("HSCLA229", target=target.name, lpar=lp.name, required=format_units(proc_needed),
                             available=format_units(proc_free)))
    return problems


def _units(lp: Lpar) -> float:
    return lp.proc_units if lp.proc_mode == "shared" else float(lp.procs)


def start(estate: Estate, req: MigrationRequest, res: Resolution) -> Migration:
    """Begin a validated migration now; the engine carries it on."""
    engine = attach(estate)
    now = estate.clock.now()
    engine.advance(now)
    m = Migration(estate, req, res, now)
    estate.migrations.append(m)
    req.lpar.state = m.partition_state
    m.arm_failure()
    for phase in m.progress.start(now):
        m.entered(phase, now)
    engine.reshare()
    return m


def latest(estate: Estate, lpar_name: str, system: str) -> Optional[Migration]:
    """The most recent migration of a partition that involves a system."""
    for m in reversed(estate.migrations):
        if getattr(m, "lpar_name", None) == lpar_name and system in (m.source, m.target):
            return m
    return None
