"""entstat: Ethernet statistics; with -all on an SEA, its failover state and member adapters (§8.6).

The layout follows a real ``entstat -all`` of an SEA (netstat -v) with the traffic counters left out:
device header, SEA flags, VLAN Ids bridged per trunk adapter, the High Availability block (State,
Bridge Mode, High Availability Mode, Priority), then the real adapter (Physical Port Link Status) and
each virtual trunk adapter (Port VLAN ID, VLAN Tag IDs, Switch ID, Trunk Adapter, Priority, Active).
Which lines exist is code (real capture); the member adapter blocks are inferred.
"""
from __future__ import annotations

from ..model import Sea, VEth
from . import attrs
from .devices import Device, Registry, hardware_address
from .shell import ViosCtx, ViosError, ioscli, parse_flags

RULE = "-" * 62
SEA_FLAG_BITS = (("thread", "1", 0x1, "THREAD"), ("largesend", "1", 0x2, "LARGESEND"),
                 ("large_receive", "yes", 0x10, "LARGE_RECEIVE"))
HA_MODES = {"auto": "Auto", "standby": "Standby", "sharing": "Sharing", "disabled": "Disabled"}
BRIDGE_MODES = {"PRIMARY": "All", "BACKUP": "None", "PRIMARY_SH": "Partial", "BACKUP_SH": "Partial"}


@ioscli("entstat")
def entstat(ctx: ViosCtx, args: list[str]) -> str:
    flags = parse_flags("entstat", args, {"-all": 0, "-d": 0, "-reset": 0}, positional=1)
    if not flags.positional:
        raise ViosError.of("missing_flag", command="entstat", flag="device")
    name = flags.positional[0]
    registry = Registry(ctx.system, ctx.lpar, ctx.vios)
    dev = registry.get(name)
    if dev is None or dev.kind not in ("sea", "ent_physical", "ent_virtual"):
        raise ViosError.of("not_ent", device=name)
    lines = _header(ctx, registry, dev)
    if dev.kind == "sea" and "-all" in flags:
        lines += _sea_details(ctx, registry, dev)
    elif dev.kind == "ent_virtual" and isinstance(dev.ref, VEth):
        lines += _virtual_details(dev.ref, active=True)
    elif dev.kind == "ent_physical":
        lines += _link(ctx, dev.name)
    return "\n".join(lines) + "\n"


def _elapsed(seconds: float) -> str:
    total = int(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days} days {hours} hours {minutes} minutes {secs} seconds"


def _mac(ctx: ViosCtx, registry: Registry, dev: Device) -> str:
    return hardware_address(ctx.system, ctx.lpar, dev)


def _header(ctx: ViosCtx, registry: Registry, dev: Device) -> list[str]:
    return [f"ETHERNET STATISTICS ({dev.name}) :", f"Device Type: {dev.description}",
            f"Hardware Address: {_mac(ctx, registry, dev)}",
            f"Elapsed Time: {_elapsed(ctx.estate.clock.now())}"]


def _link(ctx: ViosCtx, name: str, up: bool = True) -> list[str]:
    seas = [s for s in ctx.vios.seas if s.real_adapter == name]
    if seas:
        up = all(s.link_up for s in seas)
    status = "Up" if up else "Down"
    return ["", f"Physical Port Link Status: {status}", f"Logical Port Link Status: {status}"]


def _virtual_details(eth: VEth, active: bool) -> list[str]:
    lines = ["", f"Port VLAN ID: {eth.port_vlan_id:>5}",
             "VLAN Tag IDs: " + (" ".join(f"{v:>5}" for v in eth.addl_vlan_ids) if eth.addl_vlan_ids else " None"),
             f"Switch ID: {eth.vswitch}"]
    if eth.is_trunk:
        lines += ["Trunk Adapter: True", f"  Priority: {eth.trunk_priority}  Active: {active}"]
    return lines


def _sea_details(ctx: ViosCtx, registry: Registry, dev: Device) -> list[str]:
    sea = dev.ref
    if not isinstance(sea, Sea):
        return []
    trunks = [(registry.topology.ent_of_slot(s), next((e for e in ctx.lpar.eth if e.slot == s), None))
              for s in sea.trunk_slots]
    members = [(n, e) for n, e in trunks if n is not None and e is not None]
    bits, names = 0, []
    for attr, on, bit, label in SEA_FLAG_BITS:
        if attrs.running(ctx.vios, dev, attr) == on:
            bits |= bit
            names.append(f"    < {label} >")
    lines = ["", RULE, f"Statistics for adapters in the Shared Ethernet Adapter {sea.name}", RULE,
             f"Number of adapters: {1 + len(members) + (1 if sea.ctl_chan else 0)}", f"SEA Flags: {bits:08X}"]
    lines += names
    lines += ["VLAN Ids :"]
    lines += [f"    {n}: " + " ".join(str(v) for v in [e.port_vlan_id] + e.addl_vlan_ids) for n, e in members]
    if sea.ha_mode != "disabled":
        lines += ["High Availability Statistics:", f"    State: {sea.state}",
                  f"    Bridge Mode: {BRIDGE_MODES.get(sea.state, 'None')}",
                  f"    High Availability Mode: {HA_MODES.get(sea.ha_mode, sea.ha_mode)}",
                  f"    Priority: {sea.priority}"]
    real = registry.get(sea.real_adapter)
    lines += [RULE, f"Real Adapter: {sea.real_adapter}", ""]
    if real is not None:
        lines += _header(ctx, registry, real) + _link(ctx, real.name)
    bridging = sea.state.startswith("PRIMARY") or sea.state.endswith("_SH") or sea.ha_mode == "disabled"
    for name, eth in members:
        member = registry.get(name)
        lines += ["", RULE, f"Virtual Adapter: {name}", ""]
        if member is not None:
            lines += _header(ctx, registry, member)
        lines += _virtual_details(eth, active=bridging)
    return lines
