"""Readiness of the mobile partition itself (field guide slides 20-21, 33, 36)."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..estate import Estate
from . import lookup
from .base import Check, Fields, rule

# The partition state each kind of migration needs (slides 4, 33, 36).
STATE_FOR_KIND = {"active": "Running", "inactive": "Not Activated", "suspended": "Suspended"}

# Lowest operating system levels for active mobility (slide 7). AIX: version -> (technology level,
# service pack); Linux: distribution -> release; IBM i: release. Unknown systems pass (permissive).
AIX_MINIMUM: dict[str, tuple[int, int]] = {"5.3": (7, 1), "6.1": (2, 8), "7.1": (0, 0), "7.2": (0, 0),
                                           "7.3": (0, 0)}
LINUX_MINIMUM: dict[str, float] = {"red hat": 5.1, "suse": 10.0}
IBMI_MINIMUM = 7.1


def os_supported(os_version: str) -> Optional[bool]:
    """Whether an OS level supports active mobility; None when the level cannot be read."""
    text = os_version.strip()
    aix = re.match(r"AIX (\d+\.\d+)(?: \d{4}-(\d+)-(\d+))?", text)
    if aix:
        version = aix.group(1)
        if version not in AIX_MINIMUM:
            return float(version) > max(float(v) for v in AIX_MINIMUM)
        level = (int(aix.group(2) or 0), int(aix.group(3) or 0))
        return level >= AIX_MINIMUM[version]
    if text.lower().startswith("linux"):
        release = re.search(r"(\d+(?:\.\d+)?)\s*$", text)
        for distro, minimum in LINUX_MINIMUM.items():
            if distro in text.lower() and release:
                return float(release.group(1)) >= minimum
        return None
    ibmi = re.match(r"IBM i (\d+\.\d+)", text, re.IGNORECASE)
    if ibmi:
        return float(ibmi.group(1)) >= IBMI_MINIMUM
    return None


@rule("not_vios")
def not_vios(check: Check) -> Iterator[Fields]:
    """Definitions (slide 3) and VIOS checklist: a Virtual I/O Server partition cannot be migrated."""
    if check.lp.env == "vioserver":
        yield {"lpar": check.lp.name}


@rule("migration_enabled")
def migration_enabled(check: Check) -> Iterator[Fields]:
    """Partition readiness (slide 35): migration is not disabled on the partition (migration_disabled=1)."""
    if check.lp.migration_disabled:
        yield {"lpar": check.lp.name}


@rule("not_migrating")
def not_migrating(check: Check) -> Iterator[Fields]:
    """Partition readiness (slide 35): the partition is not already being migrated."""
    busy = check.lp.state.startswith("Migrating") or any(
        getattr(m, "in_progress", False) and lookup.migration_partition(m) == check.lp.name
        and getattr(m, "source", check.src.name) == check.src.name
        for m in check.estate.migrations)
    if busy:
        yield {"lpar": check.lp.name}


@rule("valid_state")
def valid_state(check: Check) -> Iterator[Fields]:
    """Validation (slide 36) and inactive migration (slide 33): Running for active, Not Activated for
    inactive, Suspended for suspended migration; any other state is not valid."""
    state = check.lp.state
    if state.startswith("Migrating"):
        return
    if STATE_FOR_KIND.get(check.kind) != state:
        yield {"lpar": check.lp.name, "state": state}


@rule("ever_activated")
def ever_activated(check: Check) -> Iterator[Fields]:
    """Inactive migration (slide 33): a partition that has never been activated cannot be migrated
    (workaround: activate to SMS, then shut down)."""
    if not check.lp.ever_activated:
        yield {"lpar": check.lp.name}


@rule("os_level")
def os_level(check: Check) -> Iterator[Fields]:
    """Requirements (slide 7) and checklist 1/2 (slide 20, operating system support): AIX 5.3 5300-07-01
    or 6.1 6100-02-08 and later, RHEL 5.1, SLES 10, IBM i 7.1 for active migration (slide 33: inactive
    migration accepts older levels)."""
    if os_supported(check.lp.os_version) is False:
        yield {"lpar": check.lp.name, "os": check.lp.os_version, "kind": check.kind}


@rule("physical_io")
def physical_io(check: Check) -> Iterator[Fields]:
    """Validation (slide 36) and checklists (slides 7, 9, 20-21): no physical I/O for active migration."""
    for slot in check.lp.io_slots:
        yield {"lpar": check.lp.name, "slot": slot}


@rule("physical_io_removed")
def physical_io_removed(check: Check) -> Iterator[Fields]:
    """Inactive migration (slide 33): physical I/O configured in the partition or its profiles is
    removed during the migration - a warning."""
    slots = list(dict.fromkeys([*check.lp.io_slots, *(s for p in check.lp.profiles for s in p.io_slots)]))
    for slot in slots:
        yield {"lpar": check.lp.name, "slot": slot}


@rule("lhea_sriov")
def lhea_sriov(check: Check) -> Iterator[Fields]:
    """Checklist 1/2 (slide 20), slides 7 and 29: no Host Ethernet Adapter (IVE) logical ports and no
    SR-IOV logical ports."""
    ports = [*check.lp.lhea_ports, *check.lp.sriov_ports]
    if ports:
        yield {"lpar": check.lp.name, "ports": ", ".join(ports)}


@rule("huge_pages")
def huge_pages(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), checklist 1/2 (slide 20): no huge pages (fine for inactive migration)."""
    if check.lp.huge_pages > 0:
        yield {"lpar": check.lp.name}


@rule("bsr")
def bsr(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), checklist 1/2 (slide 20): no barrier synchronization register arrays
    (fine for inactive migration)."""
    if check.lp.bsr_arrays > 0:
        yield {"lpar": check.lp.name}


@rule("workload_group")
def workload_group(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), checklist 1/2 (slide 20): not in a partition workload group."""
    if check.lp.work_group_id not in ("", "none"):
        yield {"lpar": check.lp.name, "group": check.lp.work_group_id}


@rule("redundant_error_path")
def redundant_error_path(check: Check) -> Iterator[Fields]:
    """Checklist 1/2 (slide 20): no redundant error path reporting (fine for inactive migration)."""
    if check.lp.redundant_err_path_reporting:
        yield {"lpar": check.lp.name}


@rule("service_partition")
def service_partition(check: Check) -> Iterator[Fields]:
    """Checklist 1/2 (slide 20): the partition is not the service partition."""
    if check.lp.service_partition:
        yield {"lpar": check.lp.name}


@rule("virtual_serial")
def virtual_serial(check: Check) -> Iterator[Fields]:
    """Validation (slide 36): no required virtual serial adapters beyond the first two (slots 0 and 1)."""
    slots = sorted(s for s in check.lp.required_serial_slots if s >= 2)
    if slots:
        yield {"lpar": check.lp.name, "slots": ", ".join(map(str, slots))}


@rule("open_console")
def open_console(check: Check) -> Iterator[Fields]:
    """Checklist 1/2 (slide 20) and effects of migration (slide 45): an open console is closed by the
    migration - a warning only."""
    if check.lp.open_console:
        yield {"lpar": check.lp.name}


@rule("ibmi_mobility")
def ibmi_mobility(check: Check) -> Iterator[Fields]:
    """Checklist 2/2 (slide 21): an IBM i partition must be in restricted I/O mode and the destination
    must support IBM i partition mobility."""
    if check.lp.env != "os400":
        return
    capable = Estate.capabilities(check.target).get("os400_lpar_mobility_capable", 0)
    if not check.lp.ibmi_restricted_io or not capable:
        yield {"lpar": check.lp.name}
