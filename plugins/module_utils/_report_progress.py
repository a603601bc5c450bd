# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Phases and byte samples of migrations, from what the poller saw.

:class:`ProgressRecorder` is a progress callback for the migration runner (``Poller(on_progress=...)``):
each poll round it notes, per partition, the time, the ``migration_state`` and the byte counts.
:func:`phases` turns those observations into the record's phases: an interval per run of one phase
name. A migration always begins in validation, so the first phase is ``starting`` from the
migration's start until the first observation of another phase; the last phase lasts until the
migration's end. States that say nothing about the migration (``Not Migrating`` before it begins, or
the partition no longer listed on the source) extend the phase before them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ansible_collections.powervm.lpm.plugins.module_utils._report_types import Phase, Sample

STARTING = "starting"
TRANSFER = "transfer"
PHASE_BY_STATE = {
    "Migration Starting": STARTING,
    "Migration Waiting": "waiting",
    "Migration Waiting For Retry": "waiting",
    "Migration Dispatch In Progress": "dispatch",
    "Migration Dispatched": "dispatch",
    "Migration In Progress": TRANSFER,
    "Migration Complete": "completing",
    "Migration Failed": "failed",
    "Migration Stopped": "stopped",
}
SILENT_STATES = frozenset({"", "Not Migrating"})


def phase_name(state: str) -> str | None:
    """The phase a ``migration_state`` shows; None for states that show none."""
    if state in SILENT_STATES:
        return None
    return PHASE_BY_STATE.get(state) or re.sub(r"[^a-z0-9]+", "_", state.lower()).strip("_") or None


@dataclass(frozen=True)
class Observation:
    at: float  # epoch seconds
    state: str
    bytes_transmitted: int | None
    bytes_remaining: int | None


class ProgressLike(Protocol):
    """What the recorder reads of the poller's ProgressEntry."""

    @property
    def lpar(self) -> str: ...

    @property
    def migration_state(self) -> str: ...

    @property
    def bytes_transmitted(self) -> int | None: ...

    @property
    def bytes_remaining(self) -> int | None: ...


class ProgressRecorder:
    """Keeps every observation per partition; safe to call from the poller thread."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, list[Observation]] = {}

    def __call__(self, entries: Iterable[ProgressLike]) -> None:
        now = self.clock()
        with self._lock:
            for entry in entries:
                seen = Observation(now, entry.migration_state, entry.bytes_transmitted, entry.bytes_remaining)
                self._seen.setdefault(entry.lpar, []).append(seen)

    def observations(self, lpar: str) -> list[Observation]:
        with self._lock:
            return list(self._seen.get(lpar, ()))


def phases(observations: Sequence[Observation], start: float, end: float, origin: float) -> list[Phase]:
    """Phase intervals of one migration between ``start`` and ``end`` (epoch), relative to ``origin``."""
    if end <= start:
        return []
    marks: list[tuple[float, str]] = [(start, STARTING)]
    for seen in sorted(observations, key=lambda o: o.at):
        name = phase_name(seen.state)
        if name is None or name == marks[-1][1] or not start <= seen.at < end:
            continue
        marks.append((seen.at, name))
    bounds = [mark[0] for mark in marks[1:]] + [end]
    return [
        {"name": name, "start": round(t - origin, 3), "end": round(until - origin, 3)}
        for (t, name), until in zip(marks, bounds)
    ]


def samples(observations: Sequence[Observation], start: float, end: float, origin: float) -> list[Sample]:
    """Byte counts seen while the migration ran, relative to ``origin``."""
    return [
        {"t": round(o.at - origin, 3), "bytes_transmitted": o.bytes_transmitted, "bytes_remaining": o.bytes_remaining}
        for o in sorted(observations, key=lambda o: o.at)
        if start <= o.at <= end and (o.bytes_transmitted is not None or o.bytes_remaining is not None)
    ]
