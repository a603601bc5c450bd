# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation journal: an append-only JSON Lines file from which the record is rebuilt.

A run appends one line per event as it happens, so a report can be made of a run that was
interrupted. Each line is ``{"event": NAME, "data": {...}}``:

========== =====================================================================================
start      the record's header: ``source_system``, ``targets``, ``started`` (and ``name``,
           ``manifest_path``)
plan       ``data`` is the record's ``plan``
migration  one migration entry; a later line for the same ``lpar`` replaces the earlier one
unmovable  one unmovable entry
left       one left entry; a later line for the same ``lpar`` replaces the earlier one
postcheck  one post-check entry
end        ``{"ended": ISO 8601}``
========== =====================================================================================

A last line without its newline (the writer died while writing it) is ignored; any other bad line
is an error naming its line number. A file holding one JSON object is a record, not a journal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError

HEADER_KEYS = ("name", "source_system", "targets", "started", "manifest_path")
EVENTS = ("start", "plan", "migration", "unmovable", "left", "postcheck", "end")
# Events of the evacuation's execution journal (``_evac_journal``), which shares this framing.
EXECUTION_EVENTS = ("run", "launch", "result", "interrupted")


def fold(events: list[tuple[int, str, dict[str, Any]]], source: str = "") -> dict[str, Any]:
    """The record (not yet normalised) that a sequence of (line number, event, data) describes."""
    record: dict[str, Any] = {"migrations": [], "unmovable": [], "left": [], "postchecks": []}
    migrations: dict[str, dict[str, Any]] = {}
    left: dict[str, dict[str, Any]] = {}
    problems = []
    for line, event, data in events:
        if event == "start":
            record.update({k: v for k, v in data.items() if k in HEADER_KEYS})
            problems += [f"line {line}: start: unknown key {k!r}" for k in data if k not in HEADER_KEYS]
        elif event == "plan":
            record["plan"] = data
        elif event == "end":
            record["ended"] = data.get("ended")
        elif event in ("migration", "left"):
            (migrations if event == "migration" else left)[str(data.get("lpar"))] = data
        elif event == "unmovable":
            record["unmovable"].append(data)
        elif event == "postcheck":
            record["postchecks"].append(data)
    if problems:
        raise DataError(problems, source)
    record["migrations"] = list(migrations.values())
    record["left"] = list(left.values())
    return record


def parse_lines(text: str, source: str = "") -> list[tuple[int, str, dict[str, Any]]]:
    """The events of a journal's text, checked line by line."""
    lines = text.split("\n")
    events = []
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            if number == len(lines):  # no newline after it: a write that never finished
                continue
            problems.append(f"line {number}: not JSON: {exc}")
            continue
        if isinstance(item, Mapping) and item.get("event") in EXECUTION_EVENTS:
            problems.append(f"line {number}: event {item['event']!r} belongs to an evacuation's execution journal, not to a report journal; "
                            "give the record the evacuation returns instead")
            break
        if not isinstance(item, Mapping) or item.get("event") not in EVENTS or not isinstance(item.get("data"), Mapping):
            problems.append(f"line {number}: expected {{\"event\": one of {', '.join(EVENTS)}, \"data\": {{...}}}}")
            continue
        events.append((number, str(item["event"]), dict(item["data"])))
    if problems:
        raise DataError(problems, source)
    return events


def read_record_file(path: str) -> dict[str, Any]:
    """A record file (one JSON object) or a journal (JSON Lines), as record data to normalise."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict) and "event" not in whole:
        return whole
    return fold(parse_lines(text, path), path)


class JournalWriter:
    """Appends events to a journal; every line is flushed and synced before ``write`` returns."""

    def __init__(self, path: str) -> None:
        self.path = path

    def write(self, event: str, data: Mapping[str, Any]) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown journal event {event!r}")
        line = json.dumps({"event": event, "data": dict(data)}, ensure_ascii=False, sort_keys=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
