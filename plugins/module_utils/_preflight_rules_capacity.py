# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Memory and processor rules: room on the target, AMS, AME, suspend, processor modes."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, batch_rule, rule
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules_system import capabilities

ACTIVE = ("active", "suspended")
TOLERANCE = 1e-9
RESERVED_STORAGE_FACTOR = 1.1  # slide 21: reserved storage >= 110 percent of the partition's memory


def _free_memory_hint(ctx: PairContext, short_mb: int) -> str:
    return (f"free at least {short_mb} MB on {ctx.dst['name']} (shrink or stop partitions there, e.g. chhwres -r mem -m "
            f"{ctx.dst['name']} -o r -p OTHER -q {short_mb}) or choose another target")


@rule("LPM-MEM-001", "The target has the partition's memory plus its hypervisor page table available", kinds=ACTIVE,
      guide="slides 8, 10, 35 (system resource availability)")
def memory_available(ctx: PairContext) -> Iterator[Outcome]:
    current, hpt = lk.needed_memory_mb(ctx.lpar)
    available = ctx.dst["available_mem_mb"]
    if current is None or available is None:
        yield Unknown("the partition's memory or the target's available memory was not read")
        return
    required = current + hpt
    if required > available:
        yield Hit(ctx.dst["name"], f"{ctx.name} needs {required} MB ({current} MB + {hpt} MB page table), {ctx.dst['name']} has {available} MB free",
                  _free_memory_hint(ctx, required - available),
                  {"memory_mb": current, "hpt_mb": hpt, "required_mb": required, "available_mb": available}, ctx.dst["name"],
                  fix_key=f"LPM-MEM-001|{ctx.dst['name']}|{ctx.name}")


@rule("LPM-MEM-002", "Active Memory Sharing: the target supports AMS and has a paging device", guide="slides 10, 19")
def shared_memory(ctx: PairContext) -> Iterator[Outcome]:
    if ctx.lpar["memory"]["mode"] != "shared":
        return
    capable = capabilities(ctx, ctx.dst).get("active_mem_sharing_capable")
    if capable is None:
        yield Unknown(f"{ctx.dst['name']}: active_mem_sharing_capable was not read")
    elif not capable:
        yield Hit(ctx.dst["name"], f"{ctx.name} uses shared memory (AMS) but {ctx.dst['name']} does not support it",
                  "choose an AMS-capable target, or change the partition to dedicated memory", {"target": ctx.dst["name"]},
                  ctx.dst["name"], fix_key=f"LPM-MEM-002|{ctx.dst['name']}|{ctx.name}")
        return
    yield Unknown("the paging devices of the target's shared memory pool are not read; the HMC validation checks that one is available")


@rule("LPM-MEM-003", "Active Memory Expansion: the target supports AME", guide="slide 21")
def memory_expansion(ctx: PairContext) -> Iterator[Outcome]:
    factor = ctx.lpar["memory"]["ame_factor"]
    if factor is None and ctx.lpar["profile"] is not None:
        factor = ctx.lpar["profile"]["ame_factor"]
    if not factor:
        return
    capable = capabilities(ctx, ctx.dst).get("active_mem_expansion_capable")
    if capable is None:
        yield Unknown(f"{ctx.dst['name']}: active_mem_expansion_capable was not read")
    elif not capable:
        yield Hit(ctx.dst["name"], f"{ctx.name} uses Active Memory Expansion (factor {factor}) but {ctx.dst['name']} does not support it",
                  f"choose a target with AME enabled, or turn AME off: {lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'mem_expansion': 0})}",
                  {"ame_factor": factor, "target": ctx.dst["name"]}, ctx.dst["name"], fix_key=f"LPM-MEM-003|{ctx.dst['name']}|{ctx.name}")


@rule("LPM-MEM-004", "Suspend-capable partition: the target supports suspend and has reserved storage of 110 %", guide="slides 10, 21")
def suspend_capable(ctx: PairContext) -> Iterator[Outcome]:
    extras = ctx.extras()
    if extras is None or extras["suspend_capable"] is None:
        yield Unknown("suspend_capable was not read")
        return
    if not extras["suspend_capable"]:
        return
    capable = capabilities(ctx, ctx.dst).get("lpar_suspend_capable")
    size = ctx.lpar["memory"]["max_mb"] or (ctx.lpar["profile"]["max_mem_mb"] if ctx.lpar["profile"] else None) or 0
    required = math.ceil(size * RESERVED_STORAGE_FACTOR)
    if capable is None:
        yield Unknown(f"{ctx.dst['name']}: lpar_suspend_capable was not read")
    elif not capable:
        yield Hit(ctx.dst["name"], f"{ctx.name} is suspend-capable but {ctx.dst['name']} does not support suspend/resume",
                  f"choose a target that supports suspend/resume, or {lk.chsyscfg_lpar(ctx.src['name'], {'name': ctx.name, 'suspend_capable': 0})}",
                  {"target": ctx.dst["name"]}, ctx.dst["name"], fix_key=f"LPM-MEM-004|{ctx.dst['name']}|{ctx.name}")
    yield Unknown(f"the reserved storage device pool of {ctx.dst['name']} is not read; it needs a device of at least {required} MB "
                  "(the HMC validation checks it)")


def _batch_totals(contexts: Sequence[PairContext], need: str) -> dict[str, float]:
    """What the distinct partitions of a run headed for each target need together (memory MB or processing units).

    Only targets with two or more partitions are listed: for one partition the pair rule says it all.
    """
    seen: dict[str, dict[str, float]] = {}
    for ctx in contexts:
        if ctx.pair.source == ctx.pair.target:
            continue
        if need == "memory":
            current, hpt = lk.needed_memory_mb(ctx.lpar)
            value = float((current or 0) + hpt)
        else:
            value = lk.needed_proc_units(ctx.lpar) or 0.0
        seen.setdefault(ctx.pair.target, {})[ctx.name] = value
    return {target: sum(values.values()) for target, values in seen.items() if len(values) > 1}


@batch_rule("LPM-MEM-005", "Together, the partitions checked for a target fit in its free memory", severity="warning", kinds=ACTIVE,
            guide="slide 55 (make sure the target has enough resources for all partitions)")
def memory_together(contexts: Sequence[PairContext]) -> Iterator[tuple[PairContext, Hit]]:
    totals = _batch_totals(contexts, "memory")
    for ctx in contexts:
        available = ctx.dst["available_mem_mb"]
        total = totals.get(ctx.pair.target, 0.0)
        if available is not None and total > available:
            yield ctx, Hit(ctx.dst["name"], f"the partitions checked for {ctx.dst['name']} need {int(total)} MB together; it has {available} MB free",
                           f"move only some of them to {ctx.dst['name']}, or free {int(total - available)} MB there",
                           {"required_mb": int(total), "available_mb": available}, ctx.dst["name"])


@rule("LPM-CPU-001", "The target has the partition's processing units (or dedicated processors) available", kinds=ACTIVE,
      guide="slides 8, 10, 35 (system resource availability)")
def processors_available(ctx: PairContext) -> Iterator[Outcome]:
    required, available = lk.needed_proc_units(ctx.lpar), ctx.dst["available_proc_units"]
    if required is None or available is None:
        yield Unknown("the partition's processors or the target's available processing units were not read")
    elif required > available + TOLERANCE:
        yield Hit(ctx.dst["name"], f"{ctx.name} needs {required:g} processing units, {ctx.dst['name']} has {available:g} available",
                  f"free {required - available:g} processing units on {ctx.dst['name']} (chhwres -r proc -m {ctx.dst['name']} -o r -p OTHER "
                  "--procunits N) or choose another target", {"required": required, "available": available}, ctx.dst["name"],
                  fix_key=f"LPM-CPU-001|{ctx.dst['name']}|{ctx.name}")


@rule("LPM-CPU-002", "Processing units per virtual processor are at or above the target's minimum (0.05 vs 0.10)",
      guide="slides 10, 21")
def units_per_vp(ctx: PairContext) -> Iterator[Outcome]:
    proc = ctx.lpar["processors"]
    if proc["mode"] != "shared" or not proc["procs"] or proc["units"] is None:
        return
    minimum = ctx.dst["min_proc_units_per_vp"]
    if minimum is None:
        yield Unknown(f"{ctx.dst['name']}: min_proc_units_per_virtual_proc was not read")
        return
    per_vp = proc["units"] / proc["procs"]
    if per_vp + TOLERANCE < minimum:
        keep = max(1, math.floor(proc["units"] / minimum + TOLERANCE))
        yield Hit(ctx.name, f"{ctx.name} has {per_vp:.2f} processing units per virtual processor; {ctx.dst['name']} needs at least {minimum:g}",
                  f"raise the entitlement to {minimum * proc['procs']:g} processing units, or keep at most {keep} virtual processors: "
                  f"chhwres -r proc -m {ctx.src['name']} -o r -p {ctx.name} --procs {proc['procs'] - keep}",
                  {"units": proc["units"], "virtual_procs": proc["procs"], "per_vp": round(per_vp, 3), "target_minimum": minimum}, ctx.src["name"])


@rule("LPM-CPU-003", "The target supports the partition's processor compatibility mode (current for active, preferred for inactive)",
      guide="slides 30-31, 33")
def compat_mode(ctx: PairContext) -> Iterator[Outcome]:
    inactive = ctx.kind == "inactive"
    mode = ctx.lpar["compat_desired"] if inactive else ctx.lpar["compat_current"]
    which = "preferred" if inactive else "current"
    modes = ctx.dst["compat_modes"]
    if not mode or not modes:
        yield Unknown(f"the {which} compatibility mode of {ctx.name} or the modes of {ctx.dst['name']} were not read")
    elif mode != "default" and mode not in modes:
        yield Hit(ctx.name, f"the {which} processor compatibility mode of {ctx.name} is {mode}; {ctx.dst['name']} supports {', '.join(modes)}",
                  f"choose a target that supports {mode}, or set a mode it supports in the profile "
                  f"({lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'lpar_proc_compat_mode': modes[-1]})}) and reactivate",
                  {"mode": mode, "which": which, "target_modes": modes}, ctx.dst["name"], fix_key=f"LPM-CPU-003|{ctx.dst['name']}|{ctx.name}")


@batch_rule("LPM-CPU-004", "Together, the partitions checked for a target fit in its available processing units", severity="warning",
            kinds=ACTIVE, guide="slide 55 (make sure the target has enough resources for all partitions)")
def processors_together(contexts: Sequence[PairContext]) -> Iterator[tuple[PairContext, Hit]]:
    totals = _batch_totals(contexts, "proc")
    for ctx in contexts:
        available = ctx.dst["available_proc_units"]
        total = totals.get(ctx.pair.target, 0.0)
        if available is not None and total > available + TOLERANCE:
            yield ctx, Hit(ctx.dst["name"], f"the partitions checked for {ctx.dst['name']} need {total:g} processing units together; it has {available:g}",
                           f"move only some of them to {ctx.dst['name']}, or free {total - available:g} processing units there",
                           {"required": round(total, 2), "available": available}, ctx.dst["name"])
