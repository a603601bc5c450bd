"""Summaries of a benchmark run, and its Markdown, JSON and SVG outputs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.makespan import STRATEGIES
from bench.stats import quantile, summary
from bench.svg import Group, Line, box_strip

SAVING_GOAL = 0.25
WORSE_LIMIT = 1.02


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def makespan_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per strategy: makespan/LB over the instances it completed; ours against the best baseline."""
    per: dict[str, Any] = {}
    for name in STRATEGIES:
        done = [r for r in records if r["strategies"][name]["complete"] and r["strategies"][name]["valid"]]
        ratios = [r["strategies"][name]["makespan_s"] / r["lb"]["seconds"] for r in done]
        tight = [r["strategies"][name]["makespan_s"] / r["lb_tight_s"] for r in done]
        per[name] = {
            "complete": len(done),
            "invalid": sum(1 for r in records if not r["strategies"][name]["valid"]),
            "ratio": {k: _r(v, 4) for k, v in summary(ratios).items()},
            "ratio_tight": {k: _r(v, 4) for k, v in summary(tight).items()},
            "prediction_error_max": _r(max((abs(r["strategies"][name]["prediction_error"]) for r in records), default=0.0), 5),
        }
    compared = [r for r in records if r["comparison"]["ours_over_best"] is not None]
    multi = [r for r in compared if r["instance"]["targets"] >= 2]
    savings = [r["comparison"]["saving"] for r in multi]
    worst = max(compared, key=lambda r: r["comparison"]["ours_over_best"], default=None)
    best_counts: dict[str, int] = {}
    for r in compared:
        best_counts[r["comparison"]["best_baseline"]] = best_counts.get(r["comparison"]["best_baseline"], 0) + 1
    attainable = [r for r in multi if (r["comparison"]["attainable_saving"] or 0.0) >= SAVING_GOAL]
    captured = [r["comparison"]["saving"] / r["comparison"]["attainable_saving"] for r in multi if (r["comparison"]["attainable_saving"] or 0.0) > 0.01]
    return {
        "instances": len(records),
        "per_strategy": per,
        "vs_best_baseline": {
            "goal_attainable": len(attainable),
            "goal_met_where_attainable": sum(1 for r in attainable if r["comparison"]["saving"] >= SAVING_GOAL),
            "captured_median": _r(quantile(captured, 0.5), 3),
            "instances": len(compared),
            "best_baseline_counts": dict(sorted(best_counts.items())),
            "saving": {k: _r(v, 4) for k, v in summary(savings).items()},
            "share_with_saving_goal": _r(sum(1 for s in savings if s >= SAVING_GOAL) / len(savings), 3) if savings else None,
            "worst_ours_over_best": _r(worst["comparison"]["ours_over_best"], 4) if worst else None,
            "worst_instance": worst["instance"]["index"] if worst else None,
            "over_limit": [r["instance"]["index"] for r in compared if r["comparison"]["ours_over_best"] > WORSE_LIMIT],
        },
    }


def plot(records: Sequence[dict[str, Any]], mode: str) -> str:
    groups = []
    for name in STRATEGIES:
        values, hollow = [], []
        for r in records:
            s = r["strategies"][name]
            if s["valid"] and s["moved"] > 0:
                values.append(s["ratio_moved"])
                hollow.append(not s["complete"])
        complete = sum(1 for r in records if r["strategies"][name]["complete"] and r["strategies"][name]["valid"])
        groups.append(Group(name, values, hollow, f"complete {complete}/{len(records)}"))
    return box_strip(
        groups,
        title=f"Evacuation makespan / lower bound, {len(records)} generated instances ({mode}), on the twin's clock",
        y_label="makespan / LB (log scale)",
        lines=[Line(1.25, ""), Line(1.10, "")],
        caption=[
            "Box: quartiles and median; whiskers: min-max; dots: instances. LB: lpm-model.md section 2.6 over the partitions moved.",
            "Hollow dots: the strategy left partitions behind (hmc_all: one target cannot take them all); its LB is over what it moved.",
            "Dashed lines: the goals for ours, median 1.10 and p95 1.25.",
        ],
    )


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(data: dict[str, Any]) -> str:
    load = data.get("load", {})
    lines = [
        f"# Benchmark results ({data['mode']})",
        "",
        f"Command: `{data['command']}`; {data['seconds']:.0f} s on this machine ({data.get('cpus')} CPUs; load average at the start "
        f"{load.get('start')}, at the end {load.get('end')}: wall times grow with the load, the ratios and counts do not).",
        "",
    ]
    if "makespan" in data:
        lines += _makespan_md(data["makespan"]["summary"])
    if "economy" in data:
        lines += _economy_md(data["economy"])
    if "scale" in data:
        lines += _scale_md(data["scale"])
    if "targets" in data:
        lines += ["## Targets", "", "| goal | measured | met |", "|---|---|---|"]
        lines += [f"| {t['goal']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |" for t in data["targets"]]
        lines.append("")
    if "checks" in data:
        failed = [c for c in data["checks"] if not c["ok"]]
        lines += ["## Invariants", "", f"{len(data['checks']) - len(failed)} of {len(data['checks'])} hold."]
        lines += [f"- **failed**: {c['name']}: {c['detail']}" for c in failed]
        lines.append("")
    return "\n".join(lines)


def _makespan_md(s: dict[str, Any]) -> list[str]:
    lines = [
        "## Makespan over the lower bound",
        "",
        f"{s['instances']} instances. LB: the planner's `_plan_bound` over every movable partition (lpm-model.md §2.6). "
        "LB tight adds what no schedule avoids under the model: the fixed phase before the first byte and the clean-up "
        "after the last, each disruption group's migrations in a row, and whole migrations per concurrency lane.",
        "",
        "| strategy | complete | invalid | median | p75 | p95 | max | vs LB tight: median | p95 | max | twin vs prediction, largest |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, p in s["per_strategy"].items():
        r, t = p["ratio"], p["ratio_tight"]
        cells = [name, p["complete"], p["invalid"], *(_fmt(r[k]) for k in ("median", "p75", "p95", "max")), *(_fmt(t[k]) for k in ("median", "p95", "max"))]
        lines.append("| " + " | ".join(str(c) for c in cells) + f" | {p['prediction_error_max']:.2%} |")
    v = s["vs_best_baseline"]
    sav = v["saving"]
    lines += [
        "",
        f"Ours against the best complete baseline of each instance ({v['instances']} instances; best: "
        + ", ".join(f"{k} {n}" for k, n in v["best_baseline_counts"].items())
        + f"): saving median {_fmt(sav['median'])}, p25 {_fmt(sav['p25'])}, min {_fmt(sav['min'])}; "
        f"{_fmt(v['share_with_saving_goal'])} of the instances save at least {SAVING_GOAL:.0%}; "
        f"worst ours/best {_fmt(v['worst_ours_over_best'], 4)} (instance {v['worst_instance']}).",
        "",
        f"A saving of {SAVING_GOAL:.0%} is possible at all (best baseline / LB tight >= {1 / (1 - SAVING_GOAL):.3f}) on "
        f"{v['goal_attainable']} instances; ours saves that much on {v['goal_met_where_attainable']} of them. Ours captures a median "
        f"{_fmt(v['captured_median'])} of the saving the tight bound leaves possible (1 - LB tight / best baseline).",
        "",
    ]
    return lines


def _economy_md(e: dict[str, Any]) -> list[str]:
    lines = [
        "## Command economy per evacuation",
        "",
        f"Ours over SSH at {e['speed']:g}x (estate gathering, then survey, caps and the migration runner); the naive loop "
        f"in-process on the simulated clock. Both poll every {e['poll_s']:g} simulated seconds.",
        "",
        "| partitions | ours: commands (gather + run) | ours: connections | ours: migrlpar | ours: polls (rounds x sources) "
        "| ours: commands at one poll per interval | naive: commands | naive: connections | naive: polls |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    naive = {n["lpars"]: n for n in e["naive"]}
    for o in e["ours"]:
        n = naive.get(o["lpars"], {})
        run = o["run"]
        normal = o["commands"] - run["polls"] + round(run["poll_intervals"] * run["sources"])
        lines.append(f"| {o['lpars']} | {o['commands']} ({o['gather']['commands']} + {run['commands']}) | {o['connections']} | {run['migrlpar']} "
                     f"| {run['polls']} | {normal} | {n.get('commands', '-')} | {n.get('connections', '-')} | {n.get('polls', '-')} |")  # fmt: skip
    lines += ["", "Ours, gathering commands by kind: " + "; ".join(f"{o['lpars']}: {o['gather']['by_command']}" for o in e["ours"]), ""]
    return lines


def _scale_md(sc: dict[str, Any]) -> list[str]:
    lines = ["## Scale", ""]
    if "fleet" in sc:
        f = sc["fleet"]
        lines += [f"Fleet: {f['fleet']['lpars']} partitions, {f['fleet']['systems']} systems, {f['fleet']['hmcs']} HMCs, served over SSH at "
                  f"{f['fleet']['speed']:g}x; module_utils called directly, one connection per HMC, both HMCs at once.", "",
                  "| run | wall (s) | controller CPU (s) | twin command time (s) | commands | connections |", "|---|---|---|---|---|---|"]  # fmt: skip
        for key in ("estate_info", "preflight"):
            x = f[key]
            lines.append(f"| {key} | {x['wall_s']} | {x['controller_cpu_s']} | {x['twin_command_s']} | {x['commands']} | {x['connections']} |")
        lines.append("")
    if "planner" in sc:
        p = sc["planner"]
        lines += [
            f"Planner, {p['lpars']} partitions x {p['targets']} targets: best {p['best_s']} s wall of {p['wall_s']}, {p['best_cpu_s']} s CPU; "
            f"deterministic: {p['deterministic']}; independent of dict order: {p['order_independent']}.",
            "",
        ]
    for c in sc.get("controller", []):
        peak = f", traced allocation peak {c['traced_peak_mb']} MB" if "traced_peak_mb" in c else ""
        lines += [f"Controller during a {c['lpars']}-partition evacuation over SSH (tracemalloc {'on' if c['tracemalloc'] else 'off'}): "
                  f"{c['cpu_s']} s CPU in {c['wall_s']} s wall (gathering {c['gather_cpu_s']} s, migration run {c['run_cpu_s']} s){peak}.", ""]  # fmt: skip
    return lines


def _rounded(value: Any) -> Any:
    """``value`` with every float rounded to 4 decimals (the JSON stays small enough to commit)."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def write(data: dict[str, Any], out: Path) -> list[Path]:
    """Write ``<mode>.json``, ``<mode>.md`` and, with a makespan set, ``<mode>-makespan.svg`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    mode = data["mode"]
    paths = [out / f"{mode}.json", out / f"{mode}.md"]
    paths[0].write_text(json.dumps(_rounded(data), sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(data), encoding="utf-8")
    if "makespan" in data:
        svg = out / f"{mode}-makespan.svg"
        svg.write_text(plot(data["makespan"]["instances"], mode), encoding="utf-8")
        paths.append(svg)
    return paths
