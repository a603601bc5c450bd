"""Installed memory and processor units: each system's load plus room to take any one system's clients.

A system is sized for its own load plus 10 %, then the systems of a SAN group grow in 64 GB / 2-core steps
until the client partitions of any one system fit on the others (largest first onto the roomiest, keeping
5 % of each target free).
"""
from __future__ import annotations

import math
from typing import Optional

from .plans import SystemPlan

MEM_GRANULE_MB = 64 * 1024      # installed memory comes in 64 GB steps
FIRMWARE_BASE_MB = 2048         # ManagedSystem.firmware_mem_base_mb default
HEADROOM = 1.10                 # the load fills at most ~90% of a system before evacuation headroom
RESERVE = 0.05                  # share of a target kept free when checking that an evacuation fits
BIG_SYSTEM_CLIENTS = 60         # above this many clients a system gets larger VIOS


def footprint_mb(mem_mb: int) -> int:
    """Memory a partition takes on a system: its memory plus the hypervisor page table.

    Mirrors Estate.hpt_mb with the default maximum memory (twice the memory) and hpt_ratio 64.
    """
    return mem_mb + (2 * mem_mb) // 64


def round_up(value: int, step: int) -> int:
    return -(-value // step) * step


def size_group(group: list[SystemPlan]) -> None:
    """Size the VIOS and the installed memory and processor units of one SAN group's systems."""
    for plan in group:
        big = len(plan.clients) > BIG_SYSTEM_CLIENTS
        plan.vios_mem_mb = 16384 if big else 8192
        plan.vios_proc_units = 2.0 if big else 1.0
        plan.installed_mem_mb = round_up(int(used_mem(plan) * HEADROOM), MEM_GRANULE_MB)
        plan.installed_proc_units = float(round_up(math.ceil(used_proc(plan) * HEADROOM), 2))
    if len(group) < 2:
        return
    _meet_bound(group, "mem")
    _meet_bound(group, "proc")
    for _ in range(100 * len(group)):
        short = _evacuation_shortfall(group)
        if short is None:
            return
        _grow([p for p in group if p is not short[0]], short[1], 1)
    raise RuntimeError("could not size the systems of a SAN group for evacuation")  # pragma: no cover


def used_mem(plan: SystemPlan) -> int:
    return (FIRMWARE_BASE_MB + 2 * footprint_mb(plan.vios_mem_mb)
            + sum(footprint_mb(c.mem_mb) for c in plan.clients))


def used_proc(plan: SystemPlan) -> float:
    return 2 * plan.vios_proc_units + sum(c.proc_units for c in plan.clients)


def _free(plan: SystemPlan, resource: str) -> float:
    """What a system can still take, keeping the reserve free."""
    if resource == "mem":
        return plan.installed_mem_mb * (1 - RESERVE) - used_mem(plan)
    return plan.installed_proc_units * (1 - RESERVE) - used_proc(plan)


def _grow(plans: list[SystemPlan], resource: str, steps: int) -> None:
    for plan in plans:
        if resource == "mem":
            plan.installed_mem_mb += steps * MEM_GRANULE_MB
        else:
            plan.installed_proc_units += steps * 2.0


def _meet_bound(group: list[SystemPlan], resource: str) -> None:
    """Grow the systems until, for each source, the others' free capacity covers its clients plus one
    largest client per extra target: enough for any largest-first placement in one dimension."""
    step = MEM_GRANULE_MB if resource == "mem" else 2.0
    for _ in range(len(group) + 1):
        grown = False
        for source in group:
            items = [footprint_mb(c.mem_mb) if resource == "mem" else c.proc_units for c in source.clients]
            if not items:
                continue
            targets = [p for p in group if p is not source]
            need = sum(items) + (len(targets) - 1) * max(items)
            deficit = need - sum(_free(t, resource) for t in targets)
            if deficit > 0:
                _grow(targets, resource, math.ceil(deficit / len(targets) / step))
                grown = True
        if not grown:
            return


def _evacuation_shortfall(group: list[SystemPlan]) -> Optional[tuple[SystemPlan, str]]:
    """The first system whose clients do not fit on the others (largest first, onto the roomiest)."""
    for source in group:
        targets = [p for p in group if p is not source]
        # a reserve on every target keeps the evacuation feasible for other placement orders too
        free_mem = {p.index: _free(p, "mem") for p in targets}
        free_proc = {p.index: _free(p, "proc") for p in targets}
        for client in sorted(source.clients, key=lambda c: (-c.mem_mb, -c.proc_units, c.lpar_id)):
            need_mem, need_proc = footprint_mb(client.mem_mb), client.proc_units
            fits = [i for i in free_mem if free_mem[i] >= need_mem and free_proc[i] >= need_proc - 1e-9]
            if not fits:
                mem_short = all(free_mem[i] < need_mem for i in free_mem)
                return source, "mem" if mem_short else "proc"
            best = max(fits, key=lambda i: (free_mem[i], -i))
            free_mem[best] -= need_mem
            free_proc[best] -= need_proc
    return None
