# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The migrations of a plan as plain data, in start order.

Each entry says what an executor needs (partition, target, MSP pair, destination partition ID) and
what the model predicts (start, end, bytes, pre-copy rounds). ``start_after`` lists the migrations
whose end (``"end"``) or suspend (``"suspend"``: its memory copy is over and its link slot is free)
let this one start; ``slot`` numbers the concurrent lanes for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._plan_schedule import Scheduled
from ansible_collections.powervm.lpm.plugins.module_utils._plan_sim import Job, Outcome
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import Partition, System

EPS_S = 1e-6


def _dest_id(part: Partition, target: System, claimed: set[int]) -> int | None:
    """The source ID when free on the target (as the HMC does), else the lowest free ID."""
    used = set(target.ids) | claimed
    limit = target.max_lpars
    if part.id not in used and (limit is None or part.id <= limit):
        return part.id
    top = limit if limit is not None else max(used, default=0) + 1
    return next((i for i in range(1, top + 1) if i not in used), None)


def _up(seconds: float) -> float:
    """A start time rounded up to the millisecond: never before what it waits for has ended."""
    return math.ceil(seconds * 1000.0 - 1e-6) / 1000.0


def _lane(lanes: list[float], start: float, end: float) -> int:
    for k, free_at in enumerate(lanes):
        if free_at <= start + EPS_S:
            lanes[k] = end
            return k
    lanes.append(end)
    return len(lanes) - 1


def migrations_of(
    jobs: Sequence[Job], scheduled: Scheduled, parts: Mapping[str, Partition], source: System, targets: Mapping[str, System]
) -> tuple[list[dict[str, Any]], list[str]]:
    """(migration entries in start order, names of the migrations started)."""
    started: list[tuple[Job, Outcome]] = []
    for job, out in zip(jobs, scheduled.result.outcomes):
        if out is not None:
            started.append((job, out))
    started.sort(key=lambda jo: jo[1].order)
    claimed: dict[str, set[int]] = {}
    lanes: list[float] = []
    entries = []
    for job, out in started:
        part = parts[job.name]
        target = targets[job.target]
        dest_id = _dest_id(part, target, claimed.setdefault(job.target, set()))
        if dest_id is not None:
            claimed[job.target].add(dest_id)
        entries.append(
            {
                "lpar": job.name,
                "lpar_id": part.id,
                "kind": job.kind,
                "source_system": source.name,
                "target_system": job.target,
                "dest_lpar_id": dest_id,
                "source_msp": out.source_msp,
                "dest_msp": out.dest_msp,
                "order": out.order,
                "slot": _lane(lanes, out.start, out.end),
                "start_after": [{"lpar": name, "event": event} for name, event in out.after],
                "start_s": _up(out.start),
                "end_s": round(out.end, 3),
                "duration_s": round(out.end - out.start, 3),
                "memory_mb": part.mem_mb,
                "predicted_mb": round(out.sent_mb, 1),
                "precopy_rounds": out.rounds,
            }
        )
    return entries, [job.name for job, _out in started]
