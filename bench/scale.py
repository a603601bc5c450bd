"""Scale: estate_info and preflight on a large fleet, the planner on a large evacuation, the controller's
CPU and memory during one.

* Fleet of 1,000 client partitions on 20 systems behind 2 HMCs (``hmcsim generate --seed 7 --hmcs 2
  --systems 20 --lpars 1000``), served over SSH at high speed. The collection's module_utils are called
  directly, one connection per HMC, both HMCs at once (as two hosts of one play): the estate gathering
  of ``estate_info``, then ``preflight`` of every client partition of the HMC against one target
  (the HMC's last system), with the HMC's own validation (``migrlpar -o v``) of every pair.
* Planner: 200 partitions to 10 targets, from facts gathered in-process; wall time of ``setting`` and
  ``plan``; the plan must be the same when run again and when the facts' dicts come in another order.
* Controller: the CPU time (``getrusage``) and the peak of Python allocations (``tracemalloc``) of this
  process while it gathers, plans and runs a 200-partition evacuation over SSH (the twin runs in a
  child process and is not counted).
"""

from __future__ import annotations

import json
import resource
import threading
import time
import tracemalloc
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import PreflightOptions, run
from hmcsim.core import Core
from hmcsim.estate import Estate
from hmcsim.generator import generate, generate_with_report
from hmcsim.model import Scenario

from bench import economy
from bench.inprocess import gather_facts, physics_params
from bench.served import ServedTwin, connections

SPEED = 1000.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _per_hmc(scenario: Scenario, work: Any) -> tuple[dict[str, Any], float]:
    """Run ``work(hmc)`` for every HMC at once, in threads; (results by HMC, wall seconds)."""
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def one(hmc: str) -> None:
        try:
            results[hmc] = work(hmc)
        except BaseException as exc:  # pylint: disable=broad-exception-caught  # re-raised below
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=one, args=(h.name,)) for h in scenario.hmcs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results, time.perf_counter() - started


def fleet_run() -> dict[str, Any]:
    """estate_info and preflight of 1,000 partitions, 20 systems, 2 HMCs."""
    scenario = generate(seed=7, hmcs=2, systems=20, lpars=1000)
    clients = {s.name: [lp.name for lp in s.lpars if lp.env != "vioserver"] for s in scenario.systems}
    with ServedTwin(scenario, speed=SPEED) as twin:
        cpu = _cpu()

        def estate_info(hmc: str) -> dict[str, Any]:
            with twin.client(hmc) as client:
                return gather(client, GatherOptions(host=hmc)).stats

        gathered, gather_wall = _per_hmc(scenario, estate_info)
        gather_cpu, mark = _cpu() - cpu, twin.last_seq()
        cpu = _cpu()

        def preflight(hmc: str) -> dict[str, Any]:
            systems = [s.name for s in scenario.systems if s.hmc == hmc]
            lpars = tuple(name for system in systems for name in clients[system])
            with twin.client(hmc) as client:
                report = run(client, PreflightOptions(host=hmc, lpars=lpars, targets=(systems[-1],)))
            return {"lpars": len(lpars), "target": systems[-1], **{k: report["summary"][k] for k in ("pairs", "ready", "not_ready")},
                    "stats": {k: v for k, v in report["stats"].items() if not isinstance(v, dict)}}  # fmt: skip

        checked, preflight_wall = _per_hmc(scenario, preflight)
        preflight_cpu = _cpu() - cpu
        log = twin.log()
    gather_log = [e for e in log if e["seq"] <= mark]
    preflight_log = [e for e in log if e["seq"] > mark]
    return {
        "fleet": {"hmcs": len(scenario.hmcs), "systems": len(scenario.systems), "lpars": sum(len(v) for v in clients.values()), "speed": SPEED},
        "estate_info": {"wall_s": round(gather_wall, 2), "controller_cpu_s": round(gather_cpu, 2), "commands": len(gather_log),
                        "connections": connections(gather_log), "twin_command_s": round(sum(e["duration"] for e in gather_log), 2),
                        "per_hmc": gathered},
        "preflight": {"wall_s": round(preflight_wall, 2), "controller_cpu_s": round(preflight_cpu, 2), "commands": len(preflight_log),
                      "connections": connections(preflight_log), "twin_command_s": round(sum(e["duration"] for e in preflight_log), 2),
                      "lpars": sum(c["lpars"] for c in checked.values()), "per_hmc": checked},
    }  # fmt: skip


def planner_run(lpars: int = 200, targets: int = 10, repeats: int = 3) -> dict[str, Any]:
    """Planner wall time and determinism for ``lpars`` partitions to ``targets`` targets."""
    scenario = generate_with_report(seed=11, systems=targets + 1, lpars=lpars, target_share=1.0, san_group_size=targets + 1, msp_pairs=2).scenario
    facts = gather_facts(Core(Estate(scenario, manual_clock=True)), scenario.hmcs[0].name).estate
    physics = physics_from(physics_params(scenario))
    source = scenario.systems[0].name
    times, cpu, outputs = [], [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = plan(setting(facts, source, None, policy_from({}), physics))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        outputs.append(json.dumps(result.as_dict(), sort_keys=True))
    reordered = _reversed(facts)
    shuffled = json.dumps(plan(setting(reordered, source, None, policy_from({}), physics)).as_dict(), sort_keys=True)
    return {
        "lpars": lpars, "targets": targets, "moved": len(result.migrations), "wall_s": [round(t, 3) for t in times],
        "best_s": round(min(times), 3), "best_cpu_s": round(min(cpu), 3), "deterministic": len(set(outputs)) == 1, "order_independent": shuffled == outputs[0],
        "evaluations": result.search["evaluations"], "ratio_predicted": round(result.ratio or 0.0, 4),
    }  # fmt: skip


def _reversed(value: Any) -> Any:
    """The same data with every dict's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


def controller_run(lpars: int = 200, trace: bool = False) -> dict[str, Any]:
    """CPU (and, with ``trace``, the allocation peak) of this process during one evacuation over SSH."""
    peak: dict[str, float] = {}
    if trace:
        tracemalloc.start()

    def measure() -> None:
        if trace:
            peak["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)

    cpu, wall = _cpu(), time.perf_counter()
    try:
        result = economy.ours_over_ssh(lpars, SPEED, measure)
    finally:
        if trace:
            tracemalloc.stop()
    return {
        "lpars": lpars,
        "tracemalloc": trace,
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(_cpu() - cpu, 2),
        "gather_cpu_s": result["gather"]["cpu_s"],
        "run_cpu_s": result["run"]["cpu_s"],
        "plan_wall_s": result["plan_wall_s"],
        "moved": result["moved"],
        **peak,
    }
