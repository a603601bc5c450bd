# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation record as Markdown (GitHub flavoured tables), for a ticket, a wiki or a pull request."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ansible_collections.powervm.lpm.plugins.module_utils import _report_format as fmt
from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import Row, Summary, rows, summarise
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, RECOVERED, EvacuationRecord

# Characters that Markdown or a table cell would read as syntax; escaped with a backslash.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#!])")
_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


def md(text: object) -> str:
    """Text as literal Markdown inside a table cell or a paragraph."""
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", str(text)))


def table(header: Sequence[str], body: Iterable[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return lines + [""]


def _summary(s: Summary) -> list[str]:
    body = [(md(f.label), md(f"{f.value} ({f.note})" if f.note else f.value)) for f in fmt.figures(s)]
    return table(("Figure", "Value"), body, right=(1,))


def _migration_cells(r: Row) -> list[str]:
    return [
        md(r.lpar),
        md(r.target),
        md(fmt.msps(r.source_msp, r.dest_msp)),
        md(r.kind or fmt.NONE),
        fmt.clock(r.start),
        fmt.duration(r.duration),
        fmt.duration(r.predicted_duration),
        fmt.number(r.gib),
        fmt.number(r.mibs, 0),
        md(r.state),
        md(r.code or fmt.NONE),
    ]


MIGRATION_HEADER = ("LPAR", "Target", "MSPs", "Kind", "Start", "Duration", "Predicted", "GiB", "MiB/s", "State", "HSCL code")


def render_markdown(record: EvacuationRecord) -> str:
    s = summarise(record)
    title = f"Evacuation of {md(record['source_system'])}"
    lines = [f"# {title}", ""]
    if record.get("name"):
        lines += [f"Maintenance window: {md(record.get('name'))}", ""]
    lines += [
        f"Started {md(record['started'])}, ended {md(record['ended'] or 'not recorded')}; "
        f"targets: {', '.join(md(t) for t in record['targets']) or fmt.NONE}.",
        "",
        "## Summary",
        "",
        *_summary(s),
        "## Migrations",
        "",
        "Start is relative to the start of the evacuation; MiB/s is over the memory transfer phase when it was observed.",
        "",
        *table(MIGRATION_HEADER, [_migration_cells(r) for r in rows(record)], right=(5, 6, 7, 8)),
    ]
    failures = [m for m in record["migrations"] if m["state"] in (FAILED, RECOVERED)]
    if failures:
        body = [(md(m["lpar"]), md(m["code"] or fmt.NONE), md(m["message"] or fmt.NONE), md(m["hint"] or fmt.NONE)) for m in failures]
        lines += ["## Failures", "", *table(("LPAR", "HSCL code", "Message", "Hint"), body)]
    if record["unmovable"]:
        body = [(md(u["lpar"]), md(u["reason"]), md(u["detail"] or fmt.NONE)) for u in record["unmovable"]]
        lines += ["## Cannot move", "", *table(("LPAR", "Reason", "Detail"), body)]
    if record["left"]:
        body = [(md(u["lpar"]), md(u["reason"]), md(u["detail"] or fmt.NONE)) for u in record["left"]]
        lines += ["## Left on the source", "", *table(("LPAR", "Reason", "Detail"), body)]
    if record["postchecks"]:
        body = [(md(p["lpar"]), md(p["check"]), "ok" if p["ok"] else "**FAILED**", md(p["detail"] or fmt.NONE)) for p in record["postchecks"]]
        lines += ["## Post-checks", "", *table(("LPAR", "Check", "Result", "Detail"), body)]
    if record["manifest_path"]:
        lines += [f"Manifest: {md(record['manifest_path'])}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
