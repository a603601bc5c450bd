"""Capability and compatibility of the source and destination systems."""
from __future__ import annotations

import re
from typing import Callable, Iterator, Optional

from ..estate import COMPAT_MODES, Estate
from ..model import Lpar, ManagedSystem
from . import lookup
from .base import Check, Fields, rule

# Processors that can take part in partition mobility (field guide, slide 7: POWER6 and above).
MOBILE_PROCESSORS = tuple(COMPAT_MODES)

# Firmware compatibility (field guide slides 7 and 10; IBM's firmware support matrix for partition
# mobility). Releases are the three digits of the level (AM780_056 -> 780). Permissive: a pair not
# listed is compatible. Entries are inferred from the matrix and meant to be corrected as data.
FIRMWARE_MINIMUM = 340
FIRMWARE_INCOMPATIBLE: dict[int, frozenset[int]] = {
    340: frozenset({760, 763, 770, 773, 780, 783}),
    350: frozenset({780, 783}),
}

# Capabilities the destination needs for what the partition uses (slides 8-11, 20-21).
# (capability flag, applies to the partition?, migration kinds)
NEEDED_CAPABILITIES: tuple[tuple[str, Callable[[Lpar], bool], tuple[str, ...]], ...] = (
    ("virtual_io_server_capable", lambda lp: True, ("active", "inactive", "suspended")),
    ("micro_lpar_capable", lambda lp: lp.proc_mode == "shared", ("active", "inactive", "suspended")),
    ("virtual_fc_capable", lambda lp: bool(lookup.client_fc(lp)), ("active", "inactive", "suspended")),
    ("virtual_switch_capable", lambda lp: any(e.vswitch != "ETHERNET0" for e in lp.eth),
     ("active", "inactive", "suspended")),
    ("active_mem_sharing_capable", lambda lp: lp.mem_mode == "shared", ("active", "inactive", "suspended")),
    ("lpar_suspend_capable", lambda lp: lp.suspend_capable, ("active", "inactive", "suspended")),
    ("huge_page_mem_capable", lambda lp: lp.huge_pages > 0, ("inactive",)),
    ("bsr_capable", lambda lp: lp.bsr_arrays > 0, ("inactive",)),
    ("redundant_err_path_reporting_capable", lambda lp: lp.redundant_err_path_reporting, ("inactive",)),
)


def _systems(check: Check) -> list[ManagedSystem]:
    return [check.src, check.target]


@rule("systems_operating")
def systems_operating(check: Check) -> Iterator[Fields]:
    """Validation, capability check (slide 36): both managed systems are Operating."""
    for ms in _systems(check):
        if ms.state != "Operating":
            yield {"target": ms.name, "state": ms.state}


@rule("processor_generation")
def processor_generation(check: Check) -> Iterator[Fields]:
    """Requirements (slide 7): POWER6 and above on both systems."""
    for ms in _systems(check):
        if ms.proc_type not in MOBILE_PROCESSORS:
            yield {"target": ms.name, "kind": check.kind}


@rule("mobility_capable")
def mobility_capable(check: Check) -> Iterator[Fields]:
    """Check each server for partition mobility (slides 8, 11-12): Active/Inactive Partition Mobility
    Capable on both systems (PowerVM Enterprise Edition); suspended migrations also need suspend support."""
    flags = {"active": ["active_lpar_mobility_capable"],
             "inactive": ["inactive_lpar_mobility_capable"],
             "suspended": ["active_lpar_mobility_capable", "lpar_suspend_capable"]}[check.kind]
    for ms in _systems(check):
        caps = Estate.capabilities(ms)
        if any(not caps.get(flag, 0) for flag in flags):
            yield {"target": ms.name, "kind": check.kind}


@rule("powervm_capabilities")
def powervm_capabilities(check: Check) -> Iterator[Fields]:
    """Checklists (slides 10, 20-21): the destination supports what the partition uses - virtual I/O,
    micro-partitioning, virtual fibre channel, virtual switches, AMS, suspend/resume, and for inactive
    migrations huge pages, BSR and redundant error path reporting."""
    caps = Estate.capabilities(check.target)
    for flag, uses, kinds in NEEDED_CAPABILITIES:
        if check.kind in kinds and uses(check.lp) and not caps.get(flag, 0):
            yield {"system": check.target.name, "capability": flag}


def firmware_release(level: str) -> Optional[int]:
    match = re.search(r"(\d{3})", level)
    return int(match.group(1)) if match else None


@rule("firmware_compatible")
def firmware_compatible(check: Check) -> Iterator[Fields]:
    """Linda Flanders checklist (slide 10) and requirements (slide 7): firmware on both servers is
    compatible for LPM (support matrix) and at least E*340."""
    src, dst = firmware_release(check.src.firmware), firmware_release(check.target.firmware)
    if src is None or dst is None:
        return
    too_old = min(src, dst) < FIRMWARE_MINIMUM
    if too_old or dst in FIRMWARE_INCOMPATIBLE.get(src, ()) or src in FIRMWARE_INCOMPATIBLE.get(dst, ()):
        yield {"source": check.src.firmware, "dest": check.target.firmware}


@rule("lmb_size")
def lmb_size(check: Check) -> Iterator[Fields]:
    """Slides 9-10, 13-14 and 36: the logical memory block size is the same on both systems."""
    if check.src.lmb_mb != check.target.lmb_mb:
        yield {"source_lmb": check.src.lmb_mb, "dest_lmb": check.target.lmb_mb}


@rule("migrations_supported")
def migrations_supported(check: Check) -> Iterator[Fields]:
    """Validation (slide 36) and Migration tab (slide 12): migrations in progress are below the number
    supported, active and inactive counted separately, on both systems."""
    inactive = check.kind == "inactive"
    kinds = ("inactive",) if inactive else ("active", "suspended")
    label = "inactive" if inactive else "active"
    for ms in _systems(check):
        supported = ms.inactive_migrations_supported if inactive else ms.active_migrations_supported
        running = lookup.migrations_in_progress(check.estate, ms, kinds)
        if running >= supported:
            yield {"kind": label, "in_progress": running, "system": ms.name, "supported": supported}
