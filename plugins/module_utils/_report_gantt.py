# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The timeline of an evacuation as an inline SVG (pure; no script, no external asset).

One row per partition: the actual migration as a bar split by phase (a failed migration in red, a
recovered one in orange, with its HSCL code), the predicted migration as a thin grey bar under it,
and on the right the GiB and MiB/s. Vertical lines: the lower bound (from the first start), the
predicted ETA and the actual end. The time axis is in minutes since the start of the evacuation.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils import _report_format as fmt
from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import Row, Summary
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, MOVED, RECOVERED

WIDTH = 1320
LEFT = 220  # partition names
RIGHT = 200  # GiB / MiB/s or HSCL code
PLOT = WIDTH - LEFT - RIGHT
ROW = 30
BAR_H = 14
PRED_H = 4
LEGEND_H = 26
LINE_LABEL_H = 18  # one level of labels for the vertical lines
AXIS_H = 46
TOP_AXIS_H = 16  # minute labels above the plot too, when it has more rows than TOP_AXIS_ROWS
TOP_AXIS_ROWS = 15
CHAR_W = 7.2  # average advance of a 12 px sans-serif character
NAME_CHARS = int((LEFT - 16) / CHAR_W)

PHASE_COLOURS = {
    "starting": "#9ecae1",
    "waiting": "#c6dbef",
    "dispatch": "#9e9ac8",
    "transfer": "#2171b5",
    "completing": "#41ab5d",
    "stopped": "#969696",
}
OTHER_PHASE = "#6a51a3"
UNOBSERVED = "#708090"  # a migration whose phases were not observed
STATE_COLOURS = {FAILED: "#d62728", RECOVERED: "#ff7f0e"}
PREDICTED = "#8c8c8c"
LINES = {"lb": "#111111", "eta": "#08519c", "end": "#238b45"}
TICK_MINUTES = (0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)


def esc(text: object) -> str:
    """Text for an SVG/HTML text node or attribute: escaped, control characters replaced."""
    cleaned = "".join(c if c in "\t\n" or (ord(c) >= 32 and ord(c) != 127) else "\ufffd" for c in str(text))
    return html.escape(cleaned, quote=True)


def shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "\u2026"


def rect(x: float, y: float, width: float, height: float, fill: str, title: str = "") -> str:
    """A rectangle at least 1 px wide, with an optional tooltip (escaped here)."""
    tip = f"<title>{esc(title)}</title>" if title else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 1.0):.1f}" height="{height:g}" fill="{fill}">{tip}</rect>'


@dataclass(frozen=True)
class Scale:
    t0: float
    t1: float

    def x(self, t: float) -> float:
        return LEFT + (t - self.t0) / (self.t1 - self.t0) * PLOT

    @property
    def step_minutes(self) -> float:
        span = (self.t1 - self.t0) / 60.0
        return next((m for m in TICK_MINUTES if span / m <= 12), TICK_MINUTES[-1] * math.ceil(span / 12 / TICK_MINUTES[-1]))

    def ticks(self) -> list[float]:
        step = self.step_minutes * 60.0
        first = math.ceil(self.t0 / step - 1e-9)
        return [i * step for i in range(first, int(math.floor(self.t1 / step + 1e-9)) + 1)]


def vertical_lines(summary: Summary) -> list[tuple[str, float, str]]:
    """(kind, time, label) of the lines to draw."""
    lines = []
    if summary.lb is not None:
        origin = summary.first_start if summary.first_start is not None else (summary.predicted_origin or 0.0)
        lines.append(("lb", origin + summary.lb, f"LB {fmt.duration(summary.lb)}"))
    if summary.predicted is not None:
        lines.append(("eta", (summary.predicted_origin or 0.0) + summary.predicted, f"ETA {fmt.duration(summary.predicted)}"))
    if summary.makespan is not None and summary.first_start is not None:
        lines.append(("end", summary.first_start + summary.makespan, f"done {fmt.duration(summary.makespan)}"))
    return lines


def scale_for(rows: Sequence[Row], lines: Sequence[tuple[str, float, str]]) -> Scale:
    times = [0.0]
    for r in rows:
        times += [t for t in (r.start, r.end, r.predicted_start, r.predicted_end) if t is not None]
    times += [line[1] for line in lines]
    t0, t1 = min(times), max(times)
    span = max(t1 - t0, 60.0)
    return Scale(t0, t0 + span * 1.03)


def _label_levels(lines: Sequence[tuple[str, float, str]], scale: Scale) -> list[int]:
    """A label level per line so that no two labels on one level overlap."""
    order = sorted(range(len(lines)), key=lambda i: lines[i][1])
    ends: list[float] = []  # right edge of the last label per level
    levels = [0] * len(lines)
    for i in order:
        x = scale.x(lines[i][1])
        width = len(lines[i][2]) * CHAR_W + 10
        left = x - width / 2
        level = next((n for n, end in enumerate(ends) if left > end), len(ends))
        if level == len(ends):
            ends.append(0.0)
        ends[level] = x + width / 2
        levels[i] = level
    return levels


def _legend(rows: Sequence[Row]) -> tuple[list[str], int]:
    """The legend's SVG elements and its number of lines."""
    names = list(dict.fromkeys(p["name"] for r in rows if r.state not in STATE_COLOURS for p in r.phases))
    known = [n for n in PHASE_COLOURS if n in names] + [n for n in names if n not in PHASE_COLOURS]
    items = [(f"phase: {n}", PHASE_COLOURS.get(n, OTHER_PHASE), "box") for n in known]
    if any(r.ran and not r.phases and r.state not in STATE_COLOURS for r in rows):
        items.append(("phases not observed", UNOBSERVED, "box"))
    items += [(state, colour, "box") for state, colour in STATE_COLOURS.items() if any(r.state == state for r in rows)]
    items += [("predicted", PREDICTED, "thin"), ("lower bound, from the first start", LINES["lb"], "line")]
    items += [("predicted ETA", LINES["eta"], "line"), ("actual end", LINES["end"], "line")]
    out, x, y, count = [], 8.0, 14.0, 1
    for label, colour, shape in items:
        width = 22 + len(label) * CHAR_W + 16
        if x + width > WIDTH:
            x, y, count = 8.0, y + 18, count + 1
        if shape == "box":
            out.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="14" height="10" fill="{colour}"/>')
        elif shape == "thin":
            out.append(f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="14" height="{PRED_H}" fill="{colour}"/>')
        else:
            dash = 'stroke-width="2" stroke-dasharray="4 3"'
            out.append(f'<line x1="{x + 7:.1f}" y1="{y - 11:.1f}" x2="{x + 7:.1f}" y2="{y + 2:.1f}" stroke="{colour}" {dash}/>')
        out.append(f'<text x="{x + 20:.1f}" y="{y:.1f}" class="legend">{esc(label)}</text>')
        x += width
    return out, count


def _right_label(r: Row) -> tuple[str, str]:
    """(text, css class) shown right of the plot."""
    if r.state in (FAILED, RECOVERED):
        return (f"{r.code or 'no HSCL code'} \u00b7 {r.state}", "bad" if r.state == FAILED else "warn")
    if r.state == MOVED:
        return (f"{fmt.number(r.gib)} GiB \u00b7 {fmt.number(r.mibs, 0)} MiB/s", "value")
    return (r.state, "muted")


def _bar(r: Row, scale: Scale, y: float) -> list[str]:
    if not r.ran:
        return []
    start, end = float(r.start or 0.0), float(r.end or 0.0)
    tip = f"{r.lpar}: {r.state}, {fmt.clock(start)} to {fmt.clock(end)} ({fmt.duration(r.duration)})"
    if r.code:
        tip += f", {r.code}"
    out = [f"<g><title>{esc(tip)}</title>"]
    if r.state in STATE_COLOURS:  # one bar in the failure colour; its phases are in the tooltip
        phases = ", ".join(f"{p['name']} {fmt.duration(p['end'] - p['start'])}" for p in r.phases) or "phases not observed"
        out.append(rect(scale.x(start), y, scale.x(end) - scale.x(start), BAR_H, STATE_COLOURS[r.state], phases))
    else:
        for name, s, e in [(p["name"], p["start"], p["end"]) for p in r.phases] or [("", start, end)]:
            colour = PHASE_COLOURS.get(name, OTHER_PHASE) if name else UNOBSERVED
            out.append(rect(scale.x(s), y, scale.x(e) - scale.x(s), BAR_H, colour, f"{name or 'migration'}: {fmt.duration(e - s)}"))
    if r.state in STATE_COLOURS and r.code:
        x1 = scale.x(end)
        text_w = len(r.code) * CHAR_W
        x_text, anchor = (x1 + 4, "start") if x1 + 4 + text_w < LEFT + PLOT else (x1 - 4, "end")
        colour = "#ffffff" if anchor == "end" else STATE_COLOURS[r.state]
        out.append(f'<text x="{x_text:.1f}" y="{y + 11:.1f}" class="code" style="fill: {colour}" text-anchor="{anchor}">{esc(r.code)}</text>')
    out.append("</g>")
    return out


def _row(r: Row, scale: Scale, y: float) -> list[str]:
    out = [f'<text x="{LEFT - 10}" y="{y + 17}" class="name" text-anchor="end"><title>{esc(r.lpar)}</title>{esc(shorten(r.lpar, NAME_CHARS))}</text>']
    if r.predicted_start is not None and r.predicted_end is not None:
        x0, x1 = scale.x(r.predicted_start), scale.x(r.predicted_end)
        tip = f"predicted {fmt.clock(r.predicted_start)} to {fmt.clock(r.predicted_end)} ({fmt.duration(r.predicted_duration)})"
        out.append(rect(x0, y + 5 + BAR_H + 3, x1 - x0, PRED_H, PREDICTED, tip))
    out += _bar(r, scale, y + 5)
    text, css = _right_label(r)
    out.append(f'<text x="{LEFT + PLOT + 12}" y="{y + 17}" class="{css}">{esc(shorten(text, int((RIGHT - 14) / CHAR_W)))}</text>')
    return out


def _grid(scale: Scale, top: float, axis_y: float, top_labels: bool) -> list[str]:
    """Tick lines behind the bars, the axis with its minute labels (and the same labels on top)."""
    out = [f'<line x1="{LEFT}" y1="{axis_y}" x2="{LEFT + PLOT}" y2="{axis_y}" stroke="#333"/>']
    for t in scale.ticks():
        x = scale.x(t)
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="#dde1e6"/>')
        out.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#333"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 18}" class="tick" text-anchor="middle">{t / 60:g}</text>')
        if top_labels:
            out.append(f'<text x="{x:.1f}" y="{top - 6}" class="tick" text-anchor="middle">{t / 60:g}</text>')
    out.append(f'<text x="{LEFT + PLOT / 2:.1f}" y="{axis_y + 38}" class="axis" text-anchor="middle">minutes since the start of the evacuation</text>')
    return out


def _marks(lines: Sequence[tuple[str, float, str]], levels: Sequence[int], scale: Scale, label_base: float, axis_y: float) -> list[str]:
    out = []
    for (kind, t, label), level in zip(lines, levels):
        x = scale.x(t)
        y = label_base - LINE_LABEL_H * level
        out.append(f'<line x1="{x:.1f}" y1="{y + 3}" x2="{x:.1f}" y2="{axis_y}" stroke="{LINES[kind]}" stroke-width="2" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{x:.1f}" y="{y:.1f}" class="mark" style="fill: {LINES[kind]}" text-anchor="middle">{esc(label)}</text>')
    return out


def render_gantt(rows: Sequence[Row], summary: Summary) -> str:
    lines = vertical_lines(summary)
    scale = scale_for(rows, lines)
    levels = _label_levels(lines, scale)
    legend, legend_lines = _legend(rows)
    top_axis = len(rows) > TOP_AXIS_ROWS
    label_base = LEGEND_H + 18 * (legend_lines - 1) + LINE_LABEL_H * (max(levels, default=-1) + 1)
    top = label_base + 8 + (TOP_AXIS_H if top_axis else 0)
    axis_y = top + ROW * max(len(rows), 1)
    height = axis_y + AXIS_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        ' role="img" aria-label="Timeline of the migrations">',
        *legend,
    ]
    out += [rect(0, top + i * ROW, WIDTH, ROW, "#f4f6f8") for i in range(1, len(rows), 2)]
    out += _grid(scale, top, axis_y, top_axis)
    for i, r in enumerate(rows):
        out += _row(r, scale, top + i * ROW)
    out += _marks(lines, levels, scale, label_base, axis_y)
    out.append("</svg>")
    return "\n".join(out)
