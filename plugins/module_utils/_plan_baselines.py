# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The ways evacuations are commonly run, as plans in the planner's format, to compare against.

Every baseline starts from the same partitions, hard constraints and model as the planner
(``_plan_build.setting``) and leaves the mover service partitions to the HMC (the first pair with
room, as ``migrlpar`` picks them when none is named). A new migration starts when one ends.

* ``serial``: one migration at a time, in partition ID order, each to the target with the most
  free memory.
* ``hmc_all``: ``migrlpar --all`` to one target (the allowed target that takes the most partitions)
  at a fixed concurrency (``hmc_concurrency``, default 4: ``num_active_migrations_configured``
  defaults to 4), in partition ID order. Partitions that target cannot take stay.
* ``powervc``: largest memory first, each to the target with the most free memory at that point,
  at most 8 at once.
* ``nova``: at most 4 at once, in a random order (seeded), each to the target with the most free
  memory at that point.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import PlanResult, Setting, finish
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity
from ansible_collections.powervm.lpm.plugins.module_utils._plan_schedule import Scheduled, jobs_for, limits_for
from ansible_collections.powervm.lpm.plugins.module_utils._plan_sim import Dispatch, simulate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import Decision, Partition, Unmovable

BASELINES = ("serial", "hmc_all", "powervc", "nova")


@dataclass(frozen=True)
class BaselineOptions:
    hmc_concurrency: int = 4
    powervc_cap: int = 8
    nova_cap: int = 4
    seed: int = 0  # of the nova order


def _most_free(s: Setting, parts: Sequence[Partition], name: str) -> tuple[dict[str, str], dict[str, Decision], list[Unmovable]]:
    """Each partition, in the order given, to the feasible target with the most free memory left."""
    capacity = Capacity.of(s.targets.values(), s.policy)
    target_of: dict[str, str] = {}
    decisions: dict[str, Decision] = {}
    unmovable: list[Unmovable] = []
    for part in parts:
        fits = [t for t in s.options[part.name] if capacity.shortfall(part, t) is None]
        if not fits:
            unmovable.append(Unmovable(part.name, "no_capacity", f"no target has room for {part.name} in the {name} placement"))
            continue
        target = max(fits, key=lambda t: capacity.room[t].mem_mb)
        capacity.take(part, target)
        target_of[part.name] = target
        decisions[part.name] = Decision(part.name, "target", target, f"baseline_{name}")
    return target_of, decisions, unmovable


def _single_target(s: Setting, parts: Sequence[Partition]) -> tuple[dict[str, str], dict[str, Decision], list[Unmovable]]:
    """All partitions that fit, in the order given, to the one target that takes the most of them."""
    best: tuple[int, str] | None = None
    for target in sorted(s.targets):
        capacity = Capacity.of(s.targets.values(), s.policy)
        count = 0
        for part in parts:
            if target in s.options[part.name] and capacity.shortfall(part, target) is None:
                capacity.take(part, target)
                count += 1
        if best is None or count > best[0]:
            best = (count, target)
    chosen = best[1] if best is not None else ""
    capacity = Capacity.of(s.targets.values(), s.policy)
    target_of: dict[str, str] = {}
    decisions: dict[str, Decision] = {}
    unmovable: list[Unmovable] = []
    for part in parts:
        if chosen in s.options[part.name] and capacity.shortfall(part, chosen) is None:
            capacity.take(part, chosen)
            target_of[part.name] = chosen
            decisions[part.name] = Decision(part.name, "target", chosen, "baseline_hmc_all")
        else:
            unmovable.append(Unmovable(part.name, "baseline_single_target", f"{chosen} cannot take {part.name}"))
    return target_of, decisions, unmovable


def baseline(name: str, s: Setting, options: BaselineOptions | None = None) -> PlanResult:
    """The plan the named baseline (one of BASELINES) makes for a setting."""
    opts = options or BaselineOptions()
    by_id = sorted(s.movable, key=lambda p: (p.id, p.name))
    if name == "serial":
        parts, cap = by_id, 1
        target_of, decisions, unmovable = _most_free(s, parts, name)
    elif name == "hmc_all":
        parts, cap = by_id, opts.hmc_concurrency
        target_of, decisions, unmovable = _single_target(s, parts)
    elif name == "powervc":
        parts, cap = sorted(s.movable, key=lambda p: (-p.mem_mb, p.name)), opts.powervc_cap
        target_of, decisions, unmovable = _most_free(s, parts, name)
    elif name == "nova":
        parts = sorted(s.movable, key=lambda p: p.name)
        random.Random(opts.seed).shuffle(parts)
        cap = opts.nova_cap
        target_of, decisions, unmovable = _most_free(s, parts, name)
    else:
        raise ValueError(f"unknown baseline {name}: choose one of {', '.join(BASELINES)}")
    jobs = jobs_for([p for p in s.movable if p.name in target_of], target_of, s.policy)
    index = {j.name: i for i, j in enumerate(jobs)}
    order = tuple(index[p.name] for p in parts if p.name in index)
    dispatch = Dispatch(order, msp_choice="first", max_concurrent=cap, on_suspend=False)
    scheduled = Scheduled(dispatch, simulate(jobs, limits_for(s.source, s.targets, s.policy), dispatch, s.physics), f"baseline_{name}", 1)
    return finish(s, jobs, scheduled, decisions, s.unmovable + unmovable, "hmc_first_pair_with_room")
