# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Conversion of the lpar_migration module's validated parameters to TaskParams."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import AdapterMapping, MigrationSpec
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import RunnerOptions
from ansible_collections.powervm.lpm.plugins.module_utils._migration_task import TaskParams

# Options that describe one partition's resources.
SINGLE_LPAR_OPTIONS = ("dest_lpar_id", "virtual_scsi_mappings", "virtual_fc_mappings")
# Channels besides the migrations: the poller and a recovery or final read.
EXTRA_CHANNELS = 2


def _mappings(items: list[Mapping[str, Any]] | None) -> tuple[AdapterMapping, ...]:
    return tuple(
        AdapterMapping(
            client_slot=item["client_slot"],
            dest_vios=item.get("dest_vios") or "",
            dest_vios_id=item.get("dest_vios_id"),
            dest_vios_slot=item.get("dest_vios_slot"),
            dest_fc_port=item.get("dest_fc_port") or "",
        )
        for item in items or ()
    )


def task_params(params: Mapping[str, Any], check_mode: bool) -> TaskParams:
    """Typed task parameters from validated module parameters; raises HmcInputError on conflicts."""
    lpars = tuple(dict.fromkeys(params["lpars"]))
    if not lpars or not all(lpars):
        raise HmcInputError("lpars must name at least one partition, and no name may be empty")
    if params["state"] in ("migrated", "validated") and not params.get("target_system"):
        raise HmcInputError(f"state={params['state']} needs target_system")
    several = [name for name in SINGLE_LPAR_OPTIONS if params.get(name) is not None]
    if several and len(lpars) > 1:
        raise HmcInputError(f"{', '.join(several)} can only be used with a single partition in lpars")
    for name in ("max_concurrent", "poll_interval", "timeout"):
        if params.get(name) is not None and params[name] <= 0:
            raise HmcInputError(f"{name} must be greater than 0")
    overrides = {name: value for name, value in (params.get("overrides") or {}).items() if value is not None}
    spec = MigrationSpec(
        target=params.get("target_system") or "",
        source_msp=params.get("source_msp") or "",
        dest_msp=params.get("dest_msp") or "",
        scsi_mappings=_mappings(params.get("virtual_scsi_mappings")),
        fc_mappings=_mappings(params.get("virtual_fc_mappings")),
        shared_proc_pool=params.get("shared_proc_pool") or "",
        dest_profile=params.get("dest_profile") or "",
        dest_lpar_id=params.get("dest_lpar_id"),
        remote_hmc=params.get("remote_hmc") or "",
        remote_user=params.get("remote_user") or "",
        overrides=overrides,
    )
    timeout = params.get("timeout") or params.get("command_timeout") or RunnerOptions.timeout
    runner = RunnerOptions(
        max_concurrent=params["max_concurrent"],
        poll_interval=float(params["poll_interval"]),
        timeout=float(timeout),
        recover_on_failure=params["recover_on_failure"],
        stop_on_failure=params["stop_on_failure"],
        wait=params["wait"],
    )
    return TaskParams(
        lpars=lpars,
        state=params["state"],
        spec=spec,
        source_system=params.get("source_system") or "",
        keep_vios_layout=bool(params.get("keep_vios_layout")),
        runner=runner,
        check_mode=check_mode,
    )


def channels_needed(params: Mapping[str, Any]) -> int:
    return int(params["max_concurrent"]) + EXTRA_CHANNELS
