"""chdev: change device attributes (§8.4).

    chdev -dev NAME [-perm] -attr ATTR=VALUE [ATTR=VALUE ...]

All attributes are checked before anything changes: unknown names (0514-017), attributes that are not
user-settable or values outside the legal list or range (0514-018). Without -perm an open device
answers 0514-062 unless every attribute is ``dynamic`` or already has the value asked for; with
-perm the values wait in the ODM for the next VIOS restart (see attrs.py). Success prints
``NAME changed``, also when nothing had to change, as AIX does.
"""
from __future__ import annotations

from . import attrs
from .data import message, rules
from .devices import Device, Registry, rootvg_disk
from .sea import recompute_states
from .shell import SOME, Arity, ViosCtx, ViosError, ioscli, parse_flags

SPEC: dict[str, Arity] = {"-dev": 1, "-perm": 0, "-attr": SOME, "-restoreroute": 0}


@ioscli("chdev")
def chdev(ctx: ViosCtx, args: list[str]) -> str:
    flags = parse_flags("chdev", args, SPEC)
    for required in ("-dev", "-attr"):
        if required not in flags:
            raise ViosError.of("missing_flag", command="chdev", flag=required)
    wanted: dict[str, str] = {}
    for word in flags.words("-attr"):
        name, sep, value = word.partition("=")
        if not sep or not name:
            raise ViosError.of("invalid_value", command="chdev", value=word, flag="-attr")
        wanted[name] = value
    registry = Registry(ctx.system, ctx.lpar, ctx.vios)
    dev = registry.get(str(flags["-dev"]))
    if dev is None:
        raise ViosError.of("no_device", device=flags["-dev"])
    _validate(dev, wanted)
    vios = ctx.writable_vios()
    changing = {a: v for a, v in wanted.items() if v != attrs.running(vios, dev, a)}
    perm = "-perm" in flags
    specs = attrs.specs(dev)
    check = wanted if rules("chdev").get("same_value_busy", False) else changing
    if not perm and any(not specs[a].dynamic for a in check) and is_open(ctx, registry, dev):
        raise ViosError.aix("device_busy", method=dev.spec["method"])
    for name, value in wanted.items():
        if perm:
            attrs.set_pending(vios, dev, name, value)
        else:
            attrs.set_running(vios, dev, name, value)
    if dev.kind == "sea" and not perm and "ha_mode" in changing:
        recompute_states(ctx.system)
    return f"{dev.name} changed\n"


def _validate(dev: Device, wanted: dict[str, str]) -> None:
    specs = attrs.specs(dev)
    method = dev.spec["method"]
    unknown = [a for a in wanted if a not in specs]
    if unknown:
        lines = "\n".join(message("attr_line", attr=a, description="")[0].rstrip() for a in unknown)
        raise ViosError.aix("invalid_attr_name", method=method, attrs=lines)
    bad = [a for a, v in wanted.items() if not specs[a].user_settable or not specs[a].legal(v)]
    if bad:
        lines = "\n".join(message("attr_line", attr=a, description=specs[a].description)[0] for a in bad)
        raise ViosError.aix("invalid_attr_value", method=method, attrs=lines)


def is_open(ctx: ViosCtx, registry: Registry, dev: Device) -> bool:
    """Whether the device is in use, so that a change needs -perm."""
    policy = rules("chdev")
    vios = ctx.vios
    if dev.kind == "sea":
        return bool(policy.get("sea_busy", True))
    if dev.kind in ("disk_san", "disk_internal", "lv"):
        if dev.ref is not None and dev.ref is rootvg_disk(vios) and policy.get("rootvg_busy", True):
            return True
        for vtd in registry.topology.vtds:
            if vtd.backing != dev.name:
                continue
            if policy.get("busy_when_mapped") == "always":
                return True
            client = ctx.estate.find_lpar(ctx.system, name=vtd.adapter.remote_lpar)
            if client is not None and client.state in policy.get("open_client_states", []):
                return True
        return False
    if dev.kind in ("fcs", "fscsi"):
        port = dev.ref
        has_disks = any(d.kind == "san" for d in vios.disks)
        mapped = any(a.fc_port == port.name for _, a in registry.topology.vfchosts)
        return has_disks or mapped
    if dev.kind in ("ent_physical", "ent_virtual"):
        return dev.name in registry.sea_members()
    return False
