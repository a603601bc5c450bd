# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Hooks of a disruption group: what runs before the group's first migration and after its last.

A hook is a mapping with exactly one of:

``tasks: PATH``
    A task file, included (``ansible.builtin.include_tasks``) by the evacuation playbook on the
    controller, with the variables of ``vars`` set.
``playbook: PATH``
    A playbook, run as its own process on the controller: ``argv`` is
    ``[ansible-playbook, PATH, --extra-vars, JSON of vars]``.
``command: [ARG, ...]``
    A program run on the controller with these arguments (``argv``) and ``environment`` added to its
    environment; never through a shell. A string is refused: give the arguments as a list.

and optionally ``timeout_seconds`` (default 600) and ``on_failure``: ``abort`` (default; for a
pre-hook the group's members are not migrated, for a post-hook the evacuation is reported failed)
or ``continue`` (the failure is reported and the evacuation goes on).

A relative path (of ``tasks``, ``playbook``, or a first ``command`` argument containing ``/``) is
resolved against the directory of the window file and must exist; absolute paths are taken as
written, since they name files of the controller, not of the repository.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import Checker, at

HOOK_TYPES = ("tasks", "playbook", "command")
HOOK_KEYS = (*HOOK_TYPES, "timeout_seconds", "on_failure")
ON_FAILURE = ("abort", "continue")
DEFAULT_TIMEOUT_S = 600
MAX_TIMEOUT_S = 86400


def _resolve(check: Checker, path: str, value: str, base_dir: str) -> str | None:
    if os.path.isabs(value):
        return value
    resolved = os.path.normpath(os.path.join(base_dir, value))
    if not os.path.isfile(resolved):
        check.add(path, f"{value!r} does not exist (relative paths are resolved against {base_dir})")
        return None
    return resolved


def _argv(check: Checker, path: str, value: Any, base_dir: str) -> list[str] | None:
    if isinstance(value, str):
        check.add(path, "give the command as a list of arguments, e.g. [/usr/local/bin/quiesce, --group, db]; it never runs through a shell")
        return None
    argv = check.strings(path, value, empty_ok=False)
    if argv is None:
        return None
    first = argv[0]
    if "/" in first and not os.path.isabs(first):
        resolved = _resolve(check, at(path, 0), first, base_dir)
        if resolved is None:
            return None
        argv = [resolved, *argv[1:]]
    return argv


def check_hook(check: Checker, path: str, value: Any, base_dir: str, context: dict[str, Any]) -> dict[str, Any] | None:
    """The normalised hook, or None (problems are added to ``check``).

    ``context`` holds ``lpm_window``, ``lpm_group``, ``lpm_hook`` (``pre`` or ``post``) and ``lpm_members``.
    """
    data = check.mapping(path, value)
    if data is None:
        return None
    check.keys(path, data, HOOK_KEYS)
    kinds = [k for k in HOOK_TYPES if k in data]
    if len(kinds) != 1:
        found = f"got {', '.join(kinds)}" if kinds else "got none"
        check.add(path, f"give exactly one of {', '.join(HOOK_TYPES)} ({found})")
        return None
    kind = kinds[0]
    timeout = check.integer(at(path, "timeout_seconds"), data.get("timeout_seconds", DEFAULT_TIMEOUT_S), minimum=1, maximum=MAX_TIMEOUT_S)
    on_failure = check.choice(at(path, "on_failure"), data.get("on_failure", "abort"), ON_FAILURE)
    hook: dict[str, Any] = {"type": kind, "path": None, "argv": None, "timeout_seconds": timeout, "on_failure": on_failure, "vars": dict(context)}
    hook["environment"] = {
        "LPM_WINDOW": str(context["lpm_window"]),
        "LPM_GROUP": str(context["lpm_group"]),
        "LPM_HOOK": str(context["lpm_hook"]),
        "LPM_MEMBERS": ",".join(context["lpm_members"]),
    }
    if kind == "command":
        hook["argv"] = _argv(check, at(path, kind), data[kind], base_dir)
        good = hook["argv"] is not None
    else:
        text = check.string(at(path, kind), data[kind])
        hook["path"] = None if text is None else _resolve(check, at(path, kind), text, base_dir)
        good = hook["path"] is not None
        if good and kind == "playbook":
            hook["argv"] = ["ansible-playbook", hook["path"], "--extra-vars", json.dumps(context, sort_keys=True)]
    return hook if good and timeout is not None and on_failure is not None else None
