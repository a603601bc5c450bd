# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Rules about the mobile partition itself (field guide slides 20-21, 33 and 36)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import partition_never_activated
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, hmc_only_rule, rule
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules_system import capabilities

ACTIVE = ("active", "suspended")
NOT_MIGRATING = "Not Migrating"
# Lowest levels for active mobility (slide 7). AIX version -> (technology level, service pack).
AIX_MINIMUM: dict[str, tuple[int, int]] = {"5.3": (7, 1), "6.1": (2, 8)}
LINUX_MINIMUM: dict[str, float] = {"red hat": 5.1, "suse": 10.0}
IBMI_MINIMUM = 7.1
_AIX_RE = re.compile(r"AIX (\d+\.\d+)(?: \d{4}-(\d+)-(\d+))?")
_IBMI_RE = re.compile(r"IBM i (\d+\.\d+)", re.IGNORECASE)
_RELEASE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*$")


def os_supported(text: str) -> bool | None:
    """Whether an OS level supports active mobility; None when the level cannot be read."""
    aix = _AIX_RE.match(text.strip())
    if aix:
        minimum = AIX_MINIMUM.get(aix.group(1))
        if minimum is None:
            return float(aix.group(1)) > 6.1
        return (int(aix.group(2) or 0), int(aix.group(3) or 0)) >= minimum
    lowered = text.lower()
    if lowered.startswith("linux"):
        release = _RELEASE_RE.search(text)
        for distro, minimum_release in LINUX_MINIMUM.items():
            if distro in lowered and release:
                return float(release.group(1)) >= minimum_release
        return None
    ibmi = _IBMI_RE.match(text.strip())
    return float(ibmi.group(1)) >= IBMI_MINIMUM if ibmi else None


def _lpar_hit(ctx: PairContext, message: str, remediation: str, **evidence: object) -> Hit:
    return Hit(ctx.name, message, remediation, {"lpar": ctx.name, **evidence}, ctx.src["name"])


@rule("LPM-LPAR-001", "The partition is not a Virtual I/O Server", guide="slide 3, VIOS checklist (slide 19)")
def not_vios(ctx: PairContext) -> Iterator[Outcome]:
    if ctx.lpar["is_vios"]:
        yield _lpar_hit(ctx, f"{ctx.name} is a Virtual I/O Server; VIOS partitions cannot be migrated",
                        "migrate the client partitions instead; a VIOS stays on its system", env=ctx.lpar["env"])


@rule("LPM-LPAR-002", "Migration is not disabled on the partition", guide="slide 35 (partition readiness)")
def migration_enabled(ctx: PairContext) -> Iterator[Outcome]:
    value = ctx.lpar["migration_disabled"]
    if value is None:
        yield Unknown("migration_disabled was not read (older HMC)")
    elif value:
        yield _lpar_hit(ctx, f"migration is disabled on {ctx.name} (migration_disabled=1)",
                        lk.chsyscfg_lpar(ctx.src["name"], {"name": ctx.name, "migration_disabled": 0}), migration_disabled=True)


@rule("LPM-LPAR-003", "The partition state allows a migration", guide="slides 4, 33, 36 (Running, Not Activated or Suspended)")
def valid_state(ctx: PairContext) -> Iterator[Outcome]:
    state = ctx.lpar["state"]
    if ctx.kind is None and not state.startswith("Migrating"):
        yield _lpar_hit(ctx, f"{ctx.name} is {state}: only Running (active), Not Activated (inactive) or Suspended partitions migrate",
                        f"finish the start or shut down of {ctx.name}, or recover it (lsrefcode -r lpar -m {ctx.src['name']})", state=state)


@rule("LPM-LPAR-004", "The partition is not already migrating", guide="slide 35 (partition readiness)")
def not_migrating(ctx: PairContext) -> Iterator[Outcome]:
    state, migration = ctx.lpar["state"], ctx.lpar["migration"]["state"]
    if state.startswith("Migrating") or (migration is not None and migration != NOT_MIGRATING):
        yield _lpar_hit(
            ctx, f"{ctx.name} is already migrating ({migration or state})",
            f"wait for it to end, or stop it: {shlex.join(['migrlpar', '-o', 's', '-m', ctx.src['name'], '-p', ctx.name])}; "
            f"after a failure: {shlex.join(['migrlpar', '-o', 'r', '-m', ctx.src['name'], '-p', ctx.name])}",
            state=state, migration_state=migration,
        )


@rule("LPM-LPAR-005", "An inactive partition has been activated at least once", kinds=("inactive",), guide="slide 33 (inactive migration)")
def ever_activated(ctx: PairContext) -> Iterator[Outcome]:
    # resource_config as preflight read it, else as the estate holds it (never_activated).
    extras = ctx.extras()
    activated = extras["ever_activated"] if extras is not None else None
    if activated is None:
        never = partition_never_activated(ctx.lpar)
        activated = None if never is None else not never
    if activated is None:
        yield Unknown("resource_config was not read")
    elif not activated:
        profile = (ctx.lpar["profile"]["name"] if ctx.lpar["profile"] else None) or "default"
        system = ctx.src["name"]
        yield _lpar_hit(
            ctx, f"{ctx.name} has never been activated, so it has no configuration to migrate",
            f"activate it once to SMS, then shut it down: "
            f"{shlex.join(['chsysstate', '-r', 'lpar', '-m', system, '-o', 'on', '-n', ctx.name, '-f', profile, '-b', 'sms'])}; "
            f"{shlex.join(['chsysstate', '-r', 'lpar', '-m', system, '-o', 'shutdown', '--immed', '-n', ctx.name])}",
            resource_config=0,
        )


@rule("LPM-LPAR-006", "The operating system level supports active mobility", kinds=("active",), guide="slide 7, checklist 1/2 (slide 20)")
def os_level(ctx: PairContext) -> Iterator[Outcome]:
    text = ctx.lpar["os_version"]
    verdict = os_supported(text) if text else None
    if verdict is None:
        yield Unknown(f"the OS level {text!r} cannot be compared with the minimum levels")
    elif not verdict:
        yield _lpar_hit(ctx, f"{ctx.name} runs {text}, below the minimum for active mobility (AIX 5.3 TL7 SP1, 6.1 TL2 SP8, "
                        "RHEL 5.1, SLES 10, IBM i 7.1)", "update the operating system, or migrate the partition while it is not activated",
                        os_version=text)


@rule("LPM-LPAR-007", "No physical I/O for an active migration", kinds=ACTIVE, guide="slides 7, 9, 20, 36")
def physical_io(ctx: PairContext) -> Iterator[Outcome]:
    for slot in ctx.lpar["io_slots"]:
        where = slot["drc_name"] or slot["drc_index"]
        yield Hit(
            f"{ctx.name} slot {slot['drc_index']}", f"{ctx.name} owns physical I/O slot {where} ({slot['description'] or 'adapter'})",
            "remove it with DLPAR (unconfigure the device in the OS first): "
            f"{shlex.join(['chhwres', '-r', 'io', '-m', ctx.src['name'], '-o', 'r', '-p', ctx.name, '-l', slot['drc_index']])}, "
            "and remove it from the profile",
            {"lpar": ctx.name, "drc_index": slot["drc_index"], "drc_name": slot["drc_name"]}, ctx.src["name"],
        )


@rule("LPM-LPAR-008", "Physical I/O of an inactive partition is removed by the migration", severity="warning", kinds=("inactive",),
      guide="slide 33 (inactive migration)")
def physical_io_removed(ctx: PairContext) -> Iterator[Outcome]:
    slots = [s["drc_index"] for s in ctx.lpar["io_slots"]]
    if ctx.lpar["profile"] is not None:
        slots += [s["drc_index"] for s in ctx.lpar["profile"]["io_slots"]]
    for drc in dict.fromkeys(slots):
        yield Hit(f"{ctx.name} slot {drc}", f"physical I/O slot {drc} of {ctx.name} is removed from the partition by the migration",
                  "no action needed if the partition does not need it on the target; re-add I/O there with DLPAR",
                  {"lpar": ctx.name, "drc_index": drc}, ctx.src["name"])


# HMC releases that list each kind of logical port (HEA ended with POWER7-era HMCs, SR-IOV began with V8).
PORT_RELEASES = {"lhea": (0, 9), "sriov": (8, 999)}


def _ports(ctx: PairContext, key: str) -> list[str] | None:
    """The logical ports of the profile; [] when the HMC release has no such ports; None when not read."""
    extras = ctx.extras()
    ports = (extras["lhea_logical_ports"] if key == "lhea" else extras["sriov_logical_ports"]) if extras is not None else None
    major = ctx.facts.hmc_of[ctx.src["name"]]["major"]
    low, high = PORT_RELEASES[key]
    if ports is None and major is not None and not low <= major <= high:
        return []
    return ports


@rule("LPM-LPAR-009", "No Host Ethernet Adapter (IVE) logical ports", guide="slides 7, 20, 29")
def lhea(ctx: PairContext) -> Iterator[Outcome]:
    ports = _ports(ctx, "lhea")
    if ports is None:
        if capabilities(ctx, ctx.src).get("lhea_capable") is not False:
            yield Unknown("the profile's lhea_logical_ports were not read")
    elif ports:
        yield _lpar_hit(
            ctx, f"{ctx.name} has Host Ethernet Adapter logical ports: {', '.join(ports)}",
            "put each HEA port in an EtherChannel with a virtual Ethernet adapter as backup (AIX 6.1 TL5+: smit migration), "
            "or remove the logical ports (DLPAR, chhwres -r hea ... -o r) and from the profile", lhea_logical_ports=ports,
        )


@rule("LPM-LPAR-010", "No SR-IOV logical ports", guide="slide 29 (SR-IOV logical port is a physical device)")
def sriov(ctx: PairContext) -> Iterator[Outcome]:
    ports = _ports(ctx, "sriov")
    if ports is None:
        yield Unknown("the profile's SR-IOV logical ports were not read")
    elif ports:
        yield _lpar_hit(ctx, f"{ctx.name} has SR-IOV logical ports: {', '.join(ports)}",
                        "replace them by virtual Ethernet (or vNIC) and remove them with DLPAR (chhwres -r sriov --rsubtype logport ... -o r) "
                        "and from the profile", sriov_logical_ports=ports)


@rule("LPM-LPAR-011", "No huge pages for an active migration", kinds=ACTIVE, guide="slides 20, 36")
def huge_pages(ctx: PairContext) -> Iterator[Outcome]:
    pages = ctx.lpar["memory"]["huge_pages"]
    if pages is None:
        yield Unknown("the partition's huge pages were not read")
    elif pages > 0:
        yield _lpar_hit(ctx, f"{ctx.name} uses {pages} huge pages (16 GB)",
                        f"set desired_num_huge_pages=0 ({lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'min_num_huge_pages': 0, 'desired_num_huge_pages': 0})}) "
                        "and reactivate the partition, or migrate it while it is not activated", huge_pages=pages)


@rule("LPM-LPAR-012", "No barrier synchronization register (BSR) arrays for an active migration", kinds=ACTIVE, guide="slides 20, 36")
def bsr(ctx: PairContext) -> Iterator[Outcome]:
    extras = ctx.extras()
    arrays = extras["bsr_arrays"] if extras is not None else None
    if arrays is None:
        if capabilities(ctx, ctx.src).get("bsr_capable") is not False:
            yield Unknown("the profile's bsr_arrays were not read")
    elif arrays > 0:
        yield _lpar_hit(ctx, f"{ctx.name} has {arrays} BSR arrays",
                        f"{lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'bsr_arrays': 0})} and reactivate the partition, "
                        "or migrate it while it is not activated", bsr_arrays=arrays)


@rule("LPM-LPAR-013", "The partition is not in a partition workload group", guide="slides 20, 36")
def workload_group(ctx: PairContext) -> Iterator[Outcome]:
    group = ctx.lpar["work_group_id"]
    if group not in (None, "none"):
        yield _lpar_hit(ctx, f"{ctx.name} is in partition workload group {group}",
                        f"{lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'work_group_id': 'none'})} and apply the profile "
                        "(re-add the group on the target after the migration)", work_group_id=group)


@rule("LPM-LPAR-014", "No redundant error path reporting for an active migration", kinds=ACTIVE, guide="slide 20")
def redundant_error_path(ctx: PairContext) -> Iterator[Outcome]:
    extras = ctx.extras()
    if extras is None or extras["redundant_err_path_reporting"] is None:
        yield Unknown("redundant_err_path_reporting was not read")
    elif extras["redundant_err_path_reporting"]:
        yield _lpar_hit(ctx, f"{ctx.name} has redundant error path reporting enabled",
                        f"{lk.chsyscfg_prof(ctx.src['name'], ctx.lpar, {'redundant_err_path_reporting': 0})} and reactivate, "
                        "or migrate it while it is not activated", redundant_err_path_reporting=True)


@rule("LPM-LPAR-015", "The partition is not the service partition", guide="slide 20")
def service_partition(ctx: PairContext) -> Iterator[Outcome]:
    extras = ctx.system_extras(ctx.src)
    if extras is None:
        yield Unknown("the service partition of the source system was not read")
    elif extras["service_lpar_id"] == ctx.lpar["id"]:
        yield _lpar_hit(ctx, f"{ctx.name} is the service partition of {ctx.src['name']}",
                        f"make another partition the service partition of {ctx.src['name']} (HMC: system properties, "
                        "or ASMI) before migrating", service_lpar_id=ctx.lpar["id"])


@rule("LPM-LPAR-016", "No required virtual serial adapters above slot 1", guide="slide 36")
def virtual_serial(ctx: PairContext) -> Iterator[Outcome]:
    slots = [a["slot"] for a in ctx.lpar["virtual_serial"] if a["is_required"] and a["slot"] >= 2]
    if slots:
        yield _lpar_hit(ctx, f"{ctx.name} has required virtual serial adapters in slots {', '.join(map(str, slots))}",
                        "remove them or make them not required in the profile, e.g. " + shlex.join(
                            ["chhwres", "-r", "virtualio", "--rsubtype", "serial", "-m", ctx.src["name"], "-o", "r", "-p", ctx.name, "-s", str(slots[0])]),
                        slots=slots)


hmc_only_rule(
    "LPM-LPAR-017", "No open virtual terminal (console) session", severity="warning", kinds=("active",),
    guide="slides 20, 45 (console sessions are lost)",
    reason="open console sessions are not in the HMC listings; the HMC validation reports them (close with rmvterm -m SYS -p LPAR)",
)


@rule("LPM-LPAR-018", "IBM i: the target supports IBM i mobility and the partition is in restricted I/O mode", guide="slide 21")
def ibmi(ctx: PairContext) -> Iterator[Outcome]:
    if ctx.lpar["env"] != "os400":
        return
    capable = capabilities(ctx, ctx.dst).get("os400_lpar_mobility_capable")
    if capable is None:
        yield Unknown(f"{ctx.dst['name']}: os400_lpar_mobility_capable was not read")
    elif not capable:
        yield Hit(ctx.dst["name"], f"{ctx.dst['name']} does not support IBM i partition mobility",
                  "choose a target with IBM i Partition Mobility Capable = True", {"target": ctx.dst["name"]}, ctx.dst["name"],
                  fix_key=f"LPM-LPAR-018|{ctx.dst['name']}|{ctx.name}")
    yield Unknown("the restricted I/O mode of an IBM i partition is not in the HMC listings; the HMC validation checks it")
