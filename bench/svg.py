"""A box-and-strip plot as hand-written SVG (no plotting library needed).

One column per group: a box from the first to the third quartile with the median, whiskers to the
smallest and largest value, and every value as a dot (jittered sideways, deterministically). Values
are drawn on a logarithmic scale. Hollow dots mark values the caption says to read apart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from bench.stats import quantile

TICKS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0)
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


@dataclass(frozen=True)
class Group:
    label: str
    values: Sequence[float]
    hollow: Sequence[bool] = ()  # per value: draw it hollow
    note: str = ""  # a third line under the column


@dataclass(frozen=True)
class Line:
    value: float
    label: str
    below: bool = False  # write the label under the line


def _jitter(i: int) -> float:
    """A spread in [-1, 1] that looks random but is the same every time."""
    return ((i * 0.6180339887) % 1.0) * 2.0 - 1.0


def box_strip(groups: Sequence[Group], *, title: str, y_label: str, lines: Sequence[Line] = (), caption: Sequence[str] = (),
              width: int = 960, height: int = 640) -> str:  # fmt: skip
    """The SVG document of the plot."""
    left, right, top, bottom = 80, 30, 60, 96 + 16 * len(caption)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for g in groups for v in g.values if v > 0]
    low = min([1.0, *values])
    high = max([2.0, *values]) * 1.08
    lo, hi = math.log(low), math.log(high)

    def y(v: float) -> float:
        return top + (hi - math.log(max(v, low))) / (hi - lo) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="DejaVu Sans, Arial, sans-serif" font-size="13">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:.0f}" y="28" text-anchor="middle" font-size="17" font-weight="bold">{escape(title)}</text>',
    ]
    for tick in TICKS:
        if low <= tick <= high:
            ty = y(tick)
            out.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" stroke="#e5e5e5"/>')
            out.append(f'<text x="{left - 8}" y="{ty + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for line in lines:
        ly = y(line.value)
        out.append(f'<line x1="{left}" y1="{ly:.1f}" x2="{left + plot_w}" y2="{ly:.1f}" stroke="#555" stroke-dasharray="6,4"/>')
        if line.label:
            ty = ly + 14 if line.below else ly - 5
            out.append(f'<text x="{left + plot_w - 4}" y="{ty:.1f}" text-anchor="end" fill="#555" font-size="12">{escape(line.label)}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>')
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>')
    out.append(f'<text transform="translate(22,{top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
    slot = plot_w / max(1, len(groups))
    for k, group in enumerate(groups):
        color = COLORS[k % len(COLORS)]
        cx = left + slot * (k + 0.5)
        half = min(60.0, slot * 0.3)
        data = [v for v in group.values if v > 0]
        if data:
            q1, q2, q3 = (quantile(data, q) for q in (0.25, 0.5, 0.75))
            out.append(f'<line x1="{cx:.1f}" y1="{y(max(data)):.1f}" x2="{cx:.1f}" y2="{y(min(data)):.1f}" stroke="{color}"/>')
            for v in (min(data), max(data)):
                out.append(f'<line x1="{cx - half / 3:.1f}" y1="{y(v):.1f}" x2="{cx + half / 3:.1f}" y2="{y(v):.1f}" stroke="{color}"/>')
            out.append(f'<rect x="{cx - half:.1f}" y="{y(q3):.1f}" width="{2 * half:.1f}" height="{max(1.0, y(q1) - y(q3)):.1f}" '
                       f'fill="{color}" fill-opacity="0.15" stroke="{color}" stroke-width="1.5"/>')  # fmt: skip
            out.append(f'<line x1="{cx - half:.1f}" y1="{y(q2):.1f}" x2="{cx + half:.1f}" y2="{y(q2):.1f}" stroke="{color}" stroke-width="3"/>')
        for i, v in enumerate(group.values):
            if v <= 0:
                continue
            px = cx + _jitter(i) * half * 0.8
            hollow = i < len(group.hollow) and group.hollow[i]
            fill = "white" if hollow else color
            out.append(f'<circle cx="{px:.1f}" cy="{y(v):.1f}" r="3" fill="{fill}" fill-opacity="{1.0 if hollow else 0.6}" stroke="{color}"/>')
        median = f"median {quantile(data, 0.5):.3f}" if data else "no data"
        out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 22}" text-anchor="middle" font-weight="bold">{escape(group.label)}</text>')
        out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 40}" text-anchor="middle" font-size="12">{escape(median)}</text>')
        if group.note:
            out.append(f'<text x="{cx:.1f}" y="{top + plot_h + 56}" text-anchor="middle" font-size="12" fill="#555">{escape(group.note)}</text>')
    for n, text in enumerate(caption):
        out.append(f'<text x="{left}" y="{top + plot_h + 80 + 16 * n}" font-size="12" fill="#333">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
