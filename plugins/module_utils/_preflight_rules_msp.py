# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""RMC connections and mover service partitions (field guide slides 9, 15-16, 19, 22-25, 36, 48, 52)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import PartitionFacts, SystemFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, rule
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_storage import FcPath, ScsiPath, msp_candidates, view

ACTIVE = ("active", "suspended")
DEFAULT_MSP_LPM_OPS = 8  # vioslpm0 cfg_msp_lpm_ops default
RMC_FIX = "rmcctrl -z; rmcctrl -A; rmcctrl -p"


def _rmc_fix(system: str, partition: PartitionFacts) -> str:
    who = "VIOS (as root: oem_setup_env)" if partition["is_vios"] else "partition (as root)"
    return (f"on the {who} {partition['name']}: /usr/sbin/rsct/bin/{RMC_FIX} (port 657 open between it and the HMC; "
            f"/usr/sbin/rsct/install/bin/recfgct if it stays inactive); check with "
            f"{shlex.join(['lssyscfg', '-r', 'lpar', '-m', system, '--filter', 'lpar_names=' + partition['name'], '-F', 'name,rmc_state'])}")


def chosen_msp(system: SystemFacts) -> PartitionFacts | None:
    found = msp_candidates(lk.vioses(system))
    return found[0] if found else None


def _involved(ctx: PairContext, side: str) -> list[PartitionFacts]:
    """Running VIOS that take part on one side: those serving (or hosting) the adapters, and the MSP."""
    out: dict[str, PartitionFacts] = {}
    storage = view(ctx)
    if side == "source":
        system = ctx.src
        paths: list[ScsiPath | FcPath] = [*storage.scsi, *storage.fc]
        for path in paths:
            if path.vios is not None:
                out[path.vios["name"]] = path.vios
    else:
        system = ctx.dst
        out.update((p["name"], p) for p in storage.dest_vios())
    if ctx.kind in ACTIVE:
        msp = chosen_msp(system)
        if msp is not None:
            out.setdefault(msp["name"], msp)
    return [p for p in out.values() if lk.running(p)]


@rule("LPM-RMC-001", "RMC is active between the HMC and the partition", kinds=("active",), guide="slides 8, 24-25, 36")
def rmc_partition(ctx: PairContext) -> Iterator[Outcome]:
    state = ctx.lpar["rmc_state"]
    if state != "active":
        yield Hit(ctx.name, f"RMC of {ctx.name} is {state or 'unknown'}, not active", _rmc_fix(ctx.src["name"], ctx.lpar),
                  {"lpar": ctx.name, "rmc_state": state, "rmc_ipaddr": ctx.lpar["rmc_ipaddr"]}, ctx.src["name"])


def _rmc_vios(ctx: PairContext, side: str) -> Iterator[Outcome]:
    system = ctx.src if side == "source" else ctx.dst
    for vios in _involved(ctx, side):
        if vios["rmc_state"] != "active":
            yield Hit(vios["name"], f"RMC of {side} VIOS {vios['name']} is {vios['rmc_state'] or 'unknown'}, not active",
                      _rmc_fix(system["name"], vios), {"vios": vios["name"], "system": system["name"], "rmc_state": vios["rmc_state"]},
                      system["name"])


@rule("LPM-RMC-002", "RMC is active to the source VIOS serving the partition and to the source MSP", guide="slides 8, 25, 36")
def rmc_source_vios(ctx: PairContext) -> Iterator[Outcome]:
    yield from _rmc_vios(ctx, "source")


@rule("LPM-RMC-003", "RMC is active to the target VIOS and to the target MSP", guide="slides 8, 25, 36")
def rmc_target_vios(ctx: PairContext) -> Iterator[Outcome]:
    yield from _rmc_vios(ctx, "target")


def _no_msp(system: SystemFacts, side: str) -> Hit:
    running = [p for p in lk.vioses(system) if lk.running(p)]
    if running:
        fix = (f"{lk.chsyscfg_lpar(system['name'], {'name': running[0]['name'], 'msp': 1})}; or the powervm.lpm.vios_msp module with "
               f"system={system['name']}, vios={running[0]['name']}, msp=true")
    else:
        fix = f"start a VIOS on {system['name']} and make it a mover service partition (msp=1)"
    return Hit(system["name"], f"no running VIOS of the {side} system {system['name']} is a mover service partition (msp=1)", fix,
               {"system": system["name"], "vios": [p["name"] for p in lk.vioses(system)]}, system["name"])


@rule("LPM-MSP-001", "The source system has a running mover service partition", kinds=ACTIVE, guide="slides 9, 15-16, 19")
def msp_source(ctx: PairContext) -> Iterator[Outcome]:
    if chosen_msp(ctx.src) is None:
        yield _no_msp(ctx.src, "source")


@rule("LPM-MSP-002", "The target system has a running mover service partition", kinds=ACTIVE, guide="slides 9, 15-16, 19")
def msp_target(ctx: PairContext) -> Iterator[Outcome]:
    if chosen_msp(ctx.dst) is None:
        yield _no_msp(ctx.dst, "target")


@rule("LPM-MSP-003", "The mover service partitions have a VASI device", kinds=ACTIVE, guide="slides 9, 23")
def msp_vasi(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        msp = chosen_msp(system)
        if msp is None:
            continue
        facts = msp["vios"]
        if facts is None or not facts["collected"] or facts["vasi"] is None:
            yield Unknown(lk.not_read_reason(msp))
        elif not facts["vasi"]:
            yield Hit(msp["name"], f"mover service partition {msp['name']} has no VASI device",
                      f"the HMC adds the VASI adapter with the MSP setting: {lk.chsyscfg_lpar(system['name'], {'name': msp['name'], 'msp': 0})}, "
                      f"then {lk.chsyscfg_lpar(system['name'], {'name': msp['name'], 'msp': 1})}; then {lk.on_vios(system['name'], msp['name'], ['cfgdev'])} "
                      "and check lsdev -virtual for vasi0", {"vios": msp["name"], "vasi_devices": facts["vasi_devices"]}, system["name"])


def _msp_load(ctx: PairContext, system: SystemFacts, msp: PartitionFacts) -> int:
    """Migrations in progress through ``msp`` (as source MSP on its system, or as destination MSP)."""
    count = 0
    for other in ctx.facts.systems.values():
        for partition in other["partitions"].values():
            migration = partition["migration"]
            if migration["state"] in (None, "Not Migrating"):
                continue
            if other["name"] == system["name"] and migration["source_msp_name"] == msp["name"]:
                count += 1
            elif migration["dest_sys_name"] == system["name"] and migration["dest_msp_name"] == msp["name"]:
                count += 1
    return count


@rule("LPM-MSP-004", "The mover service partitions are below their limit of concurrent migrations", severity="warning", kinds=ACTIVE,
      guide="slides 48-52 (cfg_msp_lpm_ops, 4 per MSP on 1 GbE)")
def msp_busy(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        msp = chosen_msp(system)
        if msp is None:
            continue
        lpm = msp["vios"]["vioslpm0"] if msp["vios"] is not None else None
        limit = (lpm["cfg_msp_lpm_ops"] if lpm else None) or DEFAULT_MSP_LPM_OPS
        load = _msp_load(ctx, system, msp)
        if load >= limit:
            yield Hit(msp["name"], f"MSP {msp['name']} already moves {load} partitions, its limit (cfg_msp_lpm_ops) is {limit}",
                      "wait for a migration to end, or raise the limit: "
                      + lk.on_vios(system["name"], msp["name"], ["chdev", "-dev", "vioslpm0", "-attr", "cfg_msp_lpm_ops=8"])
                      + " (or powervm.lpm.vios_device with devices=[vioslpm0])",
                      {"vios": msp["name"], "in_progress": load, "cfg_msp_lpm_ops": limit}, system["name"])


@rule("LPM-MSP-005", "A mover service partition of each system is a time reference partition", severity="warning", kinds=ACTIVE,
      guide="slides 9, 19 (VIOS time of day synchronized)")
def time_reference(ctx: PairContext) -> Iterator[Outcome]:
    for system in ctx.both():
        msps = [p for p in lk.vioses(system) if p["msp"]]
        if not msps:
            continue
        flags = [p["time_ref"] for p in msps]
        if any(flag is None for flag in flags) and not any(flags):
            yield Unknown(f"{system['name']}: time_ref was not read")
        elif not any(flags):
            yield Hit(system["name"], f"no mover service partition of {system['name']} is a time reference partition",
                      f"{lk.chsyscfg_lpar(system['name'], {'name': msps[0]['name'], 'time_ref': 1})} (or powervm.lpm.vios_msp with "
                      f"vios={msps[0]['name']}, time_ref=true), and keep the VIOS clocks in sync with NTP",
                      {"system": system["name"], "msps": [p["name"] for p in msps]}, system["name"])
