"""Invariants of a benchmark run (CI fails on them) and the goals (reported, met or not).

The invariants never look at wall time: they hold on any machine. They check that every plan ran as
planned on the twin, that the lower bound is a bound, that ours never loses to the best baseline by
more than 2 %, that the planner predicts the twin, and the command accounting of the HMC traffic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CHANNELS_PER_CONNECTION

from bench.report import SAVING_GOAL, WORSE_LIMIT

BOUND_SLACK = 1e-6  # relative: a makespan may equal its bound
MODEL_TOLERANCE = 0.01  # relative: the twin's makespan of our plan against the planner's prediction


def _check(name: str, failures: Sequence[str], count: int) -> dict[str, Any]:
    return {
        "name": name,
        "ok": not failures,
        "checked": count,
        "detail": "; ".join(failures[:8]) + (f" (+{len(failures) - 8} more)" if len(failures) > 8 else ""),
    }


def makespan_checks(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    valid, bound, own, complete, limit, model = [], [], [], [], [], []
    for r in records:
        i = r["instance"]["index"]
        lb = r["lb"]["seconds"]
        if r["own_lb_s"] > lb * (1 + BOUND_SLACK):
            own.append(f"#{i}: simple bound {r['own_lb_s']:.1f} s above the planner's {lb:.1f} s")
        for name, s in r["strategies"].items():
            if not s["valid"]:
                valid.append(f"#{i} {name}: {'; '.join(s['problems'][:2])}")
            floor = max(lb, r["lb_tight_s"])
            if s["complete"] and s["valid"] and s["makespan_s"] < floor * (1 - BOUND_SLACK):
                bound.append(f"#{i} {name}: makespan {s['makespan_s']:.1f} s below LB {lb:.1f} s / LB tight {r['lb_tight_s']:.1f} s")
        ours = r["strategies"]["ours"]
        if not ours["complete"]:
            complete.append(f"#{i}: ours moved {ours['moved']} of {r['movable']}")
        ratio = r["comparison"]["ours_over_best"]
        if ratio is not None and ratio > WORSE_LIMIT:
            limit.append(f"#{i}: ours {ratio:.4f} x {r['comparison']['best_baseline']}")
        if ours["predicted_s"] > 0 and abs(ours["makespan_s"] - ours["predicted_s"]) > MODEL_TOLERANCE * ours["predicted_s"]:
            model.append(f"#{i}: twin {ours['makespan_s']:.1f} s, predicted {ours['predicted_s']:.1f} s")
    n = len(records)
    return [
        _check("every plan ran as planned on the twin (once each, complete, on its target, caps and groups held)", valid, n * 5),
        _check("makespan / LB >= 1 and makespan / LB tight >= 1 for every complete plan (the bounds are bounds)", bound, n * 5),
        _check("the simple instance bound (bench.bound) never exceeds the planner's", own, n),
        _check("ours moves every movable partition", complete, n),
        _check(f"ours is never more than {WORSE_LIMIT - 1:.0%} slower than the best complete baseline", limit, n),
        _check(f"the twin's makespan of our plan is within {MODEL_TOLERANCE:.0%} of the planner's prediction", model, n),
    ]


def economy_checks(economy: dict[str, Any]) -> list[dict[str, Any]]:
    per_lpar, polls, connections, systems, naive = [], [], [], [], []
    ours = economy["ours"]
    for o in ours:
        run, n = o["run"], o["lpars"]
        if not (run["migrlpar"] == n == o["moved"]):
            per_lpar.append(f"{n} partitions: {run['migrlpar']} migrlpar -o m, {o['moved']} moved; {o['failed'][:2]}")
        expected = run["polls"] + run["sources"] + run["targets"]  # the poller's reads, the survey's of the source, one final per target
        seen = run["by_command"].get("lslparmigr -r lpar", 0)
        if seen != expected:
            polls.append(f"{n} partitions: {seen} lslparmigr -r lpar for {run['polls']} polls of {run['sources']} source system(s)")
        # The client opens another connection only when more than CHANNELS_PER_CONNECTION commands run at once.
        most = math.ceil(run.get("max_channels", CHANNELS_PER_CONNECTION) / CHANNELS_PER_CONNECTION)
        if o["gather"]["connections"] != 1 or not 1 <= run["connections"] <= most:
            connections.append(f"{n} partitions: {o['gather']['connections']} connection(s) gathering, {run['connections']} running (at most {most})")
    fixed = [{k: v for k, v in o["gather"]["by_command"].items() if k != "viosvrcmd"} for o in ours]
    if any(f != fixed[0] for f in fixed):
        systems.append(f"gathering commands other than viosvrcmd change with the partition count: {fixed}")
    for n in economy["naive"]:
        if n["connections"] != n["commands"] or n["migrlpar"] != n["lpars"]:
            naive.append(f"{n['lpars']} partitions: {n['commands']} commands over {n['connections']} connections, {n['migrlpar']} migrlpar")
    return [
        _check("ours: exactly one migrlpar -o m per partition, every partition moved", per_lpar, len(ours)),
        _check("ours: one lslparmigr -r lpar per source system per poll round (plus the survey and one final read per target)", polls, len(ours)),
        _check(f"ours: one SSH connection per module run, one more per {CHANNELS_PER_CONNECTION} commands at once", connections, len(ours)),
        _check("ours: gathering listings grow with systems, not partitions (viosvrcmd disk reads aside)", systems, len(ours)),
        _check("naive loop: one connection per command, one migrlpar per partition", naive, len(economy["naive"])),
    ]


def scale_checks(scale: dict[str, Any]) -> list[dict[str, Any]]:
    p = scale.get("planner")
    if p is None:
        return []
    failures = [] if p["deterministic"] and p["order_independent"] else [f"deterministic {p['deterministic']}, order independent {p['order_independent']}"]
    moved = [] if p["moved"] == p["lpars"] else [f"{p['moved']} of {p['lpars']} placed"]
    return [_check("planner: the same plan every time and whatever the order of the facts", failures, 1),
            _check("planner: every partition of the 200 x 10 evacuation placed", moved, 1)]  # fmt: skip


def targets(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The goals of the benchmark, with what was measured."""
    out = []
    if "makespan" in data:
        s = data["makespan"]["summary"]
        ours = s["per_strategy"]["ours"]["ratio"]
        v = s["vs_best_baseline"]
        out += [
            {"goal": "ours makespan/LB median <= 1.10", "measured": f"{ours['median']:.4f}", "met": ours["median"] <= 1.10},
            {"goal": "ours makespan/LB p95 <= 1.25", "measured": f"{ours['p95']:.4f}", "met": ours["p95"] <= 1.25},
            {"goal": f">= {SAVING_GOAL:.0%} shorter than the best baseline (instances with >= 2 targets)",
             "measured": f"median saving {v['saving']['median']:.3f}; {v['share_with_saving_goal']:.0%} of instances save >= {SAVING_GOAL:.0%}; "
             f"possible on {v['goal_attainable']}, met on {v['goal_met_where_attainable']} of those",
             "met": v["saving"]["min"] >= SAVING_GOAL},
            {"goal": f"never > {WORSE_LIMIT - 1:.0%} worse than the best baseline", "measured": f"worst ours/best {v['worst_ours_over_best']:.4f}",
             "met": v["worst_ours_over_best"] <= WORSE_LIMIT},
        ]  # fmt: skip
    if "economy" in data:
        ours = data["economy"]["ours"]
        grows = ", ".join(f"{o['lpars']}: {o['gather']['by_command'].get('viosvrcmd', 0)}" for o in ours)
        out += [
            {"goal": "at most one migrlpar per partition", "measured": ", ".join(f"{o['lpars']}: {o['run']['migrlpar']}" for o in ours),
             "met": all(o["run"]["migrlpar"] <= o["lpars"] for o in ours)},
            {"goal": "reads grow with systems, not partitions", "measured": f"viosvrcmd reads (one per mapped disk) by partitions: {grows}",
             "met": len({o["gather"]["by_command"].get("viosvrcmd", 0) for o in ours}) <= 1},
            {"goal": "polling costs one read per system per poll interval", "measured": "; ".join(
                f"{o['lpars']}: {o['run']['polls']} polls of {o['run']['sources']} system" for o in ours), "met": True},
        ]  # fmt: skip
    sc = data.get("scale", {})
    if "fleet" in sc:
        wall = sc["fleet"]["preflight"]["wall_s"]
        out.append({"goal": "preflight of 1,000 partitions <= 60 s wall", "measured": f"{wall:.1f} s", "met": wall <= 60})
    if "planner" in sc:
        p = sc["planner"]
        measured = f"{p['best_cpu_s']:.2f} s CPU ({p['best_s']:.2f} s wall), deterministic {p['deterministic']}"
        # The planner is single-threaded: its CPU time is its wall time on a core of its own.
        out.append({"goal": "planner < 1 s for 200 x 10 (CPU), deterministic", "measured": measured, "met": p["best_cpu_s"] < 1.0 and p["deterministic"]})
    return out
