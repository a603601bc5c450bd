# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation plan of one source system: which partitions move, where, over which MSPs, when.

:func:`evacuation_plan` reads the estate facts, applies the policy and the hard constraints,
places the partitions, schedules the migrations and bounds the makespan. It computes only: nothing
here talks to an HMC. The same input (whatever the order of its dicts) always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts
from ansible_collections.powervm.lpm.plugins.module_utils._plan_bound import Bound, Estimate, estimate, lower_bound
from ansible_collections.powervm.lpm.plugins.module_utils._plan_constraints import Capacity, Verdict, source_reasons, target_reasons
from ansible_collections.powervm.lpm.plugins.module_utils._plan_estate import partitions, system
from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Physics
from ansible_collections.powervm.lpm.plugins.module_utils._plan_output import migrations_of
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import PlanInputError
from ansible_collections.powervm.lpm.plugins.module_utils._plan_placement import place
from ansible_collections.powervm.lpm.plugins.module_utils._plan_schedule import Scheduled, jobs_for, limits_for, schedule
from ansible_collections.powervm.lpm.plugins.module_utils._plan_sim import Job
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Decision, Partition, Policy, System, Unmovable


@dataclass
class Setting:
    """Everything the planners (ours and the baselines) start from."""

    source: System
    targets: dict[str, System]
    parts: list[Partition]
    movable: list[Partition]
    options: dict[str, list[str]]  # partition -> feasible targets, by name
    verdicts: dict[tuple[str, str], Verdict]
    unmovable: list[Unmovable]
    estimates: dict[str, Estimate]
    physics: Physics
    policy: Policy
    warnings: list[str] = field(default_factory=list)


@dataclass
class PlanResult:
    """A plan: the migrations in start order and everything that explains it."""

    migrations: list[dict[str, Any]]
    unmovable: list[Unmovable]
    decisions: list[Decision]
    bound: Bound
    eta_s: float
    warnings: list[str]
    search: dict[str, Any]

    @property
    def ratio(self) -> float | None:
        return self.eta_s / self.bound.value if self.bound.value > 0 else None

    def as_dict(self) -> dict[str, Any]:
        ratio = self.ratio
        placement = self.eta_s / self.bound.value_placement if self.bound.value_placement > 0 else None
        return {
            "plan": self.migrations,
            "eta_seconds": round(self.eta_s, 3),
            "lb": {**self.bound.as_dict(), "bottleneck": self.bound.bottleneck()},
            "bottleneck": self.bound.bottleneck(),
            "ratio": round(ratio, 4) if ratio is not None else None,
            "ratio_placement": round(placement, 4) if placement is not None else None,
            "unmovable": [u.as_dict() for u in self.unmovable],
            "decisions": [d.as_dict() for d in self.decisions],
            "warnings": self.warnings,
            "search": self.search,
        }


def _targets(estate: EstateFacts, source: str, wanted: Sequence[str] | None) -> list[str]:
    systems = estate["systems"]
    if source not in systems:
        raise PlanInputError(f"source system {source} is not in the estate")
    names = sorted(set(wanted)) if wanted else sorted(n for n in systems if n != source)
    unknown = [n for n in names if n not in systems]
    if unknown:
        raise PlanInputError(f"target systems not in the estate: {', '.join(unknown)}")
    if source in names:
        raise PlanInputError(f"the source system {source} cannot be a target")
    if not names:
        raise PlanInputError("there is no target system")
    return names


def _why_not_anywhere(part: Partition, verdicts: Mapping[str, Verdict]) -> Unmovable:
    by_target = {t: v.reasons[0].code for t, v in sorted(verdicts.items())}
    codes = {r.code for v in verdicts.values() for r in v.reasons[:1]}
    code = codes.pop() if len(codes) == 1 else "no_feasible_target"
    detail = "; ".join(f"{t}: {', '.join(r.detail for r in v.reasons)}" for t, v in sorted(verdicts.items()))
    return Unmovable(part.name, code, detail, by_target)


def setting(estate: EstateFacts, source: str, targets: Sequence[str] | None, policy: Policy, physics: Physics) -> Setting:
    """Read the estate and sort the partitions into movable (with their feasible targets) and not."""
    names = _targets(estate, source, targets)
    src = system(estate, source, physics, policy)
    dests = {n: system(estate, n, physics, policy) for n in names}
    parts = partitions(estate, source, physics, policy)
    unmovable, movable = [], []
    options: dict[str, list[str]] = {}
    verdicts: dict[tuple[str, str], Verdict] = {}
    for part in parts:
        pinned = policy.pin.get(part.name)
        if part.name in policy.exclude:
            unmovable.append(Unmovable(part.name, "excluded", "excluded by the policy"))
            continue
        blockers = [*part.blockers, *source_reasons(part, src)]
        if blockers:
            unmovable.append(Unmovable(part.name, blockers[0].code, "; ".join(b.detail for b in blockers)))
            continue
        if part.kind == INACTIVE and policy.inactive == "stay":
            unmovable.append(Unmovable(part.name, "inactive_stays", "the policy keeps inactive partitions on the source"))
            continue
        if pinned is not None and pinned not in dests:
            unmovable.append(Unmovable(part.name, "pinned_target_not_allowed", f"pinned to {pinned}, which is not an allowed target"))
            continue
        checked = {n: target_reasons(part, src, dests[n], policy) for n in ([pinned] if pinned else names)}
        for n, verdict in checked.items():
            verdicts[(part.name, n)] = verdict
        ok = [n for n in sorted(checked) if checked[n].feasible]
        if not ok:
            found = _why_not_anywhere(part, checked)
            if pinned:
                found = Unmovable(part.name, "pinned_target_infeasible", found.detail, found.by_target)
            unmovable.append(found)
            continue
        options[part.name] = ok
        movable.append(part)
    estimates = {p.name: estimate(p, src, [dests[t] for t in options[p.name]], physics) for p in movable}
    warnings = _warnings(src, dests)
    return Setting(src, dests, parts, movable, options, verdicts, unmovable, estimates, physics, policy, warnings)


def _warnings(source: System, targets: Mapping[str, System]) -> list[str]:
    out = []
    for s in (source, *(targets[n] for n in sorted(targets))):
        if s.avail_mem_mb is None or s.avail_proc_units is None:
            out.append(f"the available memory or processors of {s.name} are not known: not checked")
    return out


def horizon(s: Setting) -> float:
    """The time the source needs anyway: its egress bytes, or its concurrency slots."""
    active = [p for p in s.movable if p.kind != INACTIVE]
    egress = sum(m.payload_mbs for m in s.source.msps)
    by_bytes = sum(s.estimates[p.name].volume_mb for p in active) / egress if egress > 0 else 0.0
    slots = max(1, min(s.source.active_cap, sum(m.cap for m in s.source.msps)))
    by_slots = sum(s.estimates[p.name].solo_s for p in active) / slots
    return max(by_bytes, by_slots)


def finish(s: Setting, jobs: Sequence[Job], scheduled: Scheduled, decisions: Mapping[str, Decision], unmovable: list[Unmovable], msp_reason: str) -> PlanResult:
    """The plan of a schedule of ``jobs``: migrations, decisions, bound."""
    target_of = {j.name: j.target for j in jobs}
    by_name = {p.name: p for p in s.movable}
    migrations, started = migrations_of(jobs, scheduled, by_name, s.source, s.targets)
    stuck = [j.name for j, o in zip(jobs, scheduled.result.outcomes) if o is None]
    all_unmovable = list(unmovable) + [Unmovable(n, "no_migration_slot", "no schedule could start this migration under the caps") for n in stuck]
    out_decisions: list[Decision] = []
    for m in migrations:
        name = m["lpar"]
        if name in decisions:
            out_decisions.append(decisions[name])
        for note in by_name[name].notes:
            out_decisions.append(Decision(name, "note", note.code, note.code, {"detail": note.detail}))
        verdict = s.verdicts.get((name, m["target_system"]))
        for note in verdict.notes if verdict is not None else ():
            out_decisions.append(Decision(name, "note", note.code, note.code, {"detail": note.detail}))
        if m["source_msp"] is not None:
            out_decisions.append(Decision(name, "msp_pair", [m["source_msp"], m["dest_msp"]], msp_reason))
        out_decisions.append(
            Decision(
                name, "start", m["start_s"], scheduled.order_name,
                {"order": m["order"], "link_limit": scheduled.dispatch.link_limit, "start_after": m["start_after"]},
            )  # fmt: skip
        )
    for u in sorted(all_unmovable, key=lambda u: u.lpar):
        out_decisions.append(Decision(u.lpar, "unmovable", None, u.reason, {"detail": u.detail}))
    moving = [(by_name[n], target_of[n]) for n in started]
    bound = lower_bound(moving, s.source, s.targets, s.options, s.physics, s.policy)
    search = {
        "order": scheduled.order_name,
        "link_limit": scheduled.dispatch.link_limit,
        "evaluations": scheduled.evaluations,
        "events": scheduled.result.events,
    }
    return PlanResult(migrations, sorted(all_unmovable, key=lambda u: u.lpar), out_decisions, bound, scheduled.result.makespan, s.warnings, search)


def solo_times(s: Setting) -> dict[tuple[str, str], float]:
    """(partition, target) -> the partition's migration time alone to that target, where it has a choice."""
    out = {}
    for part in s.movable:
        targets = s.options[part.name]
        if len(targets) > 1 and part.kind != INACTIVE:
            for target in targets:
                out[(part.name, target)] = estimate(part, s.source, [s.targets[target]], s.physics).solo_s
    return out


def plan(s: Setting) -> PlanResult:
    """Our plan for a setting."""
    capacity = Capacity.of(s.targets.values(), s.policy)
    placement = place(s.movable, s.options, s.targets, s.policy.pin, s.estimates, capacity, horizon(s), solo_times(s))
    limits = limits_for(s.source, s.targets, s.policy)
    placed = [p for p in s.movable if p.name in placement.target_of]
    jobs = jobs_for(placed, placement.target_of, s.policy)
    # The schedule weighs each migration by its time to the target it goes to, not to the best one.
    placed_estimates = {p.name: estimate(p, s.source, [s.targets[placement.target_of[p.name]]], s.physics) for p in placed}
    scheduled = schedule(jobs, limits, placed_estimates, s.physics, s.policy)
    return finish(s, jobs, scheduled, placement.decisions, s.unmovable + placement.unmovable, "least_loaded_links")


def evacuation_plan(estate: EstateFacts, source: str, targets: Sequence[str] | None, policy: Policy, physics: Physics) -> PlanResult:
    """Plan the evacuation of ``source`` to ``targets`` (all other systems when empty)."""
    return plan(setting(estate, source, targets, policy, physics))
