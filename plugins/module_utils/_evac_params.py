# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation module's validated parameters as typed :class:`Options`, and its argument spec."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_manifest as manifests
from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT, run_cap
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import HookGate, Options, Overrides, entries_of
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import PlanInputError, policy_from

DEFAULT_STATE_DIR = "~/.ansible/powervm_lpm/evacuations"
POSITIVE = ("clock_scale", "duration_scale", "poll_interval", "migration_timeout", "max_attempts", "max_concurrent")

ARGSPEC: dict[str, dict[str, Any]] = {
    "plan": {"type": "dict", "required": True},
    "source_system": {"type": "str", "required": True},
    "target_systems": {"type": "list", "elements": "str", "default": []},
    "name": {"type": "str"},
    "state_dir": {"type": "path", "default": DEFAULT_STATE_DIR},
    "estate": {"type": "dict"},
    "policy": {"type": "dict"},
    "physics": {"type": "dict"},
    "hooks": {
        "type": "dict",
        "options": {
            "pre": {"type": "list", "elements": "str", "default": []},
            "post": {"type": "list", "elements": "str", "default": []},
            "abort_on_failure": {"type": "list", "elements": "str", "default": []},
        },
    },
    "deadline": {"type": "str"},
    "clock_scale": {"type": "float", "default": 1.0},
    "duration_scale": {"type": "float", "default": 1.0},
    "max_attempts": {"type": "int", "default": 3},
    "retry_other_target": {"type": "bool", "default": True},
    "recover_on_failure": {"type": "bool", "default": True},
    "stop_on_failure": {"type": "bool", "default": False},
    "keep_shared_pool": {"type": "bool", "default": True},
    "max_concurrent": {"type": "int"},  # default: _concurrency_limits.DEFAULT_MAX_CONCURRENT (no cap in all)
    "poll_interval": {"type": "float", "default": 10.0},
    "migration_timeout": {"type": "int", "default": 3600},
    "replan": {"type": "bool", "default": False},
    "lock_wait": {"type": "float", "default": 120.0},
    "hook_wait": {"type": "float", "default": 3600.0},
    "watch_pid": {"type": "int"},
    "run_token": {"type": "str", "default": "", "no_log": False},
    "manifest_path": {"type": "path"},
    "restore_from_manifest": {"type": "bool", "default": False},
    "not_ready": {"type": "dict", "default": {}},
    "postchecks": {"type": "bool", "default": True},
}


def parse_deadline(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise HmcInputError(f"deadline {text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise HmcInputError(f"deadline {text!r} has no timezone (add Z or +hh:mm)")
    return moment.timestamp()


def _overrides(params: Mapping[str, Any]) -> dict[str, Overrides]:
    if not params.get("restore_from_manifest"):
        return {}
    path = params.get("manifest_path")
    if not path:
        raise HmcInputError("restore_from_manifest needs manifest_path")
    try:
        manifest = manifests.read(path)
    except (OSError, ValueError) as exc:
        raise HmcInputError(f"the manifest cannot be read: {exc}") from None
    if manifest is None:
        raise HmcInputError(f"the manifest {path} does not exist")
    out = {}
    for entry in entries_of(params["plan"]):
        found = manifests.restore_overrides(manifest, entry.lpar)
        if found is not None:
            out[entry.lpar] = Overrides.from_dict(found)
    return out


def options_of(params: Mapping[str, Any]) -> Options:
    for name in POSITIVE:
        if params[name] is not None and params[name] <= 0:
            raise HmcInputError(f"{name} must be greater than 0")
    try:
        policy = policy_from(params.get("policy") or {})
    except PlanInputError as exc:
        raise HmcInputError(f"policy: {exc}") from None
    hooks = params.get("hooks") or {}
    groups = {g.name: g.members for g in policy.disruption_groups}
    unknown = sorted({*hooks.get("pre", []), *hooks.get("post", [])} - set(groups))
    if unknown:
        raise HmcInputError(f"hooks name disruption groups the policy does not define: {', '.join(unknown)}")
    return Options(
        source=params["source_system"],
        name=params.get("name") or params["source_system"],
        state_dir=params["state_dir"],
        targets=tuple(params.get("target_systems") or ()),
        groups=groups,
        hooks=HookGate(tuple(hooks.get("pre", [])), tuple(hooks.get("post", [])), tuple(hooks.get("abort_on_failure", []))),
        overrides=_overrides(params),
        not_ready={str(k): str(v) for k, v in (params.get("not_ready") or {}).items()},
        max_attempts=params["max_attempts"],
        retry_other_target=params["retry_other_target"],
        recover_on_failure=params["recover_on_failure"],
        stop_on_failure=params["stop_on_failure"],
        deadline=parse_deadline(params.get("deadline")),
        clock_scale=float(params["clock_scale"]),
        duration_scale=float(params["duration_scale"]),
        keep_shared_pool=params["keep_shared_pool"],
        max_concurrent=params["max_concurrent"] if params.get("max_concurrent") is not None else DEFAULT_MAX_CONCURRENT,
        poll_interval=float(params["poll_interval"]),
        migration_timeout=float(params["migration_timeout"]),
        replan=params["replan"],
        lock_wait=float(params["lock_wait"]),
        hook_wait=float(params["hook_wait"]),
        watch_pid=params.get("watch_pid"),
        run_token=params.get("run_token") or "",
        manifest_path=params.get("manifest_path") or "",
        restore=params["restore_from_manifest"],
        postchecks=params["postchecks"],
    )


def channels_for(params: Mapping[str, Any], options: Options, extra: int) -> int:
    """SSH channels the run may hold at once: one per migration that may be in flight, plus ``extra``.

    Without a cap in all, the systems' and MSPs' caps bound the migrations in flight; at most every
    planned one runs at once, so a channel never holds a migration back that the caps allow.
    """
    policy_cap = (params.get("policy") or {}).get("max_concurrent")
    cap = run_cap(int(policy_cap) if policy_cap is not None else None, options.max_concurrent)
    planned = len(entries_of(params.get("plan") or {}))
    return max(1, min(cap, planned) if cap is not None else planned) + extra
