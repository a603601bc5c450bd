# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The execution journal of an evacuation: what was decided and sent, one JSON line per event.

The lines have the report journal's framing (``{"event": NAME, "data": {...}}``, docs/report.md) and
are flushed and synced before the write returns, so after a crash or a kill the journal holds every
event up to the last one. A ``launch`` line is written *before* its ``migrlpar -o m`` is sent: a
rerun knows every migration that may have reached the HMC and asks the HMC what became of it.

========== =========================================================================================
run        one per run of the module: ``run`` (1, 2, ...), ``pid``, ``host``, ``started``, ``token``
plan       the planner's output the runs follow, with ``source_system``, ``targets``, ``name``
launch     ``lpar``, ``attempt``, ``target``, ``source_msp``, ``dest_msp``, ``command``, ``at``;
           ``attach`` is true when the run follows a migration already in progress
result     ``lpar``, ``attempt``, ``status`` (the engine's), ``target``, ``entry`` (the report's
           migration entry) and ``result`` (the engine's result)
left       ``lpar``, ``reason``, ``detail``: the partition stays on the source (this run)
postcheck  ``lpar``, ``check``, ``ok``, ``detail``
interrupted ``reason``, ``at``: the run stopped starting migrations
end        ``ended``, ``complete`` (nothing is left to try)
========== =========================================================================================

A last line without its newline (the writer died while writing it) is ignored.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EVENTS = ("run", "plan", "launch", "result", "left", "postcheck", "interrupted", "end")


class JournalError(ValueError):
    """The journal cannot be read."""


class Journal:
    """Appends events to a journal file; thread-safe; each line is synced before ``write`` returns."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, event: str, data: Mapping[str, Any]) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown journal event {event!r}")
        line = json.dumps({"event": event, "data": dict(data)}, ensure_ascii=False, sort_keys=True, default=str)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
                os.fsync(handle.fileno())


def read_events(path: str) -> list[tuple[str, dict[str, Any]]]:
    """The events of a journal file (none when it does not exist)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return []
    lines = text.split("\n")
    events = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            if number == len(lines):  # no newline after it: a write that never finished
                continue
            raise JournalError(f"{path}: line {number}: not JSON: {exc}") from None
        if not isinstance(item, dict) or item.get("event") not in EVENTS or not isinstance(item.get("data"), dict):
            raise JournalError(f"{path}: line {number}: not an evacuation journal event")
        events.append((str(item["event"]), dict(item["data"])))
    return events


@dataclass
class JournalState:
    """What a journal says, folded: later lines of the same partition replace earlier ones where noted."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] | None = None
    launches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    left: dict[str, dict[str, Any]] = field(default_factory=dict)  # latest per partition
    postchecks: list[dict[str, Any]] = field(default_factory=list)  # those of the last run that wrote any
    interruptions: list[dict[str, Any]] = field(default_factory=list)
    ended: str | None = None
    complete: bool = False

    @property
    def started(self) -> str | None:
        return self.runs[0].get("started") if self.runs else None

    @property
    def exists(self) -> bool:
        return bool(self.runs)

    def attempts(self, lpar: str) -> int:
        """How many times this partition's migration was sent (attaching does not count)."""
        return sum(1 for launch in self.launches.get(lpar, ()) if not launch.get("attach"))

    def last_launch(self, lpar: str) -> dict[str, Any] | None:
        found = self.launches.get(lpar)
        return found[-1] if found else None

    def last_result(self, lpar: str) -> dict[str, Any] | None:
        found = self.results.get(lpar)
        return found[-1] if found else None

    def open_launch(self, lpar: str) -> dict[str, Any] | None:
        """The last launch when no result followed it (the run died or was stopped while it ran)."""
        launch = self.last_launch(lpar)
        if launch is None:
            return None
        result = self.last_result(lpar)
        if result is not None and int(result.get("seq", 0)) > int(launch.get("seq", 0)):
            return None
        return launch

    def tried(self, lpar: str) -> list[tuple[str, str, str]]:
        """(target, source MSP, destination MSP) of every migration sent for this partition."""
        sent = [x for x in self.launches.get(lpar, ()) if not x.get("attach")]
        return [(str(x.get("target") or ""), str(x.get("source_msp") or ""), str(x.get("dest_msp") or "")) for x in sent]


def fold(events: list[tuple[str, dict[str, Any]]]) -> JournalState:
    state = JournalState()
    postcheck_run = -1
    for seq, (event, data) in enumerate(events):
        data = {**data, "seq": seq}
        if event == "run":
            state.runs.append(data)
            state.ended, state.complete = None, False
        elif event == "plan":
            state.plan = data
        elif event == "launch":
            state.launches.setdefault(str(data.get("lpar")), []).append(data)
        elif event == "result":
            lpar = str(data.get("lpar"))
            state.results.setdefault(lpar, []).append(data)
            state.left.pop(lpar, None)
        elif event == "left":
            state.left[str(data.get("lpar"))] = data
        elif event == "postcheck":
            if postcheck_run != len(state.runs):
                state.postchecks, postcheck_run = [], len(state.runs)
            state.postchecks.append(data)
        elif event == "interrupted":
            state.interruptions.append(data)
        elif event == "end":
            state.ended = data.get("ended")
            state.complete = bool(data.get("complete"))
    return state


def load(path: str) -> JournalState:
    return fold(read_events(path))
