# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Loading an evacuation record and writing its JSON, Markdown and HTML reports.

The renderers are pure; only :func:`write_reports` touches the disk. Each file is written through a
temporary file in the same directory and renamed into place, and only when its content changes, so
a report is never seen half written and running twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._report_adapt import adapt_record
from ansible_collections.powervm.lpm.plugins.module_utils._report_html import render_html
from ansible_collections.powervm.lpm.plugins.module_utils._report_journal import read_record_file
from ansible_collections.powervm.lpm.plugins.module_utils._report_md import render_markdown
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import normalise_record, parse_utc
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import EvacuationRecord

FORMATS = ("json", "markdown", "html")
EXTENSIONS = {"json": ".json", "markdown": ".md", "html": ".html"}


def render_json(record: EvacuationRecord) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"json": render_json, "markdown": render_markdown, "html": render_html}


def load_record(record: Mapping[str, Any] | None = None, path: str | None = None) -> EvacuationRecord:
    """A normalised record from data or from a record or journal file (exactly one of them)."""
    if (record is None) == (path is None):
        raise ValueError("give either a record or the path of a record or journal file")
    data = read_record_file(path) if path is not None else record
    return normalise_record(adapt_record(data), source=path or "record")


def default_basename(record: EvacuationRecord) -> str:
    """``evacuation-<source system>-<started as YYYYmmddTHHMMSSZ>`` with only file-safe characters."""
    stamp = parse_utc(record["started"]).strftime("%Y%m%dT%H%M%SZ") if record["started"] else "unknown"
    system = re.sub(r"[^A-Za-z0-9._-]+", "_", record["source_system"]).strip("._") or "system"
    return f"evacuation-{system}-{stamp}"


@dataclass(frozen=True)
class Written:
    paths: dict[str, str]  # format -> path
    changed: list[str]  # formats whose file was (or, in check mode, would be) written


def _same(path: str, text: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read() == text
    except OSError:
        return False


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".report-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_reports(record: EvacuationRecord, directory: str, basename: str | None = None, formats: Sequence[str] = FORMATS, check_mode: bool = False) -> Written:
    """Render ``formats`` into ``directory`` (created if missing); in check mode only say what would change."""
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    name = basename or default_basename(record)
    paths = {fmt: os.path.join(directory, name + EXTENSIONS[fmt]) for fmt in formats}
    changed = []
    for fmt in formats:
        text = RENDERERS[fmt](record)
        if _same(paths[fmt], text):
            continue
        changed.append(fmt)
        if not check_mode:
            os.makedirs(directory, exist_ok=True)
            _write_atomic(paths[fmt], text)
    return Written(paths, changed)
