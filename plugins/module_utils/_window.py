# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Maintenance windows as data: a YAML file, kept in git, that says what to evacuate, where, when and how.

:func:`load_window` reads and checks a window file and returns it normalised: every optional key
present with its default, timestamps in UTC, targets as a mapping per source system, relative paths
resolved against the file's directory. Every problem is reported at once with the path of the field
(``disruption_groups[1].members[0]: expected a string, got an integer (42)``); unknown keys get a
"did you mean" hint; a key that looks like a secret is refused, because the file lives in git
(credentials come from Ansible Vault or AWX). docs/maintenance-windows.md documents the schema.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Collection, Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import Checker, at
from ansible_collections.powervm.lpm.plugins.module_utils._window_hooks import check_hook
from ansible_collections.powervm.lpm.plugins.module_utils._window_policy import check_policy, matching
from ansible_collections.powervm.lpm.plugins.module_utils._window_yaml import read_yaml

WINDOW_VERSION = 1
TOP_KEYS = (
    "version", "name", "description", "source_systems", "targets", "window", "policy", "exclusions", "pins",
    "disruption_groups", "report_dir", "manifest_path", "hmc",
)
REQUIRED_KEYS = ("name", "source_systems", "targets", "window")
HMC_KEYS = ("host", "port", "user", "known_hosts")
GROUP_KEYS = ("name", "members", "pre_hook", "post_hook")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SECRET = re.compile(r"pass(word|wd|phrase)?|secret|token|private_key|api_key|credential", re.IGNORECASE)
DEFAULT_REPORT_DIR = "reports"


def _keys(check: Checker, path: str, data: dict[str, Any], allowed: Collection[str], required: Collection[str] = ()) -> None:
    """Unknown and missing keys; a key that looks like a secret gets its own message."""
    secrets = [k for k in data if k not in allowed and SECRET.search(k)]
    for key in secrets:
        check.add(at(path, key), "secrets do not belong in a window file, which lives in git: give them from Ansible Vault or an AWX credential")
    check.keys(path, {k: v for k, v in data.items() if k not in secrets}, allowed, required)


def _name(check: Checker, path: str, value: Any) -> str | None:
    text = check.string(path, value)
    if text is not None and not NAME.match(text):
        check.add(path, f"{text!r}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        return None
    return text


def _unique(check: Checker, path: str, names: list[str]) -> None:
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in first:
            check.add(at(path, i), f"{name!r} is already listed at {at(path, first[name])}")
        first.setdefault(name, i)


def _systems(check: Checker, value: Any) -> list[str] | None:
    names = check.strings("source_systems", [value] if isinstance(value, str) else value, empty_ok=False)
    if names is not None:
        _unique(check, "source_systems", names)
    return names


def _targets(check: Checker, value: Any, sources: list[str]) -> dict[str, list[str]] | None:
    """Targets per source: a list applies to every source; a mapping names them per source."""
    if isinstance(value, list):
        given = check.strings("targets", value, empty_ok=False)
        per_source = {s: given for s in sources} if given is not None else None
    elif not isinstance(value, Mapping):
        check.wrong_type("targets", value, "a list of target systems or a mapping of source system to its targets")
        return None
    else:
        data = check.mapping("targets", value) or {}
        if not data:
            check.add("targets", "must list at least one target system")
            return None
        check.keys("targets", data, sources, required=sources)
        per_source = {s: check.strings(at("targets", s), data[s], empty_ok=False) for s in sources if s in data and s in sources}
        if None in per_source.values() or len(per_source) != len(sources):
            return None
    if per_source is None:
        return None
    lists = {"targets": per_source[sources[0]]} if isinstance(value, list) else {at("targets", s): per_source[s] for s in sources}
    for where, targets in lists.items():
        _unique(check, where, targets or [])
        for i, target in enumerate(targets or []):
            if target in sources:
                check.add(at(where, i), f"{target!r} is a source system; it cannot be a target")
    return {source: list(targets or []) for source, targets in per_source.items()}


def parse_moment(check: Checker, path: str, value: Any) -> datetime.datetime | None:
    """An ISO 8601 date and time with a timezone, as an aware datetime."""
    text = check.string(path, value)
    if text is None:
        return None
    example = "e.g. 2026-03-14T22:00:00+01:00 or 2026-03-14T21:00:00Z"
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        check.add(path, f"{text!r} is not an ISO 8601 date and time ({example})")
        return None
    if not re.search(r"\d[T ]\d", text):
        check.add(path, f"{text!r} has no time of day; give a date, a time and a timezone ({example})")
        return None
    if moment.tzinfo is None:
        check.add(path, f"{text!r} has no timezone; add one ({example})")
        return None
    return moment


def _window(check: Checker, value: Any, margin_minutes: int | None) -> dict[str, Any] | None:
    data = check.mapping("window", value)
    if data is None:
        return None
    _keys(check, "window", data, ("start", "end"), ("start", "end"))
    start = parse_moment(check, "window.start", data.get("start")) if "start" in data else None
    end = parse_moment(check, "window.end", data.get("end")) if "end" in data else None
    if start is None or end is None:
        return None
    if end <= start:
        check.add("window.end", f"must be after window.start ({end.isoformat()} <= {start.isoformat()})")
        return None
    margin = datetime.timedelta(minutes=margin_minutes or 0)
    if end - margin <= start:
        check.add("policy.deadline_margin_minutes", f"{margin_minutes} minutes leaves no time in a {(end - start).total_seconds() / 60:g}-minute window")
        return None
    utc = datetime.timezone.utc
    return {
        "start": start.astimezone(utc).isoformat(),
        "end": end.astimezone(utc).isoformat(),
        "deadline": (end - margin).astimezone(utc).isoformat(),
        "duration_minutes": (end - start).total_seconds() / 60,
    }


def _pins(check: Checker, value: Any, targets: set[str], exclusions: list[str]) -> dict[str, str] | None:
    data = {} if value is None else check.mapping("pins", value)
    if data is None:
        return None
    pins: dict[str, str] = {}
    for lpar, target in data.items():
        name = check.string(at("pins", lpar), target)
        if name is None:
            continue
        if targets and name not in targets:
            check.add(at("pins", lpar), f"{name!r} is not one of the targets ({', '.join(sorted(targets))})")
        elif matching(exclusions, [lpar]):
            check.add(at("pins", lpar), "this partition is also excluded; pin it or exclude it, not both")
        else:
            pins[lpar] = name
    return pins if len(pins) == len(data) else None


def _groups(check: Checker, value: Any, base_dir: str, window_name: str) -> list[dict[str, Any]] | None:
    items = [] if value is None else check.items("disruption_groups", value)
    if items is None:
        return None
    groups: list[dict[str, Any]] = []
    names: list[tuple[int, str]] = []
    for i, raw in enumerate(items):
        path = at("disruption_groups", i)
        data = check.mapping(path, raw)
        if data is None:
            continue
        _keys(check, path, data, GROUP_KEYS, ("name", "members"))
        name = _name(check, at(path, "name"), data["name"]) if "name" in data else None
        members = check.strings(at(path, "members"), data["members"], empty_ok=False) if "members" in data else None
        if members is not None:
            _unique(check, at(path, "members"), members)
        if name is not None:
            names.append((i, name))
        group: dict[str, Any] = {"name": name, "members": members}
        for phase in ("pre", "post"):
            key = f"{phase}_hook"
            context = {"lpm_window": window_name, "lpm_group": name or "", "lpm_hook": phase, "lpm_members": members or []}
            group[key] = None if data.get(key) is None else check_hook(check, at(path, key), data[key], base_dir, context)
        groups.append(group)
    first: dict[str, int] = {}
    for i, name in names:
        if name in first:
            check.add(at(at("disruption_groups", i), "name"), f"{name!r} is already the name of disruption_groups[{first[name]}]")
        first.setdefault(name, i)
    return groups


def _path(check: Checker, path: str, value: Any, base_dir: str, must_exist: bool = False) -> str | None:
    text = check.string(path, value)
    if text is None:
        return None
    resolved = os.path.normpath(os.path.join(base_dir, os.path.expanduser(text)))
    if must_exist and not os.path.isfile(resolved):
        check.add(path, f"{text!r} does not exist (relative paths are resolved against {base_dir})")
        return None
    return resolved


def _hmc(check: Checker, value: Any, base_dir: str) -> dict[str, Any] | None:
    data = check.mapping("hmc", value)
    if data is None:
        return None
    _keys(check, "hmc", data, HMC_KEYS, ("host",))
    hmc = {
        "host": check.string("hmc.host", data.get("host")) if "host" in data else None,
        "port": check.integer("hmc.port", data.get("port", 22), minimum=1, maximum=65535),
        "user": check.string("hmc.user", data.get("user", "hscroot")),
        "known_hosts": None if data.get("known_hosts") is None else _path(check, "hmc.known_hosts", data["known_hosts"], base_dir, must_exist=True),
    }
    return hmc


def normalise_window(data: Any, base_dir: str, source: str = "") -> dict[str, Any]:
    """The checked, normalised window; :class:`DataError` lists every problem."""
    check = Checker()
    top = check.mapping("", data)
    check.raise_if_any(source)
    top = top or {}
    _keys(check, "", top, TOP_KEYS, REQUIRED_KEYS)
    check.integer("version", top.get("version", WINDOW_VERSION), minimum=WINDOW_VERSION, maximum=WINDOW_VERSION)
    name = _name(check, "name", top["name"]) if "name" in top else None
    policy = check_policy(check, "policy", top.get("policy"))
    sources = _systems(check, top["source_systems"]) if "source_systems" in top else None
    targets = _targets(check, top["targets"], sources) if "targets" in top and sources else None
    margin = policy["deadline_margin_minutes"] if policy else 0
    exclusions = check.strings("exclusions", top.get("exclusions") or []) or []
    all_targets = sorted({t for ts in (targets or {}).values() for t in ts})
    window = {
        "version": WINDOW_VERSION,
        "name": name,
        "description": check.string("description", top.get("description") or "", empty_ok=True),
        "source_systems": sources,
        "targets": targets,
        "all_targets": all_targets,
        "window": _window(check, top["window"], margin) if "window" in top else None,
        "policy": policy,
        "exclusions": exclusions,
        "pins": _pins(check, top.get("pins"), set(all_targets), exclusions),
        "disruption_groups": _groups(check, top.get("disruption_groups"), base_dir, name or ""),
        "report_dir": _path(check, "report_dir", top.get("report_dir", DEFAULT_REPORT_DIR), base_dir),
        "manifest_path": None if top.get("manifest_path") is None else _path(check, "manifest_path", top["manifest_path"], base_dir),
        "hmc": None if top.get("hmc") is None else _hmc(check, top["hmc"], base_dir),
    }
    check.raise_if_any(source)
    return window


def load_window(path: str) -> dict[str, Any]:
    """Read, check and normalise a window file; :class:`DataError` names the file and every problem."""
    full = os.path.abspath(path)
    return {**normalise_window(read_yaml(full), os.path.dirname(full), full), "path": full}


def status(window: dict[str, Any], now: datetime.datetime) -> dict[str, Any]:
    """Where ``now`` (aware) is relative to the window: inside it, before its deadline, seconds to start and end."""
    if now.tzinfo is None:
        raise ValueError("now must carry a timezone")
    start = datetime.datetime.fromisoformat(window["window"]["start"])
    end = datetime.datetime.fromisoformat(window["window"]["end"])
    deadline = datetime.datetime.fromisoformat(window["window"]["deadline"])
    return {
        "now": now.astimezone(datetime.timezone.utc).isoformat(),
        "in_window": start <= now < end,
        "before_deadline": start <= now < deadline,
        "seconds_to_start": round((start - now).total_seconds(), 3),
        "seconds_to_end": round((end - now).total_seconds(), 3),
        "seconds_to_deadline": round((deadline - now).total_seconds(), 3),
    }
