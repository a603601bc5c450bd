"""``hmcsim generate``: a seeded fleet scenario as YAML, on stdout or in a file."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from .. import scenario as scenario_io
from .fleet import generate_with_report
from .params import MISCONFIG_KINDS


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hmcsim generate", description="Generate a seeded fleet scenario as YAML.")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--hmcs", type=int, default=1, help="number of HMCs (default 1)")
    p.add_argument("--systems", type=int, default=4, help="number of managed systems (default 4)")
    p.add_argument("--lpars", type=int, default=40, help="number of client partitions (default 40)")
    p.add_argument("--misconfig", type=float, default=0.0, help="share of client partitions to break (0-1)")
    p.add_argument("--misconfig-kinds", default="",
                   help=f"comma list of kinds to inject (default all: {', '.join(MISCONFIG_KINDS)})")
    p.add_argument("--link-gbps", default="", help="comma list of MSP link speeds to draw from, e.g. 1,10,25")
    p.add_argument("--msp-pairs", type=int, default=1, choices=(1, 2), help="MSP pairs per system (default 1)")
    p.add_argument("--target-share", type=float, default=0.0, help="share of systems starting without clients")
    p.add_argument("--san-group-size", type=int, default=4, help="systems per SAN group (default 4)")
    p.add_argument("--max-lpar-gb", type=float, default=256, help="largest client partition memory (default 256)")
    p.add_argument("-o", "--output", default="", help="write the YAML here (default: stdout)")
    return p


def main_generate(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``hmcsim generate``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        speeds = [float(s) for s in args.link_gbps.split(",") if s.strip()] or None
        kinds = [k.strip() for k in args.misconfig_kinds.split(",") if k.strip()] or None
        result = generate_with_report(seed=args.seed, hmcs=args.hmcs, systems=args.systems, lpars=args.lpars,
                                      misconfig=args.misconfig, misconfig_kinds=kinds, link_gbps=speeds,
                                      msp_pairs=args.msp_pairs, target_share=args.target_share,
                                      san_group_size=args.san_group_size,
                                      memory_range_gb=(min(4.0, args.max_lpar_gb), args.max_lpar_gb))
    except ValueError as exc:
        parser.error(str(exc))
    text = scenario_io.dump(result.scenario)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}: {len(result.scenario.systems)} systems, "
              f"{len(result.injected)} injected misconfiguration(s)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
