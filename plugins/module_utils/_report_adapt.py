# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""From what the planner and the migration engine return to the record's fields.

* Migrations: the ``lpar_migration`` module returns one result per partition
  (``MigrationResult.to_dict``: ``name``, ``status``, ISO ``started``/``ended``, ``bytes_transmitted``,
  ``hscl_code``...). :func:`adapt_record` converts every migration entry that has a ``status`` and no
  ``state``, so a playbook can pass the module's ``results`` as they are.
* Plan: the planner returns ``PlanResult.as_dict()`` (``plan`` list with ``target_system``,
  ``start_s``, ``end_s``, ``predicted_mb``; ``lb`` with ``lb_seconds`` and a ``bottleneck`` dict).
  :func:`plan_from_planner` converts it; :func:`adapt_record` does so when the record's ``plan`` has
  that shape, and takes the record's ``unmovable`` from it when the record has none. The lower
  bound kept is the planner's placement-independent one (``lb_seconds``, with ``lb_dst_min`` as
  ``lb_dst``), so ``value`` is the largest of the four terms.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import Observation, phases, samples
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, LEFT, MOVED, RECOVERED, SKIPPED

MIB = 1024**2
BOTTLENECK_TERMS = {
    "source_egress": "lb_src",
    "destination_ingress": "lb_dst",
    "longest_migration": "lb_long",
    "concurrency_slots": "lb_slot",
}
STATE_BY_STATUS = {"migrated": MOVED, "on_target": MOVED, "failed": FAILED, "skipped": SKIPPED}


def epoch(value: Any) -> float | None:
    """Epoch seconds of an epoch number or an ISO 8601 timestamp with a timezone; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    moment = datetime.datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no timezone")
    return moment.timestamp()


def state_of(status: str, recovered: bool) -> str:
    """The report state of an engine status: a failed migration that was recovered is ``recovered``."""
    state = STATE_BY_STATUS.get(status, LEFT)
    return RECOVERED if state == FAILED and recovered else state


def _relative(moment: float | None, origin: float) -> float | None:
    return None if moment is None else round(moment - origin, 3)


def migration_from_result(result: Mapping[str, Any], origin: float, observations: Sequence[Observation] = ()) -> dict[str, Any]:
    """A migration entry from an engine result; ``origin`` is the record's ``started`` (epoch)."""
    start, end = epoch(result.get("started")), epoch(result.get("ended"))
    message = str(result.get("message") or "")
    recovery = str(result.get("recovery_message") or "")
    if recovery:
        message = f"{message}; {recovery}" if message else recovery
    entry: dict[str, Any] = {
        "lpar": result.get("name", result.get("lpar")),
        "source": result.get("source") or "",
        "target": result.get("target"),
        "kind": result.get("kind") or "active",
        "source_msp": result.get("source_msp") or "",
        "dest_msp": result.get("dest_msp") or "",
        "start": _relative(start, origin),
        "end": _relative(end, origin),
        "duration": None if start is None or end is None else round(end - start, 3),
        "bytes": result.get("bytes_transmitted"),
        "state": state_of(str(result.get("status")), bool(result.get("recovered"))),
        "code": result.get("hscl_code"),
        "message": message,
        "hint": result.get("hint"),
        "phases": [],
        "samples": [],
    }
    if start is not None and end is not None:
        entry["phases"] = phases(observations, start, end, origin)
        entry["samples"] = samples(observations, start, end, origin)
    return entry


def is_planner_output(plan: Any) -> bool:
    return isinstance(plan, Mapping) and isinstance(plan.get("plan"), list) and "entries" not in plan


def _planner_lb(lb: Any) -> dict[str, Any] | None:
    if not isinstance(lb, Mapping) or "lb_seconds" not in lb:
        return None
    bottleneck = lb.get("bottleneck")
    term = bottleneck.get("term") if isinstance(bottleneck, Mapping) else bottleneck
    return {
        "value": lb["lb_seconds"],
        "lb_src": lb.get("lb_src"),
        "lb_dst": lb.get("lb_dst_min", lb.get("lb_dst")),
        "lb_long": lb.get("lb_long"),
        "lb_slot": lb.get("lb_slot"),
        "bottleneck": BOTTLENECK_TERMS.get(str(term), term),
    }


def plan_from_planner(output: Mapping[str, Any]) -> dict[str, Any]:
    """The record's ``plan`` from the planner's output (unknown shapes are passed on for the check to name)."""
    entries = []
    for item in output.get("plan", []):
        if not isinstance(item, Mapping):
            entries.append(item)
            continue
        predicted_mb = item.get("predicted_mb")
        entries.append(
            {
                "lpar": item.get("lpar"),
                "target": item.get("target_system", item.get("target")),
                "source_msp": item.get("source_msp") or "",
                "dest_msp": item.get("dest_msp") or "",
                "predicted_start": item.get("start_s"),
                "predicted_end": item.get("end_s"),
                "bytes": int(round(predicted_mb * MIB)) if isinstance(predicted_mb, (int, float)) else 0,
            }
        )
    return {"eta_seconds": output.get("eta_seconds"), "lb": _planner_lb(output.get("lb")), "entries": entries}


def _unmovable_from_planner(output: Mapping[str, Any]) -> list[Any]:
    return [
        {"lpar": u.get("lpar"), "reason": u.get("reason"), "detail": u.get("detail") or ""} if isinstance(u, Mapping) else u
        for u in output.get("unmovable", [])
    ]


def adapt_record(data: Any) -> Any:
    """A copy of record data with the planner's output and engine results converted; anything else as given."""
    if not isinstance(data, Mapping):
        return data
    plan = data.get("plan")
    if is_planner_output(plan):
        data = {**data, "plan": plan_from_planner(plan)}
        if not data.get("unmovable"):
            data["unmovable"] = _unmovable_from_planner(plan)
    if not isinstance(data.get("migrations"), list):
        return data
    try:
        origin = epoch(data.get("started"))
    except ValueError:
        return data  # the record check reports the bad timestamp
    if origin is None:
        return data
    converted = []
    for item in data["migrations"]:
        if isinstance(item, Mapping) and "status" in item and "state" not in item:
            try:
                item = migration_from_result(item, origin)
            except ValueError:
                pass  # left as it is: the record check names the keys it does not know
        converted.append(item)
    return {**data, "migrations": converted}
