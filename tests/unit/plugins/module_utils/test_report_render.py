# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Markdown and HTML reports of a realistic record: values, self-containment, escaping, files."""

from __future__ import annotations

import html.parser
import os
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._report_gantt import NAME_CHARS, STATE_COLOURS, esc
from ansible_collections.powervm.lpm.plugins.module_utils._report_html import render_html
from ansible_collections.powervm.lpm.plugins.module_utils._report_md import md, render_markdown
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import normalise_record
from ansible_collections.powervm.lpm.plugins.module_utils._report_render import default_basename, write_reports
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, EvacuationRecord
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.report_sample import HOSTILE_NAMES, sample_record

SVG_NS = "{http://www.w3.org/2000/svg}"
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def record(names: tuple[str, ...] = ()) -> EvacuationRecord:
    return normalise_record(sample_record(names))


def md_table(text: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``## heading``, cells stripped (escapes kept)."""
    section = text.split(f"## {heading}\n", 1)[1]
    lines = [line for line in section.split("\n\n## ")[0].splitlines() if line.startswith("|")]
    return [[c.strip() for c in CELL_SPLIT.split(line)[1:-1]] for line in lines[2:]]


# ----- Markdown -----
def test_markdown_summary_values() -> None:
    rows = dict(md_table(render_markdown(record()), "Summary"))  # type: ignore[arg-type]
    assert rows["LPARs moved"] == "8"
    assert rows["LPARs failed"] == "1 (0 recovered)"
    assert rows["LPARs skipped"] == "1"
    assert rows["LPARs left on the source"] == "5"
    assert rows["LPARs that cannot move"] == "2"
    assert rows["Makespan, actual"] == "9m 32s"  # 12 s to 584.2 s
    assert rows["Makespan, predicted"] == "9m 20s"
    assert rows["Lower bound"] == "6m 50s (concurrency slots)"
    assert rows["Actual / predicted"] == "1.02×"
    assert rows["Actual / lower bound"] == "1.40×"
    assert rows["Memory moved (GiB)"] == "376.0"
    assert rows["Wall time of the run"] == "12m 25s"


def test_markdown_migration_rows() -> None:
    rows = {r[0]: r for r in md_table(render_markdown(record()), "Migrations")}
    assert len(rows) == 10
    assert rows["b750db1"] == [
        "b750db1", "p740-Server-8205-E6B-SN10934CP", "b750vio1 → p740vio1", "active", "+0:00:12", "3m 34s", "4m 00s", "96.0", "900", "moved", "–",
    ]
    assert rows["b750erp2"][5:] == ["2m 16s", "3m 00s", "28.8", "700", "failed", "HSCLA24B"]
    assert rows["b750test1"][4:] == ["–", "–", "1m 20s", "–", "–", "skipped", "–"]
    order = list(rows)
    assert order[0] == "b750db1" and order[-1] == "b750test1"  # by actual start, never-started last


def test_markdown_failures_and_postchecks() -> None:
    text = render_markdown(record())
    failures = md_table(text, "Failures")
    assert [r[:2] for r in failures] == [["b750erp2", "HSCLA24B"]]
    assert "lpar\\_migration" in failures[0][3]
    checks = md_table(text, "Post-checks")
    assert ["b750web1", "rmc\\_active", "**FAILED**", "RMC inactive after 300 s"] in checks
    assert text.rstrip().endswith("Manifest: manifests/p750-2026-03-14.yml")


def test_markdown_escapes_hostile_names() -> None:
    text = render_markdown(record(HOSTILE_NAMES))
    rows = md_table(text, "Migrations")
    assert all(len(r) == 11 for r in rows)  # no name broke the table
    assert rows[0][0] == "\\<script\\>alert(\"x\")\\</script\\>"
    assert rows[3][0] == "a\\|b\\*c\\_\\[d\\]\\`e\\`"
    assert "<script>" not in text


# The names of tests/integration_twin/hostile_lab.py that are no markup: shell and record characters, a newline.
SHELL_NAMES = ("web1\nline2", "nl2 'it''s' $(reboot)", "db1; `id` Müller-ß-日本", 'db2 "primary"', "app1,tier=web", "app2 = x")


def test_names_with_shell_and_record_characters_read_back() -> None:
    data = record(SHELL_NAMES)
    rows = md_table(render_markdown(data), "Migrations")
    assert all(len(r) == 11 for r in rows)
    unescaped = [re.sub(r"\\(.)", r"\1", row[0]) for row in rows[:len(SHELL_NAMES)]]
    assert unescaped == [name.replace("\n", " ") for name in SHELL_NAMES]  # a table cell holds no line break
    texts = parsed(render_html(data)).texts
    assert all(name in texts for name in SHELL_NAMES)


def test_md_escape() -> None:
    assert md("a|b") == "a\\|b"
    assert md("line\nbreak\ttab") == "line break tab"
    assert md("x&amp;y") == "x\\&amp;y"
    assert md("plain-name.01") == "plain-name.01"


# ----- HTML -----
class TextCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def parsed(page: str) -> TextCollector:
    collector = TextCollector()
    collector.feed(page)
    collector.close()
    return collector


def svg_of(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])  # well-formed XML, or this raises


def test_html_is_self_contained() -> None:
    page = render_html(record())
    tags = set(parsed(page).tags)
    assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    assert not re.search(r"\b(src|href)\s*=", page)
    assert "url(" not in page and "@import" not in page
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) == {"http://www.w3.org/2000/svg"}
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_html_timeline_has_every_row_phases_and_lines() -> None:
    svg = svg_of(render_html(record()))
    names = [t.find(f"{SVG_NS}title").text for t in svg.iter(f"{SVG_NS}text") if t.get("class") == "name"]  # type: ignore[union-attr]
    assert len(names) == 10 and names[0] == "b750db1" and names[-1] == "b750test1"
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG_NS}text")]
    assert "LB 6m 50s" in texts and "ETA 9m 20s" in texts and "done 9m 32s" in texts
    assert "HSCLA24B" in texts and "HSCLA24B · failed" in texts
    assert "96.0 GiB · 900 MiB/s" in texts
    assert {"phase: starting", "phase: transfer", "phase: completing", "failed", "predicted"} <= set(texts)
    assert "phase: failed" not in texts  # a failed migration is drawn in the failure colour, not by phase
    tips = [t.text for r in svg.iter(f"{SVG_NS}rect") for t in r.iter(f"{SVG_NS}title")]
    assert "starting 1m 30s, transfer 42s, failed 4s" in tips  # the failed bar keeps its phases in the tooltip
    assert "transfer: 1m 49s" in tips  # b750db1: 96 GiB at 900 MiB/s
    fills = [r.get("fill") for r in svg.iter(f"{SVG_NS}rect")]
    assert fills.count(STATE_COLOURS[FAILED]) == 1 + 1  # one bar for b750erp2 and the legend box
    ticks = [t for t in texts if t.isdigit()]
    assert ticks[:3] == ["0", "1", "2"]  # minutes


def test_html_summary_and_tables() -> None:
    texts = [t.strip() for t in parsed(render_html(record())).texts if t.strip()]
    joined = " | ".join(texts)
    assert "LPARs moved | 8" in joined
    assert "Lower bound | 6m 50s | concurrency slots" in joined
    assert "b750erp2 | p770-Server-9117-MMB-SN1043ABC | b750vio2 → p770vio2 | active | +0:03:20 | 2m 16s | 3m 00s | 28.8 | 700 | failed | HSCLA24B" in joined


def test_html_escapes_hostile_names() -> None:
    page = render_html(record(HOSTILE_NAMES))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "db&amp;&quot;prod&#x27;01" in page
    texts = parsed(page).texts
    for name in HOSTILE_NAMES:
        assert name in texts  # each reads back exactly as written
    svg = svg_of(page)
    titles = [t.find(f"{SVG_NS}title").text for t in svg.iter(f"{SVG_NS}text") if t.get("class") == "name"]  # type: ignore[union-attr]
    assert titles[:5] == list(HOSTILE_NAMES)
    labels = [t.find(f"{SVG_NS}title").tail for t in svg.iter(f"{SVG_NS}text") if t.get("class") == "name"]  # type: ignore[union-attr]
    assert labels[:4] == list(HOSTILE_NAMES[:4])
    assert labels[4] == "x" * (NAME_CHARS - 1) + "…"


def test_esc_replaces_control_characters() -> None:
    assert esc("a\x07b\x00c") == "a\ufffdb\ufffdc"
    assert esc("<&>\"'") == "&lt;&amp;&gt;&quot;&#x27;"


def test_record_without_plan_renders() -> None:
    data = sample_record()
    data["plan"] = None
    page = render_html(normalise_record(data))
    texts = ["".join(t.itertext()) for t in svg_of(page).iter(f"{SVG_NS}text")]
    assert not any(t.startswith(("LB ", "ETA ")) for t in texts) and "done 9m 32s" in texts
    assert "| Makespan, predicted | – |" in render_markdown(normalise_record(data))


def test_planned_partition_without_migration_is_shown_as_not_started() -> None:
    data = sample_record()
    data["migrations"] = data["migrations"][:9]
    rows = {r[0]: r for r in md_table(render_markdown(normalise_record(data)), "Migrations")}
    assert rows["b750test1"][9] == "not started"


# ----- files -----
def test_write_reports_check_mode_then_write_then_idempotent(tmp_path: Any) -> None:
    rec = record()
    out = str(tmp_path / "reports" / "p750")
    dry = write_reports(rec, out, check_mode=True)
    base = "evacuation-p750-Server-8233-E8B-SN069348P-20260314T220005Z"
    assert dry.paths == {fmt: os.path.join(out, base + ext) for fmt, ext in (("json", ".json"), ("markdown", ".md"), ("html", ".html"))}
    assert dry.changed == ["json", "markdown", "html"]
    assert not os.path.exists(out)
    done = write_reports(rec, out)
    assert done.paths == dry.paths and done.changed == ["json", "markdown", "html"]
    assert all(os.path.isfile(p) for p in done.paths.values())
    assert sorted(os.listdir(out)) == sorted(os.path.basename(p) for p in done.paths.values())  # no temporary left
    assert write_reports(rec, out).changed == []
    with open(done.paths["markdown"], "a", encoding="utf-8") as handle:
        handle.write("edited\n")
    assert write_reports(rec, out, check_mode=True).changed == ["markdown"]
    assert write_reports(rec, out).changed == ["markdown"]


def test_write_reports_formats_and_basename(tmp_path: Any) -> None:
    written = write_reports(record(), str(tmp_path), basename="night", formats=["html"])
    assert written.paths == {"html": str(tmp_path / "night.html")}
    with pytest.raises(ValueError, match="unknown report format"):
        write_reports(record(), str(tmp_path), formats=["pdf"])


def test_default_basename_is_file_safe() -> None:
    data = sample_record()
    data["source_system"] = "../p750 <x>/y"
    assert default_basename(normalise_record(data)) == "evacuation-p750_x_y-20260314T220005Z"
