"""The makespan set: every strategy's plan of every instance, executed on the twin, over the lower bound.

Per instance: the fleet is generated, its estate facts are read by the collection's gathering code
(in-process), the planner and the four baselines plan from the same facts, policy and physics, and
each plan runs on a fresh twin of the fleet (bench.executor). The lower bound LB is the planner's
``_plan_bound.lower_bound`` over every partition that can move (placement-independent terms only),
cross-checked against bench.bound's simpler bound, which must never exceed it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._plan_baselines import BASELINES, BaselineOptions, baseline
from ansible_collections.powervm.lpm.plugins.module_utils._plan_bound import lower_bound
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import PlanResult, Setting, plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE
from hmcsim.core import Core
from hmcsim.estate import Estate

from bench import instances
from bench.bound import own_bound
from bench.executor import MAX_CONCURRENT, Execution, execute
from bench.inprocess import gather_facts, physics_params

STRATEGIES = ("ours", *BASELINES)


def _lanes(solos: list[float], slots: int, depth: int = 4) -> float:
    """A bound for whole migrations in at most ``slots`` at once.

    At most ``slots`` at once means ``slots`` lanes (interval colouring), each running its migrations
    one after another, so the makespan is at least the longest lane:

    * one lane runs at least ceil(n / slots) migrations: at least the sum of that many shortest ones;
    * two of the ``slots + 1`` longest share a lane;
    * the longest migration shares its lane (at least it plus the shortest other) or has a lane of its
      own, leaving the others ``slots - 1`` lanes (the same bound again, ``depth`` times).
    """
    if not solos or slots <= 0:
        return 0.0
    ordered = sorted(solos)
    n = len(ordered)
    bound = max(ordered[-1], sum(ordered[: math.ceil(n / slots)]))
    if n > slots:
        bound = max(bound, ordered[n - slots] + ordered[n - slots - 1])
        if depth > 0 and slots > 1:
            shared = ordered[-1] + ordered[0]
            alone = max(ordered[-1], _lanes(ordered[:-1], slots - 1, depth - 1))
            bound = max(bound, min(shared, alone))
    return bound


def _instance_bound(s: Setting) -> dict[str, Any]:
    """LB (lpm-model.md §2.6) over every movable partition, and a tighter bound under the same model.

    The tighter one adds what no schedule avoids under the model: the fixed phase before any byte
    moves and the clean-up after the last one (to the byte terms), each disruption group's
    migrations one after another, and whole migrations per concurrency lane (``_lanes``: the source's
    active slots, its inactive ones, and all of them under the policy's cap in all when it sets one).
    """
    moving = [(p, s.options[p.name][0]) for p in s.movable]
    bound = lower_bound(moving, s.source, s.targets, s.options, s.physics, s.policy)
    chains = [sum(s.estimates[m].solo_s for m in g.members if m in s.estimates) for g in s.policy.disruption_groups]
    active = [s.estimates[p.name].solo_s for p in s.movable if p.kind != INACTIVE]
    inactive = [s.estimates[p.name].solo_s for p in s.movable if p.kind == INACTIVE]
    caps = [s.source.active_cap, sum(m.cap for m in s.source.msps)] + ([s.policy.max_concurrent] if s.policy.max_concurrent else [])
    edges = s.physics.pre_copy_fixed_s + s.physics.t_cleanup_s if active else 0.0
    terms = {
        "model_tight": bound.model_tight,
        "dst_edges": bound.dst_min + edges,
        "group_chain": max(chains, default=0.0),
        "lanes": max(
            _lanes(active, min(caps)),
            _lanes(inactive, s.source.inactive_cap),
            _lanes(active + inactive, s.policy.max_concurrent or 0),  # the cap on all migrations in flight
        ),
    }
    tight = max(terms.values())
    return {
        "seconds": bound.value,
        "tight_seconds": tight,
        "bottleneck": bound.bottleneck()["term"],
        "tight_term": max(terms, key=lambda k: terms[k]),
        "terms": {k: v for k, v in bound.as_dict().items() if k in ("lb_src", "lb_dst_min", "lb_long", "lb_slot")},
    }


def _moved_bound(s: Setting, ex: Execution) -> float:
    """LB (§2.6) over the partitions a plan moved, whatever their targets."""
    parts = {p.name: p for p in s.movable}
    moving = [(parts[r.lpar], r.target) for r in ex.runs if r.status == "complete" and r.lpar in parts]
    return lower_bound(moving, s.source, s.targets, s.options, s.physics, s.policy).value if moving else 0.0


def _record(s: Setting, result: PlanResult, ex: Execution, lb: float, plan_seconds: float) -> dict[str, Any]:
    moved = sum(1 for r in ex.runs if r.status == "complete")
    movable = len(s.movable)
    lb_moved = lb if moved == movable else _moved_bound(s, ex)
    return {
        "predicted_s": round(result.eta_s, 3),
        "makespan_s": round(ex.makespan, 3),
        "ratio": ex.makespan / lb if lb > 0 else None,
        "ratio_moved": ex.makespan / lb_moved if lb_moved > 0 else None,
        "moved": moved,
        "complete": moved == movable,
        "valid": ex.valid,
        "problems": ex.problems[:5],
        "migrlpar": ex.migrlpar,
        "cap_waits": ex.cap_waits,
        "prediction_error": ex.makespan / result.eta_s - 1.0 if result.eta_s > 0 else 0.0,  # twin over the plan's own prediction
        "plan_seconds": round(plan_seconds, 4),
    }


def run_instance(inst: instances.Instance) -> dict[str, Any]:
    """Plan and execute every strategy on one instance."""
    started = time.perf_counter()
    generated = instances.generate(inst)
    scenario = generated.scenario
    source = instances.source_of(scenario)
    facts = gather_facts(Core(Estate(scenario, manual_clock=True)), scenario.hmcs[0].name).estate
    groups = instances.disruption_groups(inst, scenario)
    # The plan and its executor hold the same cap in all: the shared default (none), as the evacuation module does.
    policy = policy_from({"disruption_groups": groups, "max_concurrent": MAX_CONCURRENT})
    s = setting(facts, source, None, policy, physics_from(physics_params(scenario)))
    lb = _instance_bound(s)
    own = own_bound(scenario, source, [p.name for p in s.movable])
    systems = [s.source, *s.targets.values()]
    members = {g["name"]: g["members"] for g in groups}
    planners: dict[str, tuple[Callable[[], PlanResult], bool]] = {"ours": (partial(plan, s), True)}
    for name in BASELINES:
        planners[name] = (partial(baseline, name, s, BaselineOptions(seed=inst.seed)), False)
    strategies = {}
    for name, (make, named) in planners.items():
        t = time.perf_counter()
        result = make()
        plan_seconds = time.perf_counter() - t
        ex = execute(instances.generate(inst).scenario, result.migrations, systems, name_msps=named, groups=members)
        strategies[name] = _record(s, result, ex, lb["seconds"], plan_seconds)
    unmovable: dict[str, int] = {}
    for u in s.unmovable:
        if u.reason != "vios":
            unmovable[u.reason] = unmovable.get(u.reason, 0) + 1
    out = {
        "instance": inst.as_dict(),
        "source": source,
        "partitions": len([p for p in s.parts if p.name not in {u.lpar for u in s.unmovable if u.reason == "vios"}]),
        "movable": len(s.movable),
        "unmovable": unmovable,
        "groups": [len(g["members"]) for g in groups],  # sizes
        "lb": lb,
        "lb_tight_s": lb["tight_seconds"],
        "own_lb_s": round(own.value, 3),
        "strategies": strategies,
        "seconds": round(time.perf_counter() - started, 3),
    }
    out["comparison"] = compare(out)
    return out


def compare(record: dict[str, Any]) -> dict[str, Any]:
    """Ours against the best baseline that moved every movable partition validly."""
    ours = record["strategies"]["ours"]
    usable = {n: r for n, r in record["strategies"].items() if n != "ours" and r["complete"] and r["valid"]}
    if not usable:
        return {"best_baseline": None, "ours_over_best": None, "saving": None, "attainable_saving": None}
    best = min(usable, key=lambda n: usable[n]["makespan_s"])
    best_s = usable[best]["makespan_s"]
    ratio = ours["makespan_s"] / best_s if best_s > 0 else None
    attainable = 1.0 - record["lb_tight_s"] / best_s if best_s > 0 else None  # the most any schedule could save
    return {"best_baseline": best, "ours_over_best": ratio, "saving": None if ratio is None else 1.0 - ratio, "attainable_saving": attainable}


def run_set(count: int, progress: Callable[[str], None] = lambda _line: None) -> list[dict[str, Any]]:
    """The first ``count`` instances of the set."""
    records = []
    for index in range(count):
        record = run_instance(instances.draw(index))
        records.append(record)
        ours = record["strategies"]["ours"]
        cmp_ = record["comparison"]
        best = f"{cmp_['best_baseline']} x{cmp_['ours_over_best']:.3f}" if cmp_["best_baseline"] else "no complete baseline"
        progress(f"instance {index:3d}: {record['movable']:2d} movable, {record['instance']['targets']} targets, "
                 f"ours/LB {ours['ratio']:.3f}, vs {best} ({record['seconds']:.1f} s)")  # fmt: skip
    return records
