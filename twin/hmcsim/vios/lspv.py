"""lspv: physical volumes of the VIOS (§8.7).

    lspv [-avail | -free] [-field name pvid vg status size] [-fmt D]

The VIOS's first internal disk holds rootvg (active); other disks are in no volume group. -avail and
-free list the disks that are neither in a volume group nor mapped to a virtual target device.
"""
from __future__ import annotations

from typing import Optional

from ..model import Disk
from .data import layout
from .devices import Registry, disk_pvid, rootvg_disk
from .shell import MANY, Arity, ViosCtx, ViosError, ioscli, parse_flags
from .table import field_names, heading, line

SPEC: dict[str, Arity] = {"-avail": 0, "-free": 0, "-size": 0, "-field": MANY, "-fmt": 1}
HEADINGS = {"name": "NAME", "pvid": "PVID", "vg": "VG", "status": "STATUS", "size": "SIZE(megabytes)"}
WIDTHS = {"name": 16, "pvid": 36, "vg": 16, "status": 16, "size": 0}


@ioscli("lspv")
def lspv(ctx: ViosCtx, args: list[str]) -> str:
    flags = parse_flags("lspv", args, SPEC)
    vios = ctx.vios
    rootvg = rootvg_disk(vios)
    disks = [d for d in vios.disks if d.kind in ("san", "internal")]
    free = "-avail" in flags or "-free" in flags
    if free:
        mapped = {vtd.backing for vtd in Registry(ctx.system, ctx.lpar, vios).topology.vtds}
        disks = [d for d in disks if d is not rootvg and d.name not in mapped]
    rows = [_record(ctx, d, d is rootvg) for d in disks]
    names = field_names(flags.words("-field")) if "-field" in flags else None
    for name in names or []:
        if name not in HEADINGS:
            raise ViosError.of("invalid_value", command="lspv", value=name, flag="-field")
    delimiter: Optional[str] = flags.text("-fmt")
    if delimiter is not None:
        chosen = names or (["name", "pvid", "size"] if free else ["name", "pvid", "vg", "status"])
        return "".join(delimiter.join(r[n] for n in chosen) + "\n" for r in rows)
    if names is not None:
        columns = [[HEADINGS[n], WIDTHS[n], "left"] for n in names]
        chosen = names
    else:
        cfg = layout("lspv")
        columns = cfg["free_columns"] if free else cfg["columns"]
        chosen = ["name", "pvid", "size"] if free else ["name", "pvid", "vg", "status"]
    if not rows:
        return ""
    return "\n".join(heading(columns) + [line([r[n] for n in chosen], columns) for r in rows]) + "\n"


def _record(ctx: ViosCtx, disk: Disk, in_rootvg: bool) -> dict[str, str]:
    return {"name": disk.name, "pvid": disk_pvid(ctx.system, ctx.lpar, ctx.vios, disk),
            "vg": "rootvg" if in_rootvg else "None", "status": "active" if in_rootvg else "",
            "size": str(disk.size_mb)}
