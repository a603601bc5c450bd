# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation record as one self-contained HTML page: inline CSS and SVG, no script, no external asset.

Every text taken from the record goes through :func:`esc`, so partition names holding ``<``, ``&``,
quotes or control characters show as written and can never become markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ansible_collections.powervm.lpm.plugins.module_utils import _report_format as fmt
from ansible_collections.powervm.lpm.plugins.module_utils._report_gantt import esc, render_gantt
from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import Row, Summary, rows, summarise
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, RECOVERED, EvacuationRecord

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1b1f24; margin: 24px 32px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
p.meta { color: #57606a; margin: 0 0 16px; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.migrations td:nth-child(1) { min-width: 9em; max-width: 16em; overflow-wrap: anywhere; }
table.migrations td:nth-child(2), table.migrations td:nth-child(3) { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.state { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; color: #fff; background: #6e7781; }
.state-moved { background: #2da44e; } .state-failed { background: #d62728; } .state-recovered { background: #e36209; }
.state-ok { background: #2da44e; } .state-bad { background: #d62728; }
.chart { overflow-x: auto; border: 1px solid #d0d7de; padding: 8px 0; background: #fff; }
svg.gantt { display: block; width: 100%; min-width: 960px; height: auto; }
svg.gantt text { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-size: 12px; fill: #1b1f24; }
svg.gantt text.legend { font-size: 12px; }
svg.gantt text.tick { font-size: 11px; fill: #57606a; }
svg.gantt text.axis { font-size: 12px; fill: #57606a; }
svg.gantt text.mark { font-size: 12px; font-weight: bold; }
svg.gantt text.code { font-size: 11px; font-weight: bold; }
svg.gantt text.value { fill: #1b1f24; }
svg.gantt text.bad { fill: #d62728; font-weight: bold; }
svg.gantt text.warn { fill: #e36209; font-weight: bold; }
svg.gantt text.muted { fill: #6e7781; font-style: italic; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 8px; max-width: 1320px; }
.tile { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; background: #f6f8fa; }
.tile .label { font-size: 12px; color: #57606a; }
.tile .value { font-size: 20px; font-weight: bold; margin-top: 2px; font-variant-numeric: tabular-nums; }
.tile .note { font-size: 12px; color: #57606a; }
.tile.bad .value { color: #d62728; }
"""


def _table(header: Sequence[str], body: Iterable[Sequence[str]], numeric: Sequence[int] = (), css: str = "") -> str:
    """A table; header and cells must already be escaped HTML."""
    cls = f' class="{css}"' if css else ""
    head = "".join(f"<th>{h}</th>" for h in header)
    lines = [f"<table{cls}><thead><tr>{head}</tr></thead><tbody>"]
    for cells in body:
        tds = "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(cells))
        lines.append(f"<tr>{tds}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _state(state: str) -> str:
    slug = state.replace(" ", "-")
    return f'<span class="state state-{esc(slug)}">{esc(state)}</span>'


def _result(ok: bool) -> str:
    return '<span class="state state-ok">ok</span>' if ok else '<span class="state state-bad">FAILED</span>'


def _figures(s: Summary) -> str:
    tiles = []
    for f in fmt.figures(s):
        note = f'<div class="note">{esc(f.note)}</div>' if f.note else ""
        css = "tile bad" if f.bad else "tile"
        tiles.append(f'<div class="{css}"><div class="label">{esc(f.label)}</div><div class="value">{esc(f.value)}</div>{note}</div>')
    return '<div class="tiles">' + "".join(tiles) + "</div>"


def _migration_cells(r: Row) -> list[str]:
    return [
        esc(r.lpar),
        esc(r.target),
        esc(fmt.msps(r.source_msp, r.dest_msp)),
        esc(r.kind or fmt.NONE),
        esc(fmt.clock(r.start)),
        esc(fmt.duration(r.duration)),
        esc(fmt.duration(r.predicted_duration)),
        esc(fmt.number(r.gib)),
        esc(fmt.number(r.mibs, 0)),
        _state(r.state),
        esc(r.code or fmt.NONE),
        esc(r.message),
    ]


HEADER = ("LPAR", "Target", "MSPs", "Kind", "Start", "Duration", "Predicted", "GiB", "MiB/s", "State", "HSCL code", "Message")


def _sections(record: EvacuationRecord) -> list[str]:
    out = []
    failures = [m for m in record["migrations"] if m["state"] in (FAILED, RECOVERED)]
    if failures:
        body = [(esc(m["lpar"]), esc(m["code"] or fmt.NONE), esc(m["message"] or fmt.NONE), esc(m["hint"] or fmt.NONE)) for m in failures]
        out += ["<h2>Failures</h2>", _table(("LPAR", "HSCL code", "Message", "Hint"), body)]
    for title, entries in (("Cannot move", record["unmovable"]), ("Left on the source", record["left"])):
        if entries:
            body = [(esc(u["lpar"]), esc(u["reason"]), esc(u["detail"] or fmt.NONE)) for u in entries]
            out += [f"<h2>{title}</h2>", _table(("LPAR", "Reason", "Detail"), body)]
    if record["postchecks"]:
        body = [(esc(p["lpar"]), esc(p["check"]), _result(p["ok"]), esc(p["detail"] or fmt.NONE)) for p in record["postchecks"]]
        out += ["<h2>Post-checks</h2>", _table(("LPAR", "Check", "Result", "Detail"), body)]
    if record["manifest_path"]:
        out.append(f'<p class="meta">Manifest: <code>{esc(record["manifest_path"])}</code></p>')
    return out


def render_html(record: EvacuationRecord) -> str:
    s = summarise(record)
    table_rows = rows(record)
    title = f"Evacuation of {record['source_system']}"
    meta = f"Started {record['started']}, ended {record['ended'] or 'not recorded'}; targets: {', '.join(record['targets']) or fmt.NONE}."
    if record.get("name"):
        meta = f"Maintenance window {record.get('name')}. {meta}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(meta)}</p>',
        "<h2>Summary</h2>",
        _figures(s),
        "<h2>Timeline</h2>",
        f'<div class="chart">{render_gantt(table_rows, s)}</div>',
        "<h2>Migrations</h2>",
        '<p class="meta">Start is relative to the start of the evacuation; MiB/s is over the memory transfer phase when it was observed.</p>',
        _table(HEADER, [_migration_cells(r) for r in table_rows], numeric=(4, 5, 6, 7, 8), css="migrations"),
        *_sections(record),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
