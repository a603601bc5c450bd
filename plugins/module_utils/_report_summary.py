# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The figures the report shows, computed once from a normalised record (pure).

* Actual makespan: from the first migration's start to the last one's end.
* Predicted makespan: the plan's ``eta_seconds``; the lower bound: ``plan.lb.value``.
* Throughput of a migration: its bytes over the time it spent in the ``transfer`` phase when phases
  were observed, else over its whole duration. Sizes are GiB (2^30 bytes), rates MiB/s (2^20 bytes/s).
"""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import TRANSFER
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import parse_utc
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import (
    FAILED,
    MOVED,
    RECOVERED,
    STATES,
    EvacuationRecord,
    MigrationEntry,
    Phase,
    PlanEntry,
)

GIB = 1024**3
MIB = 1024**2
NOT_STARTED = "not started"  # state of a planned partition the record has no migration for


@dataclass(frozen=True)
class Row:
    """One partition of the report: what ran (if anything) next to what was planned."""

    lpar: str
    target: str
    source_msp: str
    dest_msp: str
    kind: str
    state: str  # one of STATES, or NOT_STARTED
    code: str | None
    message: str
    start: float | None
    end: float | None
    duration: float | None
    gib: float | None
    mibs: float | None
    phases: tuple[Phase, ...]
    predicted_start: float | None
    predicted_end: float | None

    @property
    def predicted_duration(self) -> float | None:
        if self.predicted_start is None or self.predicted_end is None:
            return None
        return self.predicted_end - self.predicted_start

    @property
    def ran(self) -> bool:
        return self.start is not None and self.end is not None


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]  # migrations per state
    still_on_source: int  # entries of ``left``
    unmovable: int
    first_start: float | None
    makespan: float | None
    predicted: float | None
    predicted_origin: float | None  # earliest predicted start
    lb: float | None
    bottleneck: str | None
    total_gib: float
    wall_seconds: float | None  # from ``started`` to ``ended``

    @property
    def failed(self) -> int:
        return self.counts[FAILED] + self.counts[RECOVERED]

    @property
    def ratio_lb(self) -> float | None:
        return _ratio(self.makespan, self.lb)

    @property
    def ratio_predicted(self) -> float | None:
        return _ratio(self.makespan, self.predicted)


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


def transfer_seconds(entry: MigrationEntry) -> float:
    return sum(p["end"] - p["start"] for p in entry["phases"] if p["name"] == TRANSFER)


def throughput_mibs(entry: MigrationEntry) -> float | None:
    """MiB/s over the transfer phase, else over the whole migration; None without bytes or time."""
    size = entry["bytes"]
    if not size:
        return None
    seconds = transfer_seconds(entry) or entry["duration"] or 0.0
    return size / MIB / seconds if seconds > 0 else None


def _row(entry: MigrationEntry, planned: PlanEntry | None) -> Row:
    size = entry["bytes"]
    return Row(
        lpar=entry["lpar"],
        target=entry["target"],
        source_msp=entry["source_msp"],
        dest_msp=entry["dest_msp"],
        kind=entry["kind"],
        state=entry["state"],
        code=entry["code"],
        message=entry["message"],
        start=entry["start"],
        end=entry["end"],
        duration=entry["duration"],
        gib=None if size is None else size / GIB,
        mibs=throughput_mibs(entry),
        phases=tuple(entry["phases"]),
        predicted_start=planned["predicted_start"] if planned else None,
        predicted_end=planned["predicted_end"] if planned else None,
    )


def _planned_only(planned: PlanEntry) -> Row:
    return Row(
        lpar=planned["lpar"], target=planned["target"], source_msp=planned["source_msp"], dest_msp=planned["dest_msp"],
        kind="", state=NOT_STARTED, code=None, message="", start=None, end=None, duration=None, gib=None, mibs=None,
        phases=(), predicted_start=planned["predicted_start"], predicted_end=planned["predicted_end"],
    )


def rows(record: EvacuationRecord) -> list[Row]:
    """Every migration, then every planned partition with no migration; in order of (actual, planned) start."""
    plan = {e["lpar"]: e for e in (record["plan"]["entries"] if record["plan"] else [])}
    out = [_row(m, plan.get(m["lpar"])) for m in record["migrations"]]
    ran = {m["lpar"] for m in record["migrations"]}
    out += [_planned_only(e) for name, e in plan.items() if name not in ran]
    inf = float("inf")

    def order(row: Row) -> tuple[float, float, str]:
        start = row.start if row.start is not None else inf
        planned = row.predicted_start if row.predicted_start is not None else inf
        return (start, planned, row.lpar)

    return sorted(out, key=order)


def summarise(record: EvacuationRecord) -> Summary:
    counts = {state: 0 for state in STATES}
    for m in record["migrations"]:
        counts[m["state"]] += 1
    starts = [m["start"] for m in record["migrations"] if m["start"] is not None]
    ends = [m["end"] for m in record["migrations"] if m["end"] is not None]
    first = min(starts) if starts else None
    plan = record["plan"]
    lb = plan["lb"] if plan else None
    predicted_starts = [e["predicted_start"] for e in plan["entries"]] if plan else []
    wall = None
    if record["ended"]:
        wall = (parse_utc(record["ended"]) - parse_utc(record["started"])).total_seconds()
    return Summary(
        counts=counts,
        still_on_source=len(record["left"]),
        unmovable=len(record["unmovable"]),
        first_start=first,
        makespan=max(ends) - first if first is not None and ends else None,
        predicted=plan["eta_seconds"] if plan else None,
        predicted_origin=min(predicted_starts) if predicted_starts else (0.0 if plan else None),
        lb=lb["value"] if lb else None,
        bottleneck=lb["bottleneck"] if lb else None,
        total_gib=sum(m["bytes"] or 0 for m in record["migrations"] if m["state"] == MOVED) / GIB,
        wall_seconds=wall,
    )
