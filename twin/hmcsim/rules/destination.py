"""What the destination system must offer the partition (field guide slides 8-10, 19-21, 30, 36)."""
from __future__ import annotations

from typing import Iterator

from ..estate import Estate
from ..formats import format_units
from .base import Check, Fields, rule

TOLERANCE = 1e-9


@rule("name_free")
def name_free(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), prereqs (slide 8): no partition on the destination has the same name."""
    if Estate.find_lpar(check.target, name=check.lp.name) is not None:
        yield {"lpar": check.lp.name, "target": check.target.name}


@rule("id_free")
def id_free(check: Check) -> Iterator[Fields]:
    """migrlpar dest_lpar_id (hmc-cli-facts.md §5.3): a requested partition ID must be free on the
    destination."""
    wanted = check.req.dest_lpar_id
    if wanted is not None and Estate.find_lpar(check.target, lpar_id=wanted) is not None:
        yield {"lpar_id": wanted, "target": check.target.name}


@rule("id_valid")
def id_valid(check: Check) -> Iterator[Fields]:
    """migrlpar dest_lpar_id: a requested partition ID must be within the destination's range."""
    wanted = check.req.dest_lpar_id
    if wanted is not None and not 1 <= wanted <= check.target.max_lpars:
        yield {"lpar_id": wanted, "system": check.target.name, "max": check.target.max_lpars}


@rule("id_available")
def id_available(check: Check) -> Iterator[Fields]:
    """Create new LPAR (slide 5): the destination has a free partition ID for the shell partition."""
    if check.req.dest_lpar_id is None and check.res.dest_lpar_id is None:
        yield {"system": check.target.name}


@rule("memory_available")
def memory_available(check: Check) -> Iterator[Fields]:
    """System resource availability (slides 8, 10, 35): the destination has the partition's memory plus
    its hypervisor page table available."""
    required = check.lp.mem_mb + Estate.hpt_mb(check.lp)
    available = check.estate.avail_mem_mb(check.target)
    if required > available:
        yield {"target": check.target.name, "lpar": check.lp.name, "required": required,
               "available": available}


@rule("processors_available")
def processors_available(check: Check) -> Iterator[Fields]:
    """System resource availability (slides 8, 10, 35): processing units (shared) or processors
    (dedicated) are available on the destination."""
    required = check.lp.proc_units if check.lp.proc_mode == "shared" else float(check.lp.procs)
    available = check.estate.avail_proc_units(check.target)
    if required > available + TOLERANCE:
        yield {"target": check.target.name, "lpar": check.lp.name, "required": format_units(required),
               "available": format_units(available)}


@rule("compat_mode")
def compat_mode(check: Check) -> Iterator[Fields]:
    """Processor compatibility mode (slides 30-31, 33): the destination supports the partition's
    current mode (active) or its preferred mode (inactive)."""
    if check.kind == "inactive":
        mode = check.lp.compat_desired or "default"
    else:
        mode = Estate.current_compat(check.src, check.lp)
    if mode not in Estate.compat_modes(check.target):
        yield {"mode": mode, "lpar": check.lp.name}


@rule("proc_units_per_vp")
def proc_units_per_vp(check: Check) -> Iterator[Fields]:
    """Checklists (slides 10, 21): a shared partition below 0.1 processing units per virtual processor
    needs a destination whose minimum is as low (0.05, POWER7+)."""
    if check.lp.proc_mode != "shared" or check.lp.procs <= 0:
        return
    per_vp = check.lp.proc_units / check.lp.procs
    minimum = check.target.min_proc_units_per_vp
    if per_vp + TOLERANCE < minimum:
        yield {"lpar": check.lp.name, "units": format_units(round(per_vp, 2)), "minimum": format_units(minimum)}


@rule("shared_memory")
def shared_memory(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19): a shared memory (AMS) partition needs a paging device available on the
    destination."""
    if check.lp.mem_mode == "shared" and check.target.ams_paging_devices < 1:
        yield {"lpar": check.lp.name}


@rule("memory_expansion")
def memory_expansion(check: Check) -> Iterator[Fields]:
    """Checklist 2/2 (slide 21): a partition using Active Memory Expansion needs AME on the destination."""
    if check.lp.mem_expansion > 0 and not Estate.capabilities(check.target).get("active_mem_expansion_capable"):
        yield {"lpar": check.lp.name}


@rule("reserved_storage")
def reserved_storage(check: Check) -> Iterator[Fields]:
    """Checklist 2/2 (slide 21): a suspend-capable partition needs a reserved storage pool of at least
    110 percent of its memory on the destination."""
    required = -(-check.lp.mem_mb * 11 // 10)
    if check.lp.suspend_capable and check.target.reserved_storage_mb < required:
        yield {"required": required, "lpar": check.lp.name}


@rule("proc_pool")
def proc_pool(check: Check) -> Iterator[Fields]:
    """Migration set-up (slide 38, destination shared processor pool): a requested pool exists on the
    destination."""
    name, pool_id = check.req.shared_proc_pool_name, check.req.shared_proc_pool_id
    if not name and pool_id is None:
        return
    for pool in check.target.shared_proc_pools:
        if (not name or pool.name == name) and (pool_id is None or pool.id == pool_id):
            return
    yield {"pool": name or str(pool_id), "target": check.target.name}


@rule("mac_unique")
def mac_unique(check: Check) -> Iterator[Fields]:
    """Validation (slide 36), checklist 1/2 (slide 20): the partition's virtual MAC addresses are unique
    on the destination."""
    used = {e.mac_addr.upper() for lp in check.target.lpars for e in lp.eth if e.mac_addr}
    for eth in check.lp.eth:
        if eth.mac_addr and eth.mac_addr.upper() in used:
            yield {"mac": eth.mac_addr, "lpar": check.lp.name}


@rule("uuid_unique")
def uuid_unique(check: Check) -> Iterator[Fields]:
    """migrlpar --uuid (hmc-cli-facts.md §5.1): the partition UUID is not in use on the destination;
    --uuid 2 lets the HMC generate a new one (a warning then)."""
    if check.lp.uuid and any(lp.uuid == check.lp.uuid for lp in check.target.lpars):
        yield {"uuid": check.lp.uuid, "lpar": check.lp.name, "target": check.target.name}
