# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Action of powervm.lpm.evacuation: ties the run to this ansible-playbook and marks its progress file.

The module usually runs in the background (``async``, ``poll: 0``), detached from the playbook's
process group. So that killing or interrupting the playbook also stops the evacuation from starting
new migrations, the module gets ``watch_pid``: the PID of the ansible-playbook process (the parent of
this worker process). ``run_token`` marks the progress file of this run for
powervm.lpm.evacuation_progress. Both can be given explicitly.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        token = str(args.get("run_token") or uuid.uuid4().hex)
        args["run_token"] = token
        if args.get("watch_pid") is None:
            args["watch_pid"] = os.getppid()
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_name="powervm.lpm.evacuation", module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        result["run_token"] = token
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
