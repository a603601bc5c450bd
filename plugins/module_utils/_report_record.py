# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Checking an evacuation record and filling the fields a writer may leave out.

``normalise_record`` accepts what a run wrote (a dict, for example read back from JSON) and returns an
:class:`EvacuationRecord` whose every field is present. Lists default to empty, optional texts to ""
or None. Unknown keys are refused, because a misspelt key would silently drop data from the report.
Problems are reported all at once, each with its path (``migrations[3].phases[0].end``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import Checker, at
from ansible_collections.powervm.lpm.plugins.module_utils._report_types import (
    KINDS,
    LB_TERMS,
    RECORD_FORMAT,
    STATES,
    EvacuationRecord,
    Left,
    LowerBound,
    MigrationEntry,
    Phase,
    Plan,
    PlanEntry,
    Postcheck,
    Sample,
    Unmovable,
)

T = TypeVar("T")

TOP_KEYS = ("format", "name", "source_system", "targets", "started", "ended", "plan", "migrations", "unmovable", "left", "postchecks", "manifest_path")
MIGRATION_KEYS = tuple(MigrationEntry.__annotations__)
PLAN_ENTRY_KEYS = tuple(PlanEntry.__annotations__)


def parse_utc(text: str) -> datetime.datetime:
    """An ISO 8601 timestamp with a timezone, as an aware datetime (ValueError otherwise)."""
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no timezone")
    return value


def _timestamp(check: Checker, path: str, value: Any) -> str | None:
    text = check.string(path, value)
    if text is None:
        return None
    try:
        parse_utc(text)
    except ValueError as exc:
        check.add(path, f"expected an ISO 8601 timestamp with a timezone (2025-06-01T22:00:00Z): {exc}")
        return None
    return text


def _list(check: Checker, path: str, value: Any, item: Callable[[Checker, str, dict[str, Any]], T | None]) -> list[T]:
    """Each mapping of a list through ``item``; a missing list is empty."""
    if value is None:
        return []
    items = check.items(path, value)
    out: list[T] = []
    for index, raw in enumerate(items or []):
        data = check.mapping(at(path, index), raw)
        if data is not None:
            made = item(check, at(path, index), data)
            if made is not None:
                out.append(made)
    return out


def _lower_bound(check: Checker, path: str, value: Any) -> LowerBound | None:
    if value is None:
        return None
    data = check.mapping(path, value)
    if data is None:
        return None
    check.keys(path, data, LowerBound.__annotations__, required=("value", *LB_TERMS))
    terms = {name: check.number(at(path, name), data.get(name), minimum=0.0) for name in ("value", *LB_TERMS) if name in data}
    bottleneck = data.get("bottleneck")
    if bottleneck is None and len(terms) == 5 and None not in terms.values():
        bottleneck = max(LB_TERMS, key=lambda n: cast(float, terms[n]))
    choice = check.choice(at(path, "bottleneck"), bottleneck, LB_TERMS)
    if choice is None or len(terms) != 5 or None in terms.values():
        return None
    return cast(LowerBound, {**{k: cast(float, v) for k, v in terms.items()}, "bottleneck": choice})


def _plan_entry(check: Checker, path: str, data: dict[str, Any]) -> PlanEntry | None:
    check.keys(path, data, PLAN_ENTRY_KEYS, required=("lpar", "target", "predicted_start", "predicted_end"))
    entry = {
        "lpar": check.required(path, data, "lpar", check.string),
        "target": check.required(path, data, "target", check.string),
        "source_msp": check.string(at(path, "source_msp"), data.get("source_msp", ""), empty_ok=True),
        "dest_msp": check.string(at(path, "dest_msp"), data.get("dest_msp", ""), empty_ok=True),
        "predicted_start": check.required(path, data, "predicted_start", check.number),
        "predicted_end": check.required(path, data, "predicted_end", check.number),
        "bytes": check.integer(at(path, "bytes"), data.get("bytes", 0), minimum=0),
    }
    if None in entry.values():
        return None
    if cast(float, entry["predicted_end"]) < cast(float, entry["predicted_start"]):
        check.add(at(path, "predicted_end"), "is before predicted_start")
        return None
    return cast(PlanEntry, entry)


def _plan(check: Checker, path: str, value: Any) -> Plan | None:
    if value is None:
        return None
    data = check.mapping(path, value)
    if data is None:
        return None
    check.keys(path, data, Plan.__annotations__, required=("eta_seconds",))
    eta = check.required(path, data, "eta_seconds", check.number, minimum=0.0)
    lb = _lower_bound(check, at(path, "lb"), data.get("lb"))
    entries = _list(check, at(path, "entries"), data.get("entries"), _plan_entry)
    return None if eta is None else {"eta_seconds": eta, "lb": lb, "entries": entries}


def _phase(check: Checker, path: str, data: dict[str, Any]) -> Phase | None:
    check.keys(path, data, Phase.__annotations__, required=Phase.__annotations__)
    name = check.required(path, data, "name", check.string)
    start = check.required(path, data, "start", check.number)
    end = check.required(path, data, "end", check.number)
    if name is None or start is None or end is None:
        return None
    if end < start:
        check.add(at(path, "end"), f"is before start ({end:g} < {start:g})")
        return None
    return {"name": name, "start": start, "end": end}


def _sample(check: Checker, path: str, data: dict[str, Any]) -> Sample | None:
    check.keys(path, data, Sample.__annotations__, required=("t",))
    t = check.required(path, data, "t", check.number)
    sent, left = data.get("bytes_transmitted"), data.get("bytes_remaining")
    sent_ok = sent is None or check.integer(at(path, "bytes_transmitted"), sent, minimum=0) is not None
    left_ok = left is None or check.integer(at(path, "bytes_remaining"), left, minimum=0) is not None
    if t is None or not sent_ok or not left_ok:
        return None
    return {"t": t, "bytes_transmitted": sent, "bytes_remaining": left}


def _migration(check: Checker, path: str, data: dict[str, Any]) -> MigrationEntry | None:
    check.keys(path, data, MIGRATION_KEYS, required=("lpar", "target", "state"))
    start = check.optional_number(at(path, "start"), data.get("start"))
    end = check.optional_number(at(path, "end"), data.get("end"))
    duration = data.get("duration")
    if duration is None and start is not None and end is not None:
        duration = round(end - start, 3)
    size = data.get("bytes")
    entry = {
        "lpar": check.required(path, data, "lpar", check.string),
        "source": check.string(at(path, "source"), data.get("source", ""), empty_ok=True),
        "target": check.required(path, data, "target", check.string),
        "kind": check.choice(at(path, "kind"), data.get("kind", "active"), KINDS),
        "source_msp": check.string(at(path, "source_msp"), data.get("source_msp") or "", empty_ok=True),
        "dest_msp": check.string(at(path, "dest_msp"), data.get("dest_msp") or "", empty_ok=True),
        "start": start,
        "end": end,
        "duration": check.optional_number(at(path, "duration"), duration, minimum=0.0),
        "bytes": None if size is None else check.integer(at(path, "bytes"), size, minimum=0),
        "state": check.required(path, data, "state", check.choice, choices=STATES),
        "code": check.optional_string(at(path, "code"), data.get("code")),
        "message": check.string(at(path, "message"), data.get("message") or "", empty_ok=True),
        "hint": check.optional_string(at(path, "hint"), data.get("hint")),
        "phases": _list(check, at(path, "phases"), data.get("phases"), _phase),
        "samples": _list(check, at(path, "samples"), data.get("samples"), _sample),
    }
    required = ("lpar", "source", "target", "kind", "source_msp", "dest_msp", "state", "message")
    if any(entry[k] is None for k in required) or (size is not None and entry["bytes"] is None):
        return None
    if start is not None and end is not None and end < start:
        check.add(at(path, "end"), f"is before start ({end:g} < {start:g})")
        return None
    return cast(MigrationEntry, entry)


def _reasoned(check: Checker, path: str, data: dict[str, Any]) -> dict[str, str] | None:
    check.keys(path, data, ("lpar", "reason", "detail"), required=("lpar", "reason"))
    lpar = check.required(path, data, "lpar", check.string)
    reason = check.required(path, data, "reason", check.string)
    detail = check.string(at(path, "detail"), data.get("detail") or "", empty_ok=True)
    if lpar is None or reason is None or detail is None:
        return None
    return {"lpar": lpar, "reason": reason, "detail": detail}


def _postcheck(check: Checker, path: str, data: dict[str, Any]) -> Postcheck | None:
    check.keys(path, data, Postcheck.__annotations__, required=("lpar", "check", "ok"))
    lpar = check.required(path, data, "lpar", check.string)
    name = check.required(path, data, "check", check.string)
    ok = check.required(path, data, "ok", check.boolean)
    detail = check.string(at(path, "detail"), data.get("detail") or "", empty_ok=True)
    if lpar is None or name is None or ok is None or detail is None:
        return None
    return {"lpar": lpar, "check": name, "ok": ok, "detail": detail}


def normalise_record(value: Any, source: str = "") -> EvacuationRecord:
    """The record with every field present; :class:`DataError` lists every problem found."""
    check = Checker()
    data = check.mapping("", value)
    check.raise_if_any(source)
    data = cast(dict[str, Any], data)
    check.keys("", data, TOP_KEYS, required=("source_system", "started"))
    record = {
        "format": check.integer("format", data.get("format", RECORD_FORMAT), minimum=RECORD_FORMAT, maximum=RECORD_FORMAT),
        "name": check.string("name", data.get("name") or "", empty_ok=True),
        "source_system": check.required("", data, "source_system", check.string),
        "targets": check.strings("targets", data.get("targets", [])),
        "started": _timestamp(check, "started", data["started"]) if "started" in data else None,
        "ended": None if data.get("ended") is None else _timestamp(check, "ended", data.get("ended")),
        "plan": _plan(check, "plan", data.get("plan")),
        "migrations": _list(check, "migrations", data.get("migrations"), _migration),
        "unmovable": cast(list[Unmovable], _list(check, "unmovable", data.get("unmovable"), _reasoned)),
        "left": cast(list[Left], _list(check, "left", data.get("left"), _reasoned)),
        "postchecks": _list(check, "postchecks", data.get("postchecks"), _postcheck),
        "manifest_path": check.optional_string("manifest_path", data.get("manifest_path")),
    }
    _check_unique(check, data.get("migrations"), "migrations")
    if record["started"] and record["ended"] and parse_utc(str(record["ended"])) < parse_utc(str(record["started"])):
        check.add("ended", "is before started")
    check.raise_if_any(source)
    return cast(EvacuationRecord, record)


def _check_unique(check: Checker, entries: Any, path: str) -> None:
    """A partition has one migration entry per record."""
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        name = entry.get("lpar") if isinstance(entry, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            check.add(at(at(path, index), "lpar"), f"{name!r} is already listed at {at(path, seen[name])}")
        seen.setdefault(name, index)
