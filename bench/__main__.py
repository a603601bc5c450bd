"""``python -m bench quick|full``: run the benchmark, write its results, fail when an invariant breaks.

quick (CI, a few minutes): 30 makespan instances; command economy at 10 and 100 partitions; the
planner at 200 x 10. full: 200 instances; economy at 10, 100 and 1,000; the 1,000-partition fleet
(estate_info, preflight); the controller's CPU and memory during a 200-partition evacuation.
Results go to bench/results/tmp/ (quick) or bench/results/ (full) unless --out is given.
``python -m bench render RESULTS.json`` writes the Markdown and the plot of a results file again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import checks, economy, env, makespan, report, scale

MODES: dict[str, dict[str, Any]] = {
    "quick": {"instances": 30, "economy": (10, 100), "fleet": False, "controller": False, "out": env.REPO / "bench" / "results" / "tmp"},
    "full": {"instances": 200, "economy": (10, 100, 1000), "fleet": True, "controller": True, "out": env.REPO / "bench" / "results"},
}
SECTIONS = ("makespan", "economy", "scale")
SPEED = 1000.0


def _say(line: str) -> None:
    print(line, flush=True)


def _load() -> list[float]:
    """The machine's load averages (1, 5, 15 min): wall times mean little when others use the cores."""
    return [round(x, 2) for x in os.getloadavg()]


def run(mode: str, sections: tuple[str, ...], instances: int | None, command: str) -> dict[str, Any]:
    cfg = MODES[mode]
    started = time.perf_counter()
    data: dict[str, Any] = {"mode": mode, "command": command, "cpus": os.cpu_count(), "load": {"start": _load()}}
    found: list[dict[str, Any]] = []
    if "makespan" in sections:
        count = instances if instances is not None else cfg["instances"]
        _say(f"== makespan set: {count} instances")
        records = makespan.run_set(count, _say)
        data["makespan"] = {"instances": records, "summary": report.makespan_summary(records)}
        found += checks.makespan_checks(records)
    if "economy" in sections:
        _say(f"== command economy: {cfg['economy']} partitions")
        ours, naive = [], []
        for n in cfg["economy"]:
            ours.append(economy.ours_over_ssh(n, SPEED))
            _say(f"ours {n}: {ours[-1]['commands']} commands, {ours[-1]['connections']} connections")
            naive.append(economy.naive(n))
            _say(f"naive {n}: {naive[-1]['commands']} commands, {naive[-1]['connections']} connections")
        data["economy"] = {"speed": SPEED, "poll_s": economy.POLL_S, "ours": ours, "naive": naive}
        found += checks.economy_checks(data["economy"])
    if "scale" in sections:
        data["scale"] = {}
        if cfg["fleet"]:
            _say("== scale: 1,000 partitions, 20 systems, 2 HMCs")
            data["scale"]["fleet"] = scale.fleet_run()
        _say("== scale: planner 200 x 10")
        data["scale"]["planner"] = scale.planner_run()
        if cfg["controller"]:
            _say("== scale: controller during a 200-partition evacuation")
            data["scale"]["controller"] = [scale.controller_run(200, trace=False), scale.controller_run(200, trace=True)]
        found += checks.scale_checks(data["scale"])
    data["load"]["end"] = _load()
    data["checks"] = found
    data["targets"] = checks.targets(data)
    data["seconds"] = round(time.perf_counter() - started, 1)
    return data


def render(path: Path) -> int:
    """Write the Markdown and the plot of a results JSON again (after a change of the report's layout)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["targets"] = checks.targets(data)
    for written in report.write(data, path.parent):
        _say(f"wrote {written}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["render"]:
        if len(args_in) != 2:
            print("usage: python -m bench render RESULTS.json", file=sys.stderr)
            return 2
        return render(Path(args_in[1]))
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of sections (default: {','.join(SECTIONS)})")
    parser.add_argument("--instances", type=int, default=None, help="makespan instances (default: 30 quick, 200 full)")
    parser.add_argument("--out", type=Path, default=None, help="directory for <mode>.json, <mode>.md, <mode>-makespan.svg")
    args = parser.parse_args(args_in)
    sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown sections: {', '.join(unknown)}")
    command = " ".join(["python -m bench", *args_in])
    data = run(args.mode, sections, args.instances, command)
    out = args.out if args.out is not None else MODES[args.mode]["out"]
    for path in report.write(data, out):
        _say(f"wrote {path}")
    for target in data["targets"]:
        _say(f"goal {'met' if target['met'] else 'MISSED'}: {target['goal']}: {target['measured']}")
    failed = [c for c in data["checks"] if not c["ok"]]
    for c in data["checks"]:
        _say(f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}{': ' + c['detail'] if not c['ok'] else ''}")
    _say(f"{len(data['checks']) - len(failed)} invariants hold, {len(failed)} failed ({data['seconds']:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
