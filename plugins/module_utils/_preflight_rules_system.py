# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Managed system rules: state, mobility capability, processor, firmware, LMB size, concurrency."""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterator, Sequence

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import SystemFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, batch_rule, hmc_only_rule, rule

# Processor compatibility modes of POWER6 and later systems (field guide slide 7: POWER6 and above).
_MOBILE_MODE_RE = re.compile(r"^POWER([6-9]|1\d)")
CAPABILITY_FOR_KIND = {
    "active": ("active_lpar_mobility_capable",),
    "inactive": ("inactive_lpar_mobility_capable",),
    "suspended": ("active_lpar_mobility_capable", "lpar_suspend_capable"),
}


def capabilities(ctx: PairContext, system: SystemFacts) -> dict[str, bool | None]:
    """The estate's capability flags plus those preflight read itself."""
    extras = ctx.system_extras(system)
    merged = dict(extras["capabilities"]) if extras else {}
    merged.update({k: v for k, v in system["capabilities"].items() if v is not None or k not in merged})
    return merged


@rule("LPM-SYS-001", "Both managed systems are Operating", guide="slide 36 (capability check)")
def systems_operating(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        if system["state"] != "Operating":
            yield Hit(
                system["name"], f"managed system {system['name']} is {system['state']}, not Operating",
                f"bring {system['name']} to Operating (power it on, or fix its HMC connection: lssysconn -r all)",
                {"system": system["name"], "state": system["state"]}, system["name"],
            )


@rule("LPM-SYS-002", "Partition mobility is licensed and enabled on both systems (PowerVM Enterprise Edition)",
      guide="slides 8, 10-12 (Active/Inactive Partition Mobility Capable)")
def mobility_capable(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        caps = capabilities(ctx, system)
        for flag in CAPABILITY_FOR_KIND.get(ctx.kind or "", ()):
            value = caps.get(flag)
            if value is None:
                yield Unknown(f"{system['name']}: {flag} was not read")
            elif not value:
                yield Hit(
                    system["name"], f"{system['name']} is not {flag.replace('_', ' ')}",
                    f"enter the PowerVM Enterprise Edition activation code (VET) on {system['name']} "
                    "(HMC: Capacity on Demand > Advanced Functions > PowerVM > Enter Activation Code)",
                    {"system": system["name"], flag: value}, system["name"],
                )


@rule("LPM-SYS-003", "Both systems are POWER6 or later", guide="slide 7 (hardware POWER6 and above), slide 10")
def processor_generation(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        modes = system["compat_modes"]
        if not modes:
            yield Unknown(f"{system['name']}: the processor compatibility modes were not read")
        elif not any(_MOBILE_MODE_RE.match(mode) for mode in modes):
            yield Hit(
                system["name"], f"{system['name']} supports only {', '.join(modes)}: partition mobility needs POWER6 or later",
                "choose a POWER6 or later system", {"system": system["name"], "compat_modes": modes}, system["name"],
            )


hmc_only_rule(
    "LPM-SYS-004", "The firmware levels of both systems are a supported pair for partition mobility",
    guide="slides 7, 10 (firmware support matrix)",
    reason="the firmware level is not in the HMC listings the estate reads; the HMC validation checks the pair",
)


@rule("LPM-SYS-005", "The logical memory block (LMB) size is the same on both systems", guide="slides 9-10, 13-14, 36")
def lmb_size(ctx: PairContext) -> Iterator[Outcome]:
    src, dst = ctx.src["lmb_mb"], ctx.dst["lmb_mb"]
    if src is None or dst is None:
        yield Unknown("the memory region size of a system was not read")
    elif src != dst:
        yield Hit(
            ctx.dst["name"], f"LMB size is {src} MB on {ctx.src['name']} and {dst} MB on {ctx.dst['name']}",
            f"choose a target with {src} MB memory regions; changing the LMB size needs the ASMI (Performance Setup > "
            "Logical Memory Block Size) and a power cycle of the whole system",
            {"source_lmb_mb": src, "target_lmb_mb": dst}, ctx.dst["name"],
            fix_key=f"LPM-SYS-005|{ctx.src['name']}|{ctx.dst['name']}",
        )


@rule("LPM-SYS-006", "Migrations in progress are below the number supported on both systems", guide="slides 12, 36, 48")
def concurrency(ctx: PairContext) -> Iterator[Outcome]:
    inactive = ctx.kind == "inactive"
    label = "inactive" if inactive else "active"
    for system in ctx.both():
        limits = system["migration"]
        supported = limits["inactive_supported" if inactive else "active_supported"]
        running = limits["inactive_in_progress" if inactive else "active_in_progress"]
        if supported is None or running is None:
            yield Unknown(f"{system['name']}: the number of {label} migrations was not read")
        elif running >= supported:
            yield Hit(
                system["name"], f"{system['name']} already runs {running} {label} migrations, the most it supports ({supported})",
                f"wait for a running migration to end; watch them with {shlex.join(['lslparmigr', '-r', 'lpar', '-m', system['name']])}",
                {"system": system["name"], "in_progress": running, "supported": supported}, system["name"],
            )


@batch_rule("LPM-SYS-007", "More partitions of this check go to a target than it migrates at once", severity="info",
            guide="slides 48-49 (concurrent migrations)")
def queued(contexts: Sequence[PairContext]) -> Iterator[tuple[PairContext, Hit]]:
    counts = Counter((c.pair.target, c.kind) for c in contexts if c.kind is not None)
    for ctx in contexts:
        if ctx.kind is None:
            continue
        limits = ctx.dst["migration"]
        supported = limits["inactive_supported" if ctx.kind == "inactive" else "active_supported"]
        count = counts.get((ctx.pair.target, ctx.kind), 0)
        if supported is not None and count > supported:
            yield ctx, Hit(
                ctx.dst["name"], f"{count} {ctx.kind} migrations to {ctx.dst['name']} are checked here; it runs {supported} at a time",
                "no action needed: the migrations beyond the limit wait for a free slot (the evacuation planner orders them)",
                {"target": ctx.dst["name"], "pairs": count, "supported": supported}, ctx.dst["name"],
            )


# Capabilities the target needs for what the partition uses: (flag, what uses it, kinds).
def _needed(ctx: PairContext) -> list[tuple[str, str]]:
    lpar, extras = ctx.lpar, ctx.extras()
    needed = [("virtual_io_server_capable", "virtual I/O")]
    if lpar["processors"]["mode"] == "shared":
        needed.append(("micro_lpar_capable", "shared processors (micro-partitioning)"))
    if lk.client_fc(lpar):
        needed.append(("virtual_fc_capable", "virtual Fibre Channel"))
    if any(a["vswitch"] not in (None, lk.DEFAULT_VSWITCH) for a in lpar["virtual_eth"]):
        needed.append(("virtual_switch_capable", "a virtual switch other than ETHERNET0"))
    if ctx.kind == "inactive" and extras is not None:
        if (extras["desired_huge_pages"] or 0) > 0:
            needed.append(("huge_page_mem_capable", "huge pages"))
        if (extras["bsr_arrays"] or 0) > 0:
            needed.append(("bsr_capable", "barrier synchronization registers"))
        if extras["redundant_err_path_reporting"]:
            needed.append(("redundant_err_path_reporting_capable", "redundant error path reporting"))
    return needed


@rule("LPM-SYS-008", "The target supports the PowerVM features the partition uses", guide="slides 10, 11, 20-21")
def powervm_features(ctx: PairContext) -> Iterator[Outcome]:
    caps = capabilities(ctx, ctx.dst)
    for flag, use in _needed(ctx):
        value = caps.get(flag)
        if value is None:
            yield Unknown(f"{ctx.dst['name']}: {flag} was not read")
        elif not value:
            yield Hit(
                ctx.dst["name"], f"{ctx.dst['name']} is not {flag} but the partition uses {use}",
                f"choose a target that supports {use}, or stop using it on {ctx.name}",
                {"target": ctx.dst["name"], "capability": flag, "uses": use}, ctx.dst["name"],
                fix_key=f"LPM-SYS-008|{ctx.dst['name']}|{flag}|{ctx.name}",
            )
