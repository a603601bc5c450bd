# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The start order of the migrations: candidates evaluated by simulation, then local improvement.

Concurrency pays only where it overlaps fixed overhead or uses links one stream cannot fill
(lpm-model.md §2.4), so most candidates time each start so that its memory copy begins when a stream
frees (``lead``); a source slot that timing would leave idle takes a migration whose copy is short
(``fill``), and on a source with several MSPs the longest migrations may keep their link to
themselves (``protect``). Orders, each migration weighed by its time to the target it goes to:

* ``critical_first``: the longest chain first - a partition's own time, or its disruption group's
  total when larger (group members run one after another) - then the longest migration first;
* ``largest_first``: most bytes first;
* ``small_fill``: critical_first, but migrations shorter than the fixed overhead first, so they run
  while the large ones are in their fixed phase;
* ``long_then_short``: the chains longer than half the horizon, then the others shortest first;
* ``interleaved`` (``interleaved_rev``): largest_first's larger half alternating with its smaller
  half (smallest first), so every wave mixes long copies with short ones;
* ``spread``: the migrations with a copy of more than ``SPREAD_COPY_S`` seconds, largest first, with
  the others spread evenly between them.

The candidates (an order and how it is dispatched) come in the order measured best on generated
fleets other than the benchmark's; each is simulated (``_plan_sim``, the same sharing model the plan
predicts with). A local search from the best one moves the migration that ends last earlier and
swaps neighbours while that helps; when it settles with budget left it starts again from the next
best candidate (``MAX_STARTS``). The budget counts simulated migrations, never wall-clock time, so
the same input always gives the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ansible_collections.powervm.lpm.plugins.module_utils._plan_bound import Estimate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Physics
from ansible_collections.powervm.lpm.plugins.module_utils._plan_sim import Dispatch, Job, Limits, Result, simulate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE, Partition, Policy, System

AUTO_BUDGET = 1200  # simulated migrations the search may spend when the policy sets no budget
MIN_EVALUATIONS = 4
MAX_EVALUATIONS = 200
MAX_STARTS = 3  # candidates the local search starts from, best first, while the budget lasts
SPREAD_COPY_S = 10.0  # spread: copies longer than this are the long ones


@dataclass(frozen=True)
class Scheduled:
    """The chosen dispatch, its simulation and how it was found."""

    dispatch: Dispatch
    result: Result
    order_name: str
    evaluations: int


def jobs_for(parts: Sequence[Partition], target_of: Mapping[str, str], policy: Policy) -> list[Job]:
    """One job per placed partition, in name order."""
    groups: dict[str, list[int]] = {}
    for g, group in enumerate(policy.disruption_groups):
        for member in group.members:
            groups.setdefault(member, []).append(g)
    return [
        Job(p.name, p.kind, target_of[p.name], p.touched_mb, p.dirty_mbs, p.wws_mb, tuple(groups.get(p.name, ())))
        for p in sorted(parts, key=lambda p: p.name)
        if p.name in target_of
    ]


def limits_for(source: System, targets: Mapping[str, System], policy: Policy) -> Limits:
    return Limits(
        source_msps=source.msps,
        target_msps={n: t.msps for n, t in sorted(targets.items())},
        source_active=source.active_cap,
        source_inactive=source.inactive_cap,
        target_active={n: t.active_cap for n, t in sorted(targets.items())},
        target_inactive={n: t.inactive_cap for n, t in sorted(targets.items())},
        max_concurrent=policy.max_concurrent,
        pair_cap=policy.max_per_msp_pair,
    )


def _chain(jobs: Sequence[Job], estimates: Mapping[str, Estimate]) -> list[float]:
    """Per job: the larger of its own time and its disruption groups' total times."""
    group_total: dict[int, float] = {}
    for job in jobs:
        for g in job.groups:
            group_total[g] = group_total.get(g, 0.0) + estimates[job.name].solo_s
    return [max([estimates[j.name].solo_s, *(group_total[g] for g in j.groups)]) for j in jobs]


def _horizon(jobs: Sequence[Job], limits: Limits, estimates: Mapping[str, Estimate]) -> float:
    """The time the source needs anyway: its egress bytes, or its concurrency slots."""
    active = [j for j in jobs if j.kind != INACTIVE]
    egress = sum(m.payload_mbs for m in limits.source_msps)
    caps = [limits.source_active, sum(m.cap for m in limits.source_msps)] + ([limits.max_concurrent] if limits.max_concurrent else [])
    by_bytes = sum(estimates[j.name].volume_mb for j in active) / egress if egress > 0 else 0.0
    return max(by_bytes, sum(estimates[j.name].solo_s for j in active) / max(1, min(caps)))


def orders(jobs: Sequence[Job], limits: Limits, estimates: Mapping[str, Estimate], physics: Physics) -> list[tuple[str, tuple[int, ...]]]:
    """The candidate orders, by name."""
    chain = _chain(jobs, estimates)
    solo = [estimates[j.name].solo_s for j in jobs]
    idx = range(len(jobs))
    critical = tuple(sorted(idx, key=lambda i: (-chain[i], -solo[i], jobs[i].name)))
    largest = tuple(sorted(idx, key=lambda i: (-jobs[i].touched_mb, -solo[i], jobs[i].name)))
    short = physics.active_fixed_s * 2
    quick = [i for i in critical if solo[i] <= short and jobs[i].touched_mb > 0]
    rest = set(critical) - set(quick)
    small = tuple(quick + [i for i in critical if i in rest])
    half = _horizon(jobs, limits, estimates) / 2
    long_then_short = tuple([i for i in critical if chain[i] >= half] + sorted((i for i in idx if chain[i] < half), key=lambda i: (solo[i], jobs[i].name)))
    halfway = (len(largest) + 1) // 2
    interleaved = _alternate(largest[:halfway], largest[halfway:])
    interleaved_rev = _alternate(largest[:halfway], largest[halfway:][::-1])
    copying = [i for i in largest if solo[i] - estimates[jobs[i].name].fixed_s > SPREAD_COPY_S]
    spread = _spread(copying, [i for i in largest if i not in set(copying)])
    return [
        ("critical_first", critical),
        ("largest_first", largest),
        ("small_fill", small),
        ("long_then_short", long_then_short),
        ("interleaved", interleaved),
        ("interleaved_rev", interleaved_rev),
        ("spread", spread),
    ]


def _alternate(first: Sequence[int], second: Sequence[int]) -> tuple[int, ...]:
    """first[0], second[0], first[1], second[1], ... and the rest of the longer one."""
    out: list[int] = []
    for k, i in enumerate(first):
        out.append(i)
        if k < len(second):
            out.append(second[k])
    out.extend(second[len(first) :])
    return tuple(out)


def _spread(long: Sequence[int], short: Sequence[int]) -> tuple[int, ...]:
    """``long`` in its order with ``short`` spread evenly after each of them."""
    if not long:
        return tuple(short)
    out: list[int] = []
    per = len(short) / len(long)
    taken = 0
    for k, i in enumerate(long):
        out.append(i)
        while taken < len(short) and taken < per * (k + 1):
            out.append(short[taken])
            taken += 1
    out.extend(short[taken:])
    return tuple(out)


def _score(result: Result) -> tuple[float, float]:
    ends = [o.end for o in result.outcomes if o is not None]
    unstarted = sum(1 for o in result.outcomes if o is None)
    return (unstarted * 1e12 + round(result.makespan, 6), round(sum(ends), 3))


def budget_for(count: int, policy: Policy) -> int:
    """How many simulations the search may run."""
    if policy.max_evaluations > 0:
        return policy.max_evaluations
    return max(MIN_EVALUATIONS, min(MAX_EVALUATIONS, AUTO_BUDGET // max(1, count)))


def small_jobs(jobs: Sequence[Job], estimates: Mapping[str, Estimate], physics: Physics) -> frozenset[int]:
    """Migrations whose memory copy alone takes less than their fixed phase before it."""
    return frozenset(i for i, j in enumerate(jobs) if j.kind != INACTIVE and estimates[j.name].solo_s - estimates[j.name].fixed_s < physics.pre_copy_fixed_s)


def long_jobs(jobs: Sequence[Job], limits: Limits, estimates: Mapping[str, Estimate]) -> frozenset[int]:
    """Migrations that alone take half the time the source needs anyway, when the source has more than one MSP."""
    if len(limits.source_msps) < 2:
        return frozenset()
    half = _horizon(jobs, limits, estimates) / 2
    return frozenset(i for i, j in enumerate(jobs) if j.kind != INACTIVE and estimates[j.name].solo_s >= half)


def candidates(jobs: Sequence[Job], limits: Limits, estimates: Mapping[str, Estimate], physics: Physics) -> list[tuple[str, Dispatch]]:
    """The dispatches to try, in the order a greedy choice found best on generated fleets (the benchmark's
    generator with other seeds): each adds the most to the best of those before it."""
    named = dict(orders(jobs, limits, estimates, physics))
    small = small_jobs(jobs, estimates, physics)
    lead = Dispatch((), lead=True)
    protected = long_jobs(jobs, limits, estimates)
    wanted = [
        ("critical_first", replace(lead, fill=60.0, fill_reserve=2)),
        ("largest_first", Dispatch(())),
        ("critical_first", replace(lead, fill=10.0, protect=protected)),
        ("interleaved", replace(lead, fill=5.0, fill_reserve=1)),
        ("small_fill", replace(lead, small=small, small_streams=1)),
        ("spread", replace(lead, fill=30.0, extra_streams=1)),
        ("critical_first", replace(lead, small=small, small_streams=1)),
        ("critical_first", replace(lead, fill=10.0)),
        ("long_then_short", replace(lead, fill=30.0, fill_reserve=1)),
        ("critical_first", replace(lead, fill=30.0, extra_streams=1)),
        ("interleaved", Dispatch(())),
        ("interleaved_rev", replace(lead, fill=10.0)),
        ("critical_first", replace(lead, fill=10.0, fill_reserve=1)),
    ]
    out: list[tuple[str, Dispatch]] = []
    seen: set[Dispatch] = set()
    for name, template in wanted:
        dispatch = replace(template, order=named[name])
        if not dispatch.small:
            dispatch = replace(dispatch, small_streams=None, reserve=0)
        if dispatch not in seen:
            seen.add(dispatch)
            out.append((name, dispatch))
    return out


def schedule(jobs: Sequence[Job], limits: Limits, estimates: Mapping[str, Estimate], physics: Physics, policy: Policy) -> Scheduled:
    """The best dispatch found for ``jobs`` within the evaluation budget."""
    budget = budget_for(len(jobs), policy)
    tried = candidates(jobs, limits, estimates, physics)
    first = tried[: max(1, min(len(tried), budget - budget // 3))]
    starts: list[Scheduled] = []
    used = 0
    for name, dispatch in first:
        result = simulate(jobs, limits, dispatch, physics)
        used += 1
        starts.append(Scheduled(dispatch, result, name, used))
    if not starts:
        empty = Dispatch(())
        return Scheduled(empty, simulate(jobs, limits, empty, physics), "none", 0)
    # Local search from the best candidate; when it settles with budget left, from the next best too.
    starts.sort(key=lambda c: (_score(c.result), c.evaluations))
    best = starts[0]
    for start in starts[:MAX_STARTS]:
        if used >= budget:
            break
        found = _improve(jobs, limits, physics, start, budget, used)
        used = found.evaluations
        if _score(found.result) < _score(best.result):
            best = found
    return replace(best, evaluations=used)


def _improve(jobs: Sequence[Job], limits: Limits, physics: Physics, best: Scheduled, budget: int, used: int) -> Scheduled:
    """Move the last-ending migration earlier, then swap neighbours, while it helps and the budget lasts."""
    improved = True
    while improved and used < budget:
        improved = False
        for order in _neighbours(best):
            if used >= budget:
                break
            dispatch = replace(best.dispatch, order=order)
            result = simulate(jobs, limits, dispatch, physics)
            used += 1
            if _score(result) < _score(best.result):
                best = Scheduled(dispatch, result, best.order_name + "+local", used)
                improved = True
                break
    return replace(best, evaluations=used)


def _neighbours(best: Scheduled) -> list[tuple[int, ...]]:
    order = list(best.dispatch.order)
    outcomes = best.result.outcomes
    out = []
    ended = [(o.end, i) for i, o in enumerate(outcomes) if o is not None]
    if ended:
        last = max(ended)[1]
        pos = order.index(last)
        for to in (0, pos // 2, pos - 1):
            if 0 <= to < pos:
                moved = order[:pos] + order[pos + 1 :]
                moved.insert(to, last)
                out.append(tuple(moved))
    for pos in range(len(order) - 1):
        swapped = list(order)
        swapped[pos], swapped[pos + 1] = swapped[pos + 1], swapped[pos]
        out.append(tuple(swapped))
    return out
