# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation record (docs/report.md) of everything a journal holds, over all its runs.

Each ``result`` line carries the report's migration entry of that attempt; the record keeps the last
one per partition, so a partition moved by the first run and one moved by a rerun after a crash are
both listed once. Times in the record are seconds after the first run's start on the HMC's clock
(controller seconds times ``clock_scale``), the clock the plan predicts in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._evac_journal import JournalState
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult
from ansible_collections.powervm.lpm.plugins.module_utils._report_adapt import epoch, migration_from_result, plan_from_planner
from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import Observation

# Planner reasons for partitions that stay, as the record's left reasons.
LEFT_BY_PLANNER = {"excluded": "excluded", "inactive_stays": "inactive_policy"}


def iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat(timespec="seconds")


def _scaled(value: Any, factor: float) -> Any:
    return round(float(value) * factor, 3) if isinstance(value, (int, float)) else value


def migration_entry(result: MigrationResult, origin: float, observations: Sequence[Observation], factor: float) -> dict[str, Any]:
    """The report's migration entry of an engine result, times on the HMC clock (epochs kept to the microsecond)."""
    data = {**result.to_dict(), "started": result.started, "ended": result.ended}
    entry = migration_from_result(data, origin, observations)
    for key in ("start", "end", "duration"):
        entry[key] = _scaled(entry[key], factor)
    entry["phases"] = [{**p, "start": _scaled(p["start"], factor), "end": _scaled(p["end"], factor)} for p in entry["phases"]]
    entry["samples"] = [{**s, "t": _scaled(s["t"], factor)} for s in entry["samples"]]
    return entry


def _left_from_plan(plan: Mapping[str, Any]) -> list[dict[str, str]]:
    out = []
    for item in plan.get("unmovable") or ():
        reason = LEFT_BY_PLANNER.get(str(item.get("reason")), "unmovable")
        out.append({"lpar": str(item.get("lpar")), "reason": reason, "detail": f"{item.get('reason')}: {item.get('detail') or ''}".strip()})
    return out


def _reasoned(item: Mapping[str, Any], lpar: str) -> dict[str, str]:
    return {"lpar": lpar, "reason": str(item.get("reason")), "detail": str(item.get("detail") or "")}


def build(
    state: JournalState,
    source: str,
    targets: Iterable[str],
    name: str = "",
    manifest_path: str | None = None,
    not_ready: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The record (not yet normalised by the report module, which checks it)."""
    planner = (state.plan or {}).get("plan") or {}
    migrations = []
    moved = set()
    for lpar in sorted(state.results):
        last = state.results[lpar][-1]
        entry = dict(last.get("entry") or {})
        if entry:
            migrations.append(entry)
        if last.get("status") in ("migrated", "on_target"):
            moved.add(lpar)
    left = [_reasoned(item, lpar) for lpar, item in sorted(state.left.items()) if lpar not in moved]
    listed = {item["lpar"] for item in left}
    for item in _left_from_plan(planner):
        if item["lpar"] not in listed and item["lpar"] not in moved:
            if item["lpar"] in (not_ready or {}):
                item = {**item, "reason": "unmovable", "detail": f"preflight: {(not_ready or {})[item['lpar']]}"}
            left.append(item)
    record: dict[str, Any] = {
        "name": name,
        "source_system": source,
        "targets": sorted(set(targets)),
        "started": state.started or iso(0),
        "ended": state.ended,
        "plan": plan_from_planner(planner) if planner.get("plan") is not None else None,
        "migrations": migrations,
        "unmovable": [_reasoned(u, str(u.get("lpar"))) for u in planner.get("unmovable") or ()],
        "left": left,
        "postchecks": [{k: p[k] for k in ("lpar", "check", "ok", "detail")} for p in state.postchecks],
        "manifest_path": manifest_path or None,
    }
    return record


def origin_of(state: JournalState, default: float) -> float:
    started = state.started
    return epoch(started) or default if started else default
