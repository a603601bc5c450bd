# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""How numbers read in the Markdown and HTML reports (pure). A missing value reads as an en dash."""

from __future__ import annotations

from typing import NamedTuple

from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import Summary
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import MOVED, RECOVERED, SKIPPED

NONE = "\u2013"

LB_TERM_LABELS = {
    "lb_src": "source MSP egress",
    "lb_dst": "destination ingress",
    "lb_long": "longest single migration",
    "lb_slot": "concurrency slots",
}


def duration(seconds: float | None) -> str:
    """``45s``, ``12m 05s``, ``2h 03m``."""
    if seconds is None:
        return NONE
    total = int(round(seconds))
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"


def clock(seconds: float | None) -> str:
    """A time relative to the start of the evacuation: ``+0:03:25``."""
    if seconds is None:
        return NONE
    total = int(round(seconds))
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}:{secs:02d}"


def number(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{value:,.{digits}f}"


def ratio(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}\u00d7"


def msps(source: str, dest: str) -> str:
    if not source and not dest:
        return NONE
    return f"{source or '?'} \u2192 {dest or '?'}"


class Figure(NamedTuple):
    label: str
    value: str
    note: str = ""
    bad: bool = False


def figures(s: Summary) -> list[Figure]:
    """The summary figures, in the order both reports show them."""
    return [
        Figure("LPARs moved", str(s.counts[MOVED])),
        Figure("LPARs failed", str(s.failed), f"{s.counts[RECOVERED]} recovered", bad=s.failed > 0),
        Figure("LPARs skipped", str(s.counts[SKIPPED])),
        Figure("LPARs left on the source", str(s.still_on_source)),
        Figure("LPARs that cannot move", str(s.unmovable)),
        Figure("Memory moved (GiB)", number(s.total_gib)),
        Figure("Makespan, actual", duration(s.makespan)),
        Figure("Makespan, predicted", duration(s.predicted)),
        Figure("Lower bound", duration(s.lb), LB_TERM_LABELS.get(s.bottleneck or "", s.bottleneck or "")),
        Figure("Actual / predicted", ratio(s.ratio_predicted)),
        Figure("Actual / lower bound", ratio(s.ratio_lb)),
        Figure("Wall time of the run", duration(s.wall_seconds)),
    ]
