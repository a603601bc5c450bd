"""Storage of a generated fleet: LUNs, client WWPNs, VIOS disks and FC ports, vSCSI and vFC server adapters.

The systems of a SAN group share two fabrics (``SANnn_A``, ``SANnn_B``) and see every vSCSI LUN of the
group under the same ``lun`` on both VIOS, so a vSCSI client can be hosted anywhere in its group; NPIV
clients get two vFC adapters whose WWPN pairs are zoned on the two fabrics.
"""
from __future__ import annotations

from ..model import Disk, Fabric, FcPort, Lpar, VFc, VScsi
from .catalogue import INTERNAL_DISK_MB
from .naming import unit_location
from .plans import Context, SystemPlan

FIRST_SERVER_SLOT = 20


def fabric_names(group: int) -> tuple[str, str]:
    return f"SAN{group + 1:02d}_A", f"SAN{group + 1:02d}_B"


def group_fabrics(group: int) -> tuple[Fabric, Fabric]:
    a, b = fabric_names(group)
    return Fabric(a), Fabric(b)


def new_lun(ctx: Context, group: int, size_mb: int) -> tuple[str, int]:
    """A LUN of the group's storage: (unique id, size in MB)."""
    ctx.lun_counter += 1
    return f"60050768018{group:03X}E0{ctx.lun_counter:016X}", size_mb


def next_wwpns(ctx: Context) -> list[str]:
    """The next client WWPN pair (active, inactive)."""
    base = 0xA000000000 + 2 * ctx.wwpn_counter
    ctx.wwpn_counter += 1
    return [f"c05076{base:010x}", f"c05076{base + 1:010x}"]


def vios_disks(plan: SystemPlan, v: int, group_luns: list[tuple[str, int]]) -> tuple[list[Disk], dict[str, str]]:
    """The disks of VIOS ``v``: its internal disks first, then every LUN of the group; and hdisk by LUN."""
    first = plan.internal_disks
    disks = [Disk(name=f"hdisk{d}", lun=f"int-{plan.short}-vios{v}-{d}", kind="internal",
                  reserve_policy="single_path", size_mb=INTERNAL_DISK_MB) for d in range(first)]
    hdisk = {lun: f"hdisk{first + i}" for i, (lun, _) in enumerate(group_luns)}
    disks += [Disk(name=hdisk[lun], lun=lun, size_mb=size) for lun, size in group_luns]
    return disks, hdisk


def fc_card(v: int) -> int:
    """VIOS 1 owns slots C1 (FC) and C2 (Ethernet), VIOS 2 owns C3 and C4."""
    return 2 * v - 1


def vios_fc_ports(plan: SystemPlan, v: int) -> list[FcPort]:
    """Two FC ports on the group's two fabrics (VIOS 2 in the opposite order)."""
    fabrics = fabric_names(plan.group)
    if v == 2:
        fabrics = fabrics[::-1]
    unit = unit_location(plan)
    return [FcPort(name=f"fcs{p}", fabric=fabrics[p], physloc=f"{unit}-P1-C{fc_card(v)}-T{p + 1}")
            for p in range(2)]


def server_adapters(name: str, clients: list[Lpar], luns: dict[int, list[tuple[str, int]]],
                    hdisk: dict[str, str]) -> tuple[list[VScsi], list[VFc]]:
    """The server adapters of VIOS ``name`` for its clients, from slot 20 in client order; the client
    adapters learn their remote slot."""
    scsi: list[VScsi] = []
    fc: list[VFc] = []
    slot = FIRST_SERVER_SLOT
    for lp in clients:
        client_scsi = next((a for a in lp.scsi if a.remote_lpar == name), None)
        if client_scsi is not None:
            client_scsi.remote_slot = slot
            scsi.append(VScsi(slot=slot, adapter_type="server", remote_lpar=lp.name,
                              remote_slot=client_scsi.slot, backing=[hdisk[lun] for lun, _ in luns[lp.id]]))
            slot += 1
        client_fc = next((a for a in lp.fc if a.remote_lpar == name), None)
        if client_fc is not None:
            client_fc.remote_slot = slot
            fc.append(VFc(slot=slot, adapter_type="server", remote_lpar=lp.name, remote_slot=client_fc.slot,
                          fc_port="fcs0"))
            slot += 1
    return scsi, fc
