"""Client partitions: how many per system, and each one's workload, memory, processors, storage, VLANs and OS.

Memory is log-normal per workload class, rounded to usual sizes and bounded by ``memory_range_gb``;
processing units follow from memory; the workload values are drawn from the class ranges.
"""
from __future__ import annotations

import math

from ..model import Fabric, Lpar, VEth, VFc, VScsi, Workload
from .catalogue import LUN_SIZES_MB, NICE_GB, OS_VERSIONS
from .naming import client_ip, client_name
from .network import client_vlans, draw_vlan_pool, settle_group_vlans
from .params import WorkloadClass
from .plans import ClientPlan, Context, SystemPlan, groups
from .storage import new_lun, next_wwpns

MEM_SIGMA = 0.9                 # log-normal spread of partition memory within a workload class
FIRST_CLIENT_ID = 3             # IDs 1 and 2 are the VIOS
ETH_SLOTS, SCSI_SLOTS, FC_SLOTS = (2, 3), (4, 5), (6, 7)    # client adapter slots (first, second)
EXTRA_ETH_SLOT = 8
STORAGE_KINDS = (("vscsi", 0.45), ("npiv", 0.45), ("both", 0.10))


def plan_clients(ctx: Context, plans: list[SystemPlan], lpars: int, target_share: float) -> None:
    """Spread ``lpars`` client partitions evenly over the systems that host clients (each group keeps
    ``target_share`` of its systems empty, but at least one host)."""
    hosts: list[SystemPlan] = []
    for group in groups(plans):
        draw_vlan_pool(ctx, group[0].group)
        landing = min(int(target_share * len(group)), len(group) - 1)
        hosts.extend(group[:len(group) - landing])
    counts = [lpars // len(hosts)] * len(hosts)
    for i in ctx.rng.sample(range(len(hosts)), lpars % len(hosts)):
        counts[i] += 1
    for plan, count in zip(hosts, counts):
        plan.clients = [_client(ctx, plan, FIRST_CLIENT_ID + k) for k in range(count)]
    for group in groups(plans):
        settle_group_vlans(ctx, group)


def _client(ctx: Context, plan: SystemPlan, lpar_id: int) -> ClientPlan:
    rng = ctx.rng
    workload = rng.choices(ctx.workloads, [w.share for w in ctx.workloads])[0]
    mem_gb = _memory_gb(ctx, workload)
    proc_units = round(min(16.0, max(0.1, mem_gb / rng.uniform(*workload.gb_per_proc_unit))), 1)
    procs = max(1, math.ceil(proc_units)) + rng.choice((0, 1))
    storage = rng.choices([k for k, _ in STORAGE_KINDS], [w for _, w in STORAGE_KINDS])[0]
    vlans = client_vlans(ctx, plan)
    os_version = rng.choices([o for o, _ in OS_VERSIONS], [w for _, w in OS_VERSIONS])[0]
    client = ClientPlan(lpar_id, workload, int(mem_gb * 1024), proc_units, procs, storage, vlans, os_version,
                        running=rng.random() >= ctx.inactive_share)
    if storage in ("vscsi", "both"):
        client.luns.append(new_lun(ctx, plan.group, rng.choice(LUN_SIZES_MB)))
        for _ in range(rng.choice((0, 1, 1, 2))):
            client.luns.append(new_lun(ctx, plan.group, max(51200, int(mem_gb * 1024 * rng.uniform(1, 4)))))
    return client


def _memory_gb(ctx: Context, workload: WorkloadClass) -> int:
    raw = ctx.rng.lognormvariate(math.log(workload.mem_median_gb), MEM_SIGMA)
    raw = min(max(raw, ctx.mem_low_gb), ctx.mem_high_gb)
    nice = [g for g in NICE_GB if ctx.mem_low_gb <= g <= ctx.mem_high_gb]
    choices = sorted(set(nice) | {math.ceil(ctx.mem_low_gb), math.floor(ctx.mem_high_gb)})
    return min(choices, key=lambda g: (abs(math.log(g) - math.log(raw)), g))


def client_lpar(ctx: Context, plan: SystemPlan, c: ClientPlan, vios_names: list[str], compat: str,
                fab_a: Fabric, fab_b: Fabric) -> Lpar:
    """The partition of a client plan, with its client adapters (server slots are filled in by the VIOS);
    its NPIV WWPNs are zoned on the two fabrics."""
    lp = Lpar(name=client_name(plan, c.lpar_id), id=c.lpar_id, state="Running" if c.running else "Not Activated",
              os_version=c.os_version if c.running else "Unknown", mem_mb=c.mem_mb,
              proc_units=c.proc_units, procs=c.procs,
              compat_desired=compat if plan.gen == "POWER9" else "default",
              rmc_state="active" if c.running else "inactive",
              rmc_ipaddr=client_ip(plan.index, c.lpar_id) if c.running else "",
              workload=Workload(round(ctx.rng.uniform(*c.workload.dirty_rate_mbs), 1),
                                round(ctx.rng.uniform(*c.workload.wws_pct), 1),
                                round(ctx.rng.uniform(*c.workload.touched_fraction), 2)))
    lp.eth = [VEth(slot=ETH_SLOTS[i], port_vlan_id=vlan) for i, vlan in enumerate(c.vlans)]
    if c.storage in ("vscsi", "both"):
        lp.scsi = [VScsi(slot=slot, remote_lpar=vios) for slot, vios in zip(SCSI_SLOTS, vios_names)]
    if c.storage in ("npiv", "both"):
        for slot, vios, fabric in zip(FC_SLOTS, vios_names, (fab_a, fab_b)):
            wwpns = next_wwpns(ctx)
            fabric.zoned_wwpns.extend(wwpns)
            lp.fc.append(VFc(slot=slot, remote_lpar=vios, wwpns=wwpns))
    return lp
