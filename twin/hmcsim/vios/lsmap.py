"""lsmap: virtual SCSI, NPIV and network mappings of the VIOS (§8.5).

    lsmap {-all | -vadapter NAME | -plc PHYSLOC} [-type T...] [-net | -npiv] [-field F...] [-fmt D]

Default layouts follow the real captures of hmc-cli-facts.md §8.5 (column widths in
data/vios_layouts.yaml). With -fmt each adapter is one line: its fields, then the fields of each of
its VTDs (or SEA) in turn. With -field but no -fmt each chosen field prints as a labelled line.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from .data import layout
from .devices import Registry
from .mappings import (
    NET_ADAPTER_FIELDS,
    NET_SEA_FIELDS,
    NPIV_FIELDS,
    VSCSI_ADAPTER_FIELDS,
    VSCSI_VTD_FIELDS,
    Mapping,
    net,
    npiv,
    vscsi,
)
from .shell import MANY, Arity, Flags, ViosCtx, ViosError, ioscli, parse_flags
from .table import field_names, heading, line

SPEC: dict[str, Arity] = {"-all": 0, "-vadapter": 1, "-plc": 1, "-type": MANY, "-net": 0, "-npiv": 0,
                          "-field": MANY, "-fmt": 1}
BACKING_TYPES = {"disk": {"disk"}, "lv": {"lv"}, "optical": {"optical"}, "file": {"file"}, "file_opt": {"file"},
                 "file_disk": set(), "cl_disk": set(), "tape": set()}


@dataclass(frozen=True)
class Kind:
    key: str                                   # field naming the adapter
    adapter_fields: tuple[str, ...]
    child_fields: tuple[str, ...]
    labels: dict[str, str]
    not_found: str                             # message when -vadapter names another device
    label_line: Callable[[str, str], str]


def _wide(label: str, value: str, width: int = 22) -> str:
    return f"{label:<{width}}{value}".rstrip()


VSCSI = Kind("svsa", VSCSI_ADAPTER_FIELDS, VSCSI_VTD_FIELDS,
             {"svsa": "SVSA", "physloc": "Physloc", "clientid": "Client Partition ID", "vtd": "VTD",
              "status": "Status", "lun": "LUN", "backing": "Backing device", "bdphysloc": "Physloc",
              "mirrored": "Mirrored"}, "not_svsa", _wide)
NPIV = Kind("name", NPIV_FIELDS, (),
            {"name": "Name", "physloc": "Physloc", "clntid": "ClntID", "clntname": "ClntName", "clntos": "ClntOS",
             "status": "Status", "fc": "FC name", "fcphysloc": "FC loc code", "ports": "Ports logged in",
             "flags": "Flags", "vfcclient": "VFC client name", "vfcclientdrc": "VFC client DRC"},
            "not_svfc", lambda label, value: f"{label}:{value}")
NET = Kind("svea", NET_ADAPTER_FIELDS, NET_SEA_FIELDS,
           {"svea": "SVEA", "physloc": "Physloc", "sea": "SEA", "backing": "Backing device", "status": "Status",
            "bdphysloc": "Physloc"}, "not_svea", _wide)


@ioscli("lsmap")
def lsmap(ctx: ViosCtx, args: list[str]) -> str:
    flags = parse_flags("lsmap", args, SPEC)
    if "-npiv" in flags and "-net" in flags:
        raise ViosError.of("invalid_flag", command="lsmap", flag="-net")
    if not any(f in flags for f in ("-all", "-vadapter", "-plc")):
        raise ViosError.of("missing_flag", command="lsmap", flag="-all")
    registry = Registry(ctx.system, ctx.lpar, ctx.vios)
    delimiter: Optional[str] = flags.text("-fmt")
    if "-npiv" in flags:
        kind, mappings = NPIV, npiv(ctx, registry, fmt=delimiter is not None)
    elif "-net" in flags:
        kind, mappings = NET, net(ctx, registry)
    else:
        kind, mappings = VSCSI, _by_backing(vscsi(ctx, registry), flags)
    mappings = _selected(kind, mappings, flags)
    names = _fields(kind, flags)
    if delimiter is not None:
        return "".join(_delimited(kind, m, names, delimiter) + "\n" for m in mappings)
    if names is not None:
        return "".join(_labelled(kind, m, names) for m in mappings)
    render = {"svsa": _vscsi_text, "name": _npiv_text, "svea": _net_text}[kind.key]
    return "".join(render(m) for m in mappings)


def _by_backing(mappings: list[Mapping], flags: Flags) -> list[Mapping]:
    if "-type" not in flags:
        return mappings
    kinds: set[str] = set()
    for name in flags.words("-type"):
        if name not in BACKING_TYPES:
            raise ViosError.of("invalid_value", command="lsmap", value=name, flag="-type")
        kinds |= BACKING_TYPES[name]
    out = []
    for m in mappings:
        children = [c for c in m.children if c["_kind"] in kinds]
        if children:
            out.append(Mapping(m.adapter, children))
    return out


def _selected(kind: Kind, mappings: list[Mapping], flags: Flags) -> list[Mapping]:
    if "-vadapter" in flags:
        name = str(flags["-vadapter"])
        chosen = [m for m in mappings if m.adapter[kind.key] == name]
    elif "-plc" in flags:
        name = str(flags["-plc"])
        chosen = [m for m in mappings if m.adapter["physloc"] == name]
    else:
        return mappings
    if not chosen:
        raise ViosError.of(kind.not_found, device=name)
    return chosen


def _fields(kind: Kind, flags: Flags) -> Optional[list[str]]:
    if "-field" not in flags:
        return None
    aliases = {label.lower(): name for name, label in kind.labels.items() if name != "bdphysloc"}
    names = field_names(flags.words("-field"), aliases)
    for name in names:
        if name not in kind.adapter_fields + kind.child_fields:
            raise ViosError.of("invalid_value", command="lsmap", value=name, flag="-field")
    return names


def _value(kind: Kind, record: dict[str, str], name: str, delimited: bool) -> str:
    value = record.get(name, "")
    if delimited and kind is NPIV and name == "flags":
        return value.split("<", 1)[0]
    return value


def _delimited(kind: Kind, m: Mapping, names: Optional[list[str]], delimiter: str) -> str:
    chosen = names if names is not None else list(kind.adapter_fields + kind.child_fields)
    values = [_value(kind, m.adapter, n, True) for n in chosen if n in kind.adapter_fields]
    for child in m.children:
        values += [_value(kind, child, n, True) for n in chosen if n in kind.child_fields]
    return delimiter.join(values)


def _labelled(kind: Kind, m: Mapping, names: list[str]) -> str:
    lines = [kind.label_line(kind.labels[n], _value(kind, m.adapter, n, False)) for n in names
             if n in kind.adapter_fields]
    for child in m.children:
        block = [kind.label_line(kind.labels[n], child.get(n, "")) for n in names if n in kind.child_fields]
        if block:
            lines += [""] + block
    return "\n".join(lines) + "\n\n"


def _vscsi_text(m: Mapping) -> str:
    columns = layout("lsmap")["vscsi"]["columns"]
    lines = heading(columns, dashes=True)
    lines += [line([m.adapter[f] for f in VSCSI_ADAPTER_FIELDS], columns), ""]
    if not m.children:
        lines += ["NO VIRTUAL TARGET DEVICE FOUND", ""]
    for child in m.children:
        lines += [_wide(VSCSI.labels[f], child[f]) for f in VSCSI_VTD_FIELDS] + [""]
    return "\n".join(lines) + "\n"


def _npiv_text(m: Mapping) -> str:
    cfg = layout("lsmap")["npiv"]
    width = int(cfg["pair_width"])
    r = m.adapter
    lines = heading(cfg["columns"], dashes=True)
    lines += [line([r["name"], r["physloc"], r["clntid"], r["clntname"], r["clntos"]], cfg["columns"]), ""]
    lines += [f"Status:{r['status']}",
              f"{'FC name:' + r['fc']:<{width}}FC loc code:{r['fcphysloc']}",
              f"Ports logged in:{r['ports']}",
              f"Flags:{r['flags']}",
              f"{'VFC client name:' + r['vfcclient']:<{width}}VFC client DRC:{r['vfcclientdrc']}", ""]
    return "\n".join(lines) + "\n"


def _net_text(m: Mapping) -> str:
    columns = layout("lsmap")["net"]["columns"]
    lines = heading(columns, dashes=True)
    lines += [line([m.adapter[f] for f in NET_ADAPTER_FIELDS], columns), ""]
    if not m.children:
        lines += [_wide("SEA", "NO SHARED ETHERNET ADAPTER FOUND"), ""]
    for child in m.children:
        lines += [_wide(NET.labels[f], child[f]) for f in NET_SEA_FIELDS] + [""]
    return "\n".join(lines) + "\n"
