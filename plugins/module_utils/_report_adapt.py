# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""From the migration engine's results to the record's migration entries.

The ``lpar_migration`` module returns one result per partition (``MigrationResult.to_dict``: ``name``,
``status``, ISO ``started``/``ended``, ``bytes_transmitted``, ``hscl_code``...). A record may list its
migrations in that form: :func:`adapt_record` converts every entry that has a ``status`` and no
``state`` before the record is checked, so a playbook can pass the module's ``results`` as they are.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import Observation, phases, samples
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import FAILED, LEFT, MOVED, RECOVERED, SKIPPED

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


def adapt_record(data: Any) -> Any:
    """A copy of record data whose engine-result migrations are converted; anything else as given."""
    if not isinstance(data, Mapping) or not isinstance(data.get("migrations"), list):
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
