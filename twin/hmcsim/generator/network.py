"""Networks of a generated fleet: the VLANs of each SAN group, and the trunk adapters and SEA of each VIOS.

Every VIOS of a group bridges every VLAN its group's partitions use, so any partition can move within
its group; VIOS 1 holds the primary SEA, VIOS 2 the backup.
"""
from __future__ import annotations

from ..model import Sea, VEth
from .plans import Context, SystemPlan

VLANS_PER_TRUNK = 18            # additional VLANs per trunk adapter (802.1Q limit is 19 or 20)
FIRST_TRUNK_SLOT, CONTROL_SLOT, MORE_TRUNKS_SLOT = 11, 12, 13
CONTROL_VLAN = 99


def draw_vlan_pool(ctx: Context, group: int) -> None:
    """The VLANs the partitions of one SAN group draw from (3 to 12 of 100-999)."""
    ctx.vlan_pools[group] = sorted(ctx.rng.sample(range(100, 1000), ctx.rng.randint(3, 12)))


def settle_group_vlans(ctx: Context, group: list[SystemPlan]) -> None:
    """The VLANs a group's VIOS bridge: those its partitions use (at least one)."""
    g = group[0].group
    used = sorted({v for p in group for c in p.clients for v in c.vlans})
    ctx.group_vlans[g] = used or ctx.vlan_pools[g][:1]


def client_vlans(ctx: Context, plan: SystemPlan) -> list[int]:
    """One VLAN of the group's pool, sometimes a second one."""
    rng = ctx.rng
    pool = ctx.vlan_pools[plan.group]
    vlans = [rng.choice(pool)]
    if rng.random() < 0.15:
        second = rng.choice(pool)
        if second != vlans[0]:
            vlans.append(second)
    return vlans


def vios_ethernet(ctx: Context, plan: SystemPlan, v: int) -> tuple[list[VEth], Sea]:
    """The virtual Ethernet adapters of VIOS ``v`` (trunks of up to 18 extra VLANs each, a control channel)
    and its SEA over the trunks."""
    vlans = ctx.group_vlans[plan.group]
    chunks = [vlans[i:i + VLANS_PER_TRUNK] for i in range(0, len(vlans), VLANS_PER_TRUNK)]
    trunk_slots = [FIRST_TRUNK_SLOT] + [MORE_TRUNKS_SLOT + i for i in range(len(chunks) - 1)]
    eth = [VEth(slot=slot, port_vlan_id=1 if i == 0 else 4000 + i, addl_vlan_ids=chunk, is_trunk=True,
                trunk_priority=v, ieee_virtual_eth=True)
           for i, (slot, chunk) in enumerate(zip(trunk_slots, chunks))]
    eth.append(VEth(slot=CONTROL_SLOT, port_vlan_id=CONTROL_VLAN))
    sea = Sea(name="ent8", trunk_slots=trunk_slots, ctl_chan="ent5", priority=v,
              state="PRIMARY" if v == 1 else "BACKUP")
    return eth, sea
