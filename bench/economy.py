"""Command economy: HMC commands and SSH connections of one evacuation, by partition count.

The fleet: one source system holding N client partitions and three empty targets (10 GbE, two MSP
pairs each). Ours runs the collection's real code over SSH against a served twin at high speed:
the estate gathering of ``estate_info`` (one connection), the planner, then - as ``lpar_migration``
does - the survey, the systems' migration caps and the migration runner (a second connection),
which sends one ``migrlpar -o m`` per partition and polls ``lslparmigr -r lpar`` once per source
system per poll interval. The naive tooling (bench.naive) runs in-process on the same fleet, with
the targets of the PowerVC-style baseline. Both counts come from the twin's command log.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import MigrationJob, MigrationRunner, RunnerOptions
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_capacity, survey
from ansible_collections.powervm.lpm.plugins.module_utils._plan_baselines import baseline
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import PlanResult, Setting, plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from hmcsim.core import Core
from hmcsim.estate import Estate
from hmcsim.generator import generate_with_report
from hmcsim.model import Scenario

from bench.inprocess import CoreClient, physics_params
from bench.naive import Move, naive_evacuation
from bench.served import ServedTwin, connections

POLL_S = 10.0  # simulated seconds between poll rounds, for ours and for the naive loop
TARGETS = 3


def fleet(lpars: int) -> Scenario:
    return generate_with_report(seed=2000 + lpars, systems=TARGETS + 1, lpars=lpars, target_share=1.0, san_group_size=TARGETS + 1,
                                msp_pairs=2, link_gbps=[10.0], inactive_share=0.0).scenario  # fmt: skip


def _jobs(result: PlanResult) -> list[MigrationJob]:
    jobs = []
    for m in result.migrations:
        ref = LparRef(m["lpar"], m["lpar_id"])
        spec = MigrationSpec(m["target_system"], m["source_msp"] or "", m["dest_msp"] or "")
        argv = migrlpar("m", m["source_system"], ref, spec)
        jobs.append(MigrationJob(m["lpar"], m["source_system"], m["target_system"], m["kind"], argv, migrlpar_recover(m["source_system"], ref, "", ""),
                                 spec.source_msp, spec.dest_msp))  # fmt: skip
    return jobs


def _kinds(entries: list[dict[str, Any]]) -> dict[str, int]:
    return dict(sorted(Counter(" ".join(e["argv"][:3]) if e["argv"][0] in ("migrlpar", "lslparmigr") else e["argv"][0] for e in entries).items()))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _setting(scenario: Scenario, facts: Any) -> Setting:
    return setting(facts, scenario.systems[0].name, None, policy_from({}), physics_from(physics_params(scenario)))


def ours_over_ssh(lpars: int, speed: float, measure: Callable[[], None] | None = None) -> dict[str, Any]:
    """The collection's gathering and migration runner over SSH; commands and connections per phase."""
    scenario = fleet(lpars)
    hmc = scenario.hmcs[0].name
    with ServedTwin(scenario, speed=speed) as twin:
        cpu, wall = _cpu(), time.perf_counter()
        with twin.client(hmc) as client:
            gathered = gather(client, GatherOptions(host=hmc))
        gather_wall, gather_cpu = time.perf_counter() - wall, _cpu() - cpu
        after_gather = twin.last_seq()
        s = _setting(scenario, gathered.estate)
        t = time.perf_counter()
        result = plan(s)
        plan_wall = time.perf_counter() - t
        cap = max(1, s.source.active_cap)
        msp_limit = min(m.cap for system in (s.source, *s.targets.values()) for m in system.msps)
        cpu, wall = _cpu(), time.perf_counter()
        max_channels = cap + 2  # every migration's blocking migrlpar, the poller's read and one more
        with twin.client(hmc, max_channels=max_channels) as client:
            systems = sorted({s.source.name, *(m["target_system"] for m in result.migrations)})
            survey(client, [m["lpar"] for m in result.migrations], systems)
            caps = {name: read_capacity(client, name) for name in systems}
            runner = MigrationRunner(client, RunnerOptions(max_concurrent=cap, poll_interval=POLL_S / speed, msp_limit=msp_limit), caps)
            results = runner.run(_jobs(result))
            polls = runner.poller.rounds
        run_wall, run_cpu = time.perf_counter() - wall, _cpu() - cpu
        if measure is not None:
            measure()
        gather_log, run_log = [e for e in twin.log() if e["seq"] <= after_gather], twin.log(after_gather)
    migrations = [e for e in run_log if e["argv"][:3] == ["migrlpar", "-o", "m"]]
    simulated = (max(e["time"] for e in run_log) - min(e["time"] for e in migrations)) if migrations else 0.0
    sources = len({m["source_system"] for m in result.migrations})
    return {
        "lpars": lpars,
        "moved": sum(1 for r in results if r.status.value == "migrated"),
        "failed": [f"{r.name}: {r.message[:160]}" for r in results if r.failed][:5],
        "gather": {"commands": len(gather_log), "connections": connections(gather_log), "by_command": _kinds(gather_log),
                   "wall_s": round(gather_wall, 3), "cpu_s": round(gather_cpu, 3)},
        "plan_wall_s": round(plan_wall, 3),
        "run": {"commands": len(run_log), "connections": connections(run_log), "max_channels": max_channels,
                "by_command": _kinds(run_log), "migrlpar": len(migrations),
                "polls": polls, "sources": sources, "targets": len({m["target_system"] for m in result.migrations}), "simulated_s": round(simulated, 1),
                "poll_intervals": round(simulated / POLL_S, 1), "wall_s": round(run_wall, 3), "cpu_s": round(run_cpu, 3)},
        "commands": len(gather_log) + len(run_log),
        "connections": connections(gather_log) + connections(run_log),
    }  # fmt: skip


def naive(lpars: int) -> dict[str, Any]:
    """The naive loop on the same fleet, to the PowerVC-style baseline's targets, in its order."""
    scenario = fleet(lpars)
    source = scenario.systems[0].name
    # The targets only need memory and processors: no VIOS details (the fleet has no misconfiguration).
    client = CoreClient(Core(Estate(scenario, manual_clock=True)), scenario.hmcs[0].name, "bench-naive-facts")
    facts = gather(client, GatherOptions(host=scenario.hmcs[0].name, vios_details=False)).estate
    s = _setting(scenario, facts)
    moves = [Move(m["lpar"], m["lpar_id"], m["target_system"]) for m in baseline("powervc", s).migrations]
    return {"lpars": lpars, **naive_evacuation(fleet(lpars), source, moves, interval=POLL_S)}
