"""lsdev: list devices, or show one device's attributes, legal values, parent or children (§8.2).

    lsdev [-type T...] [-virtual] [-field F...] [-fmt D] [-state S]
    lsdev {-dev NAME | -plc PHYSLOC} [-child] [-field F...] [-fmt D]
    lsdev {-dev NAME | -plc PHYSLOC} [-attr [ATTR] | -range ATTR | -parent | -vpd]
    lsdev [-type T...] [-virtual] [-state S] -vpd
    lsdev -slots
"""
from __future__ import annotations

from typing import Optional

from . import attrs, slots, vpd
from .data import layout
from .devices import Device, Registry
from .shell import MANY, Arity, Flags, ViosCtx, ViosError, ioscli, parse_flags
from .table import delimited, field_names, line

SPEC: dict[str, Arity] = {"-type": MANY, "-virtual": 0, "-field": MANY, "-fmt": 1, "-state": 1, "-dev": 1, "-plc": 1,
        "-child": 0, "-attr": MANY, "-range": 1, "-parent": 0, "-vpd": 0, "-slots": 0}
FIELDS = ("name", "status", "description", "physloc", "parent", "class", "subclass", "type", "prefix")
TYPES = ("adapter", "disk", "lv", "optical", "sea", "ent4ip", "ent4sea", "vent4sea", "tape", "tty")
STATES = ("available", "defined", "stopped")


@ioscli("lsdev")
def lsdev(ctx: ViosCtx, args: list[str]) -> str:
    flags = parse_flags("lsdev", args, SPEC)
    registry = Registry(ctx.system, ctx.lpar, ctx.vios)
    if "-slots" in flags:
        extra = next((f for f in flags if f != "-slots"), None)
        if extra is not None:
            raise ViosError.of("invalid_flag", command="lsdev", flag=extra)
        return slots.render(slots.slot_rows(registry))
    if "-dev" in flags or "-plc" in flags:
        dev = _one(registry, flags)
        if "-vpd" in flags:
            return vpd.render(ctx.system, ctx.lpar, dev)
        if "-attr" in flags:
            return _attributes(ctx, dev, flags.words("-attr"))
        if "-range" in flags:
            return _range(dev, str(flags["-range"]))
        if "-parent" in flags:
            return f"parent\n\n{dev.parent}\n" if dev.parent else ""
        if "-child" in flags:
            return _table([d for d in registry.devices if d.parent == dev.name], flags)
        return _table([dev], flags)
    if "-vpd" in flags:
        return "\n".join(vpd.render(ctx.system, ctx.lpar, dev) for dev in _select(registry, flags))
    return _table(_select(registry, flags), flags)


def _one(registry: Registry, flags: Flags) -> Device:
    if "-dev" in flags:
        name = str(flags["-dev"])
        dev = registry.get(name)
    else:
        name = str(flags["-plc"])
        dev = next((d for d in registry.devices if d.physloc and d.physloc == name), None)
    if dev is None:
        raise ViosError.of("no_device", device=name)
    return dev


def _select(registry: Registry, flags: Flags) -> list[Device]:
    devices = registry.devices
    if "-virtual" in flags:
        devices = [d for d in devices if d.virtual]
    if "-type" in flags:
        wanted = flags.words("-type")
        for kind in wanted:
            if kind not in TYPES:
                raise ViosError.of("invalid_value", command="lsdev", value=kind, flag="-type")
        devices = [d for d in devices if any(_has_type(registry, d, t) for t in wanted)]
    if "-state" in flags:
        state = str(flags["-state"]).lower()
        if state not in STATES:
            raise ViosError.of("invalid_value", command="lsdev", value=flags["-state"], flag="-state")
        devices = [d for d in devices if d.status.lower() == state]
    return devices


def _has_type(registry: Registry, dev: Device, kind: str) -> bool:
    seas = registry.vios.seas
    if kind == "ent4sea":
        return dev.kind == "ent_physical" and all(s.real_adapter != dev.name for s in seas)
    if kind == "vent4sea":
        eth = registry.topology.veth_of(dev.name)
        return eth is not None and eth.is_trunk and all(eth.slot not in s.trunk_slots for s in seas)
    if kind == "ent4ip" and dev.kind in ("ent_physical", "ent_virtual"):
        return dev.name not in registry.sea_members()
    return kind in dev.spec.get("types", [])


def _table(devices: list[Device], flags: Flags) -> str:
    names = field_names(flags.words("-field")) if "-field" in flags else ["name", "status", "description"]
    for name in names:
        if name not in FIELDS:
            raise ViosError.of("invalid_value", command="lsdev", value=name, flag="-field")
    if not devices:
        return ""
    rows = [[d.column(n) for n in names] for d in devices]
    delimiter: Optional[str] = flags.text("-fmt")
    if delimiter is not None:
        return "".join(delimited(row, delimiter) + "\n" for row in rows)
    widths: dict[str, int] = layout("lsdev")["widths"]
    columns = [[n, widths.get(n, 16), "left"] for n in names]
    out = [line(names, columns)] + [line(row, columns) for row in rows]
    return "\n".join(out) + "\n"


def _attributes(ctx: ViosCtx, dev: Device, wanted: list[str]) -> str:
    specs = attrs.specs(dev)
    for name in wanted:
        if name not in specs:
            raise ViosError.aix("no_such_attribute", attr=name)
    if wanted:
        return "value\n\n" + "".join(attrs.shown(ctx.vios, dev, name) + "\n" for name in wanted)
    if not specs:
        return ""
    rows = [[s.name, attrs.shown(ctx.vios, dev, s.name), s.description, s.settable] for s in specs.values()]
    head = ["attribute", "value", "description", "user_settable"]
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(4)]
    columns = [[head[i], widths[i], "left"] for i in range(4)]
    return "\n".join([line(head, columns), ""] + [line(r, columns) for r in rows]) + "\n"


def _range(dev: Device, name: str) -> str:
    specs = attrs.specs(dev)
    if name not in specs:
        raise ViosError.aix("no_such_attribute", attr=name)
    return "".join(text + "\n" for text in specs[name].legal_text())
