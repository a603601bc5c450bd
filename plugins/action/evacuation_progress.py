# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action powervm.lpm.evacuation_progress: report on a running evacuation, on the controller.

It waits up to ``wait`` seconds and returns the progress table of the run (per partition in flight:
state, bytes sent and left, ETA), earlier when the run ended or a hook became due. Called in a loop
with ``loop_control.break_when``, each call is a task result of its own, so ansible-playbook prints
the table and AWX (ansible-runner) records a ``runner_item_on_ok`` event every ``wait`` seconds while
the migrations run. With ``answers`` it records the outcome of hooks the playbook ran. It reads files
only; it never talks to the HMC.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import key, read_acks, write_acks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_journal import JournalError, load
from ansible_collections.powervm.lpm.plugins.module_utils._evac_lock import pid_alive
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import DEFAULT_STATE_DIR
from ansible_collections.powervm.lpm.plugins.module_utils._evac_progress import headline, read_snapshot, table
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import safe_name

ARGSPEC = {
    "source_system": {"type": "str", "required": True},
    "name": {"type": "str"},
    "state_dir": {"type": "path", "default": DEFAULT_STATE_DIR},
    "token": {"type": "str", "default": ""},
    "jid": {"type": "str"},
    "wait": {"type": "float", "default": 15.0},
    "answers": {
        "type": "list",
        "elements": "dict",
        "default": [],
        "options": {
            "group": {"type": "str", "required": True},
            "phase": {"type": "str", "required": True, "choices": ["pre", "post"]},
            "ok": {"type": "bool", "required": True},
            "detail": {"type": "str", "default": ""},
        },
    },
    "journal": {"type": "bool", "default": False},
}
CHECK_EVERY = 0.25


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        _valid, args = self.validate_argument_spec(argument_spec=ARGSPEC)
        base = os.path.join(os.path.expanduser(args["state_dir"]), safe_name(args.get("name") or args["source_system"]))
        progress, hooks = f"{base}.progress.json", f"{base}.hooks.json"
        if args["answers"] and not self._task.check_mode:
            write_acks(hooks, args["answers"])
            result["changed"] = True
        finished, snapshot, why = self._wait(progress, hooks, args)
        acks = read_acks(hooks)
        due = [h for h in (snapshot or {}).get("hooks_due") or () if key(str(h.get("group")), str(h.get("phase"))) not in acks]
        data = snapshot or {"source": args["source_system"], "counts": {}, "lpars": []}
        lines = table({**data, "hooks_due": due, "finished": finished or data.get("finished")})
        result.update({
            "finished": finished, "why": why, "headline": headline({**data, "finished": finished}), "msg": lines,
            "counts": data.get("counts") or {}, "eta_seconds": data.get("eta_seconds"), "elapsed": data.get("elapsed"),
            "hooks_due": due,
        })  # fmt: skip
        if args["wait"] > 0:
            result["_ansible_verbose_always"] = True  # a progress report: shown like a debug message
        if args["journal"]:
            result["journal"] = _journal(f"{base}.journal.jsonl")
        return result

    def _wait(self, progress: str, hooks: str, args: dict[str, Any]) -> tuple[bool, dict[str, Any] | None, str]:
        deadline = time.monotonic() + max(0.0, float(args["wait"]))
        job = self._job_file(args.get("jid"))
        while True:
            snapshot = read_snapshot(progress)
            ours = snapshot is not None and (not args["token"] or snapshot.get("token") == args["token"])
            if ours and snapshot is not None and snapshot.get("finished"):
                return True, snapshot, "the evacuation ended"
            if job is not None and _job_done(job):
                return True, snapshot if ours else None, "the evacuation module ended"
            if ours and snapshot is not None and snapshot.get("interrupted") and not pid_alive(snapshot.get("pid")):
                return True, snapshot, "the evacuation stopped"
            if ours and snapshot is not None and _unanswered(snapshot, hooks):
                return False, snapshot, "a hook is due"
            if time.monotonic() >= deadline:
                return False, snapshot if ours else None, "time to report"
            time.sleep(CHECK_EVERY)

    def _job_file(self, jid: str | None) -> str | None:
        if not jid:
            return None
        async_dir = self.get_shell_option("async_dir", default="~/.ansible_async")
        return os.path.join(os.path.expanduser(str(async_dir)), jid)


def _job_done(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "started" not in data


def _unanswered(snapshot: dict[str, Any], hooks: str) -> bool:
    acks = read_acks(hooks)
    return any(key(str(h.get("group")), str(h.get("phase"))) not in acks for h in snapshot.get("hooks_due") or ())


def _journal(path: str) -> dict[str, Any]:
    try:
        state = load(path)
    except JournalError as exc:
        return {"exists": True, "readable": False, "error": str(exc)}
    plan = (state.plan or {}).get("plan")
    return {"exists": state.exists, "readable": True, "complete": state.complete, "runs": len(state.runs), "started": state.started, "plan": plan}
