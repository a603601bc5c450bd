# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""What an evacuation does after a migration failed: try again elsewhere, or give up on the partition.

- A migration that failed while it ran (``Migration Failed``, then recovered) or that the HMC refused
  for a mover service partition reason is tried again on **another MSP pair** of the same target
  (one not tried yet, least loaded; the same pair again when there is no other).
- A migration the HMC refused for another reason is tried on **another allowed target** (with
  ``retry_other_target``): the partition is re-planned with the planner's own constraint code
  (``target_reasons`` and the room each target has left), excluding the targets that refused it.
- A partition that still needs recovery, whose migration timed out (it may still run), or that has
  had ``max_attempts`` attempts is **quarantined**: it stays where it is and is listed as left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import MigrationResult
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity, target_reasons
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Partition, Policy, System

# HSCL codes of validation failures about the mover service partitions (twin data/messages.yaml).
MSP_CODES = frozenset({"HSCLA234", "HSCLA244", "HSCLA25B"})
RUNTIME, MSP, TARGET = "runtime", "msp", "target"


@dataclass(frozen=True)
class Retry:
    target: str
    source_msp: str
    dest_msp: str
    reason: str  # other_msp_pair, same_msp_pair, other_target


@dataclass(frozen=True)
class GiveUp:
    reason: str  # the report's left reason: failed or recovered
    detail: str


@dataclass
class Setting:
    """What the retry needs from the planner's view of the estate (None parts when facts are missing)."""

    source: System | None
    targets: Mapping[str, System]
    parts: Mapping[str, Partition]
    policy: Policy


def failure_kind(result: MigrationResult) -> str:
    if result.recovered or result.hscl_code == "HSCLA24B" or "migration failed" in result.message:
        return RUNTIME
    if result.hscl_code in MSP_CODES:
        return MSP
    return TARGET


def _pairs(source: System | None, target: System | None) -> list[tuple[str, str]]:
    if source is None or target is None:
        return []
    return [(s.name, d.name) for s in source.msps for d in target.msps]


Load = Callable[[str, tuple[str, str]], int]  # (target, MSP pair) -> migrations running on those MSPs


def other_pair(source: System | None, target: System | None, tried: Sequence[tuple[str, str]], load: Load) -> tuple[str, str] | None:
    """A pair not tried yet, preferring ones sharing no MSP with the last one tried, then the least loaded."""
    pairs = [p for p in _pairs(source, target) if p not in tried]
    if not pairs:
        return None
    last = tried[-1] if tried else ("", "")
    return min(pairs, key=lambda p: (p[0] == last[0], p[1] == last[1], load(target.name if target else "", p), p))


def other_target(
    part: Partition | None,
    setting: Setting,
    refused: Iterable[str],
    capacity: Capacity | None,
) -> str | None:
    """The allowed target with the most room left that the planner's constraints accept, not yet refused."""
    if part is None or setting.source is None:
        return None
    skip = set(refused)
    ok = []
    for name in sorted(setting.targets):
        if name in skip or not target_reasons(part, setting.source, setting.targets[name], setting.policy).feasible:
            continue
        if capacity is not None and capacity.shortfall(part, name) is not None:
            continue
        ok.append(name)
    if not ok:
        return None
    if capacity is None:
        return ok[0]
    return max(ok, key=lambda n: (capacity.headroom(part, n), n))


def least_loaded_pair(source: System | None, target: System | None, load: Load) -> tuple[str, str]:
    pairs = _pairs(source, target)
    return min(pairs, key=lambda p: (load(target.name if target else "", p), p)) if pairs else ("", "")


def decide(
    result: MigrationResult,
    kind: str,
    attempts: int,
    max_attempts: int,
    tried: Sequence[tuple[str, str, str]],
    setting: Setting,
    retry_other_target: bool,
    capacity: Capacity | None,
    load: Load,
) -> Retry | GiveUp:
    """The next attempt for a partition whose attempt ``attempts`` just failed with ``result``."""
    left = "recovered" if result.recovered else "failed"
    why = result.message or "the migration failed"
    if result.recovery_message and not result.recovered:
        return GiveUp("failed", f"{why}; {result.recovery_message}")
    if "did not finish within" in why or "was not stopped" in why:
        return GiveUp("failed", f"{why}; a rerun follows it if it still runs")
    if attempts >= max_attempts:
        return GiveUp(left, f"quarantined after {attempts} attempts; last: {why}")
    target = result.target
    failure = failure_kind(result)
    if failure in (RUNTIME, MSP) or kind == INACTIVE:
        if kind == INACTIVE:
            return Retry(target, "", "", "same_target")
        pair = other_pair(setting.source, setting.targets.get(target), [(s, d) for t, s, d in tried if t == target], load)
        if pair is not None:
            return Retry(target, pair[0], pair[1], "other_msp_pair")
        if failure == RUNTIME:
            last = next(((s, d) for t, s, d in reversed(tried) if t == target), ("", ""))
            return Retry(target, last[0], last[1], "same_msp_pair")
    if not retry_other_target:
        return GiveUp(left, f"{why}; no other MSP pair to try and retry_other_target is off")
    refused = {t for t, _s, _d in tried}
    new = other_target(setting.parts.get(result.name), setting, refused, capacity)
    if new is None:
        return GiveUp(left, f"{why}; no other allowed target can take it")
    pair = least_loaded_pair(setting.source, setting.targets.get(new), load)
    return Retry(new, pair[0], pair[1], "other_target")
