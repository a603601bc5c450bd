# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Pre- and post-hooks of disruption groups, run by the playbook while the evacuation runs.

Hooks are Ansible tasks (or a playbook, or a command) that the evacuation playbook runs between two
progress reports; the run only says when one is due and waits for its answer where it must:

- a group with a pre-hook keeps its members on the source until the playbook answered that hook
  (``ok``, or failed with ``on_failure: continue``); a failed hook with ``on_failure: abort`` leaves
  the members on the source (``hook_failed``);
- a post-hook is due once every member of the group has moved or is left; nothing waits for it.

The answers (acks) are a JSON file ``STATE_DIR/NAME.hooks.json``, ``{"GROUP/PHASE": {"ok", "detail",
"at"}}``, written by the ``evacuation_progress`` action; a hook with an answer is never due again,
also in a rerun.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import HookGate

PRE, POST = "pre", "post"


def key(group: str, phase: str) -> str:
    return f"{group}/{phase}"


def read_acks(path: str) -> dict[str, dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return {str(k): dict(v) for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def write_acks(path: str, answers: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Add answers (``group``, ``phase``, ``ok``, ``detail``) to the file; returns its new content."""
    acks = read_acks(path)
    for answer in answers:
        acks[key(str(answer["group"]), str(answer["phase"]))] = {"ok": bool(answer.get("ok")), "detail": str(answer.get("detail") or ""), "at": time.time()}
    fd, tmp = tempfile.mkstemp(prefix=".hooks-", dir=os.path.dirname(path) or ".")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(acks, handle, sort_keys=True)
    os.replace(tmp, path)
    return acks


class Hooks:
    """The hook state of one run: which groups may start, which hooks are due."""

    def __init__(self, gate: HookGate, groups: Mapping[str, Iterable[str]], path: str) -> None:
        self.gate = gate
        self.groups = {name: tuple(members) for name, members in groups.items()}
        self.path = path
        self.acks: dict[str, dict[str, Any]] = {}
        self._mtime: float | None = None

    def refresh(self) -> None:
        try:
            mtime = os.stat(self.path).st_mtime
        except OSError:
            return
        if mtime != self._mtime:
            self._mtime = mtime
            self.acks = read_acks(self.path)

    def answered(self, group: str, phase: str) -> bool:
        return key(group, phase) in self.acks

    def groups_of(self, lpar: str) -> list[str]:
        return [g for g, members in self.groups.items() if lpar in members]

    def held_by(self, lpar: str) -> str | None:
        """The group whose pre-hook has not been answered yet and keeps this partition waiting."""
        for group in self.groups_of(lpar):
            if group in self.gate.pre and not self.answered(group, PRE):
                return group
        return None

    def failed_by(self, lpar: str) -> tuple[str, str] | None:
        """(group, detail) when a failed pre-hook with on_failure abort keeps this partition on the source."""
        for group in self.groups_of(lpar):
            ack = self.acks.get(key(group, PRE))
            if ack is not None and not ack.get("ok") and group in self.gate.abort_on_failure:
                return group, str(ack.get("detail") or "the pre-hook failed")
        return None

    def post_due(self, settled: set[str], touched: set[str]) -> list[str]:
        """Groups with a post-hook not answered whose members are all settled and one of which this
        evacuation moved or tried to move."""
        out = []
        for group in self.gate.post:
            members = self.groups.get(group, ())
            if members and not self.answered(group, POST) and set(members) <= settled and touched & set(members):
                out.append(group)
        return out
