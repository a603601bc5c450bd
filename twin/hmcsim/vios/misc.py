"""ioslevel (§8.1) and lsnports (§8.8)."""
from __future__ import annotations

from .data import layout
from .devices import Registry
from .shell import ViosCtx, ViosError, ioscli, parse_flags
from .table import heading, line

E_NO_NPIV_PORTS = 62


@ioscli("ioslevel")
def ioslevel(ctx: ViosCtx, args: list[str]) -> str:
    parse_flags("ioslevel", args, {})
    return ctx.vios.ioslevel + "\n"


@ioscli("lsnports")
def lsnports(ctx: ViosCtx, args: list[str]) -> str:
    """FC ports of NPIV-capable adapters. fabric is 1 when the port's fabric supports NPIV; aports and
    awwpns are the scenario's numbers less what this VIOS's vfchost mappings use (1 port, 2 WWPNs each)."""
    flags = parse_flags("lsnports", args, {"-fmt": 1})
    ports = ctx.vios.fc_ports
    if not any(p.npiv for p in ports):
        raise ViosError("", E_NO_NPIV_PORTS)
    registry = Registry(ctx.system, ctx.lpar, ctx.vios)
    rows = []
    for port in ports:
        mapped = sum(1 for _, a in registry.topology.vfchosts if a.fc_port == port.name)
        dev = registry.get(port.name)
        rows.append([port.name, dev.physloc if dev else port.physloc, "1" if port.npiv and port.fabric else "0",
                     str(port.tports), str(max(0, port.aports - mapped)), str(port.swwpns),
                     str(max(0, port.awwpns - 2 * mapped))])
    delimiter = flags.text("-fmt")
    if delimiter is not None:
        return "".join(delimiter.join(row) + "\n" for row in rows)
    columns = layout("lsnports")["columns"]
    return "\n".join(heading(columns) + [line(row, columns) for row in rows]) + "\n"
