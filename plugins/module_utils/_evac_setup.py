# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""What a run is set up with: the planner's view for retries, the caps, the room left, each migration's request.

- :func:`retry_setting`: the planner's setting of the estate facts (systems with their usable MSPs,
  partitions, policy), for re-planning a partition after a failure; empty without facts.
- :func:`caps_for`: the HMC's caps per system (``lslparmigr -r sys``, active and inactive apart) and the
  policy's - in all, per system, per MSP and MSP pair - counted as the planner counts them
  (``_concurrency_limits``); migrations of this evacuation already in flight count as its own.
- :func:`room_left`: what each target has left once the partitions still to move are counted.
- :func:`spec_for`: the ``migrlpar -o m`` request of a migration: MSP pair, the partition's shared
  pool (when it is not the default one), and for the return home its original ID and VIOS layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_SYSTEM_CAP, run_cap
from ansible_collections.powervm.lpm.plugins.module_utils._evac_caps import Caps
from ansible_collections.powervm.lpm.plugins.module_utils._evac_dispatch import WAITING, Track
from ansible_collections.powervm.lpm.plugins.module_utils._evac_retry import Setting
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, Options
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import SystemCapacity
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import MigrationSpec
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import setting as plan_setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import PlanInputError, physics_from, policy_from

DEFAULT_POOL = "DefaultPool"


def retry_setting(
    estate: Mapping[str, Any] | None, options: Options, policy: Mapping[str, Any], physics: Mapping[str, Any], targets: Sequence[str], warnings: list[str]
) -> Setting:
    plan_policy = policy_from(policy)
    allowed = [t for t in (options.targets or targets) if t != options.source]
    if not estate:
        return Setting(None, {}, {}, plan_policy)
    try:
        s = plan_setting(cast(EstateFacts, estate), options.source, allowed, plan_policy, physics_from(physics))
    except (PlanInputError, KeyError, TypeError) as exc:
        warnings.append(f"retries use the planned target and HMC-chosen MSPs only: the estate facts cannot be planned with ({exc})")
        return Setting(None, {}, {}, plan_policy)
    return Setting(s.source, s.targets, {p.name: p for p in s.parts}, plan_policy)


def capacities(client: CommandRunner, systems: Sequence[str], warnings: list[str]) -> dict[str, SystemCapacity]:
    out = {}
    for system in systems:
        try:
            out[system] = read_capacity(client, system)
        except HmcError as exc:
            # The planner assumes the same limit for a system that reports none.
            out[system] = SystemCapacity(system, DEFAULT_SYSTEM_CAP, 0, DEFAULT_SYSTEM_CAP, 0)
            warnings.append(f"the concurrent migration limits of {system} could not be read ({exc.message}); "
                            f"{DEFAULT_SYSTEM_CAP} active and {DEFAULT_SYSTEM_CAP} inactive migrations at once are assumed, as the plan does")
    return out


def caps_for(options: Options, retry: Setting, found: Mapping[str, SystemCapacity], attached: Sequence[Track]) -> Caps:
    limits: dict[tuple[str, str], int] = {}
    for system in [retry.source, *retry.targets.values()]:
        for msp in system.msps if system is not None else ():
            # The facts count the migrations in flight as others'; those of this evacuation are its own.
            limits[(msp.system, msp.name)] = msp.cap + sum(1 for t in attached if (msp.system, msp.name) in t.slot().msps)
    policy = retry.policy
    per_system = {"active": policy.max_per_system, "inactive": policy.max_inactive_per_system}
    return Caps(run_cap(policy.max_concurrent, options.max_concurrent), found, limits, policy.max_per_msp_pair, options.groups,
                [t.slot() for t in attached], per_system)


def room_left(retry: Setting, tracks: Sequence[Track]) -> Capacity | None:
    if not retry.targets:
        return None
    capacity = Capacity.of(retry.targets.values(), retry.policy)
    for track in tracks:
        part = retry.parts.get(track.lpar)
        if part is not None and track.state == WAITING and track.entry.target in capacity.room:
            capacity.take(part, track.entry.target)
    return capacity


def _partition_id(estate: Mapping[str, Any] | None, system: str, name: str) -> int | None:
    """The partition ID of ``name`` on ``system`` in the estate facts, when they hold it."""
    part = (estate or {}).get("systems", {}).get(system, {}).get("partitions", {}).get(name) if name else None
    return part["id"] if part and isinstance(part.get("id"), int) else None


def spec_for(entry: Entry, options: Options, estate: Mapping[str, Any] | None, used_ids: Mapping[str, set[int]]) -> MigrationSpec:
    over = options.overrides.get(entry.lpar)
    pool = ""
    if over is not None and over.shared_proc_pool:
        pool = over.shared_proc_pool
    elif options.keep_shared_pool and estate:
        part = estate.get("systems", {}).get(entry.source, {}).get("partitions", {}).get(entry.lpar)
        proc = part["processors"] if part else None
        if proc and proc.get("mode") != "ded" and proc.get("pool_name") not in (None, "", DEFAULT_POOL):
            pool = str(proc["pool_name"])
    spec = MigrationSpec(target=entry.target, source_msp=entry.source_msp, dest_msp=entry.dest_msp, shared_proc_pool=pool,
                         source_msp_id=_partition_id(estate, entry.source, entry.source_msp),
                         dest_msp_id=_partition_id(estate, entry.target, entry.dest_msp))
    if over is not None:
        lpar_id = over.dest_lpar_id if over.dest_lpar_id not in used_ids.get(entry.target, set()) else None
        spec = dataclasses.replace(spec, scsi_mappings=over.scsi_mappings, fc_mappings=over.fc_mappings, dest_lpar_id=lpar_id)
    return spec
