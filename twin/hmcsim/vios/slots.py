"""lsdev -slots: the slots a VIOS owns and the devices in each (lsslot -c slot layout, data/vios_vpd.yaml).

A physical slot holds an adapter's ports (its location is the ports' without ``-T<port>``); a virtual
slot holds one virtual adapter. Physical slots come first, then virtual slots in slot order.
"""
from __future__ import annotations

import re

from .data import vpd_table
from .devices import Device, Registry
from .naming import natural_key

_PORT = re.compile(r"-T\d+$")


def slot_of(dev: Device) -> str:
    """The location of the slot a device sits in ('' when it occupies none)."""
    spec = vpd_table("slots")
    if dev.kind not in spec["physical_kinds"] and dev.kind not in spec["virtual_kinds"]:
        return ""
    return _PORT.sub("", dev.physloc)


def slot_rows(registry: Registry) -> list[tuple[str, str, list[str]]]:
    """(slot location, description, device names) for every occupied slot."""
    spec = vpd_table("slots")
    slots: dict[str, list[Device]] = {}
    for dev in registry.devices:
        location = slot_of(dev)
        if location:
            slots.setdefault(location, []).append(dev)

    def virtual(location: str) -> bool:
        return all(d.kind in spec["virtual_kinds"] for d in slots[location])

    order = sorted(slots, key=lambda loc: (virtual(loc), natural_key(loc)))
    return [(loc, str(spec["virtual" if virtual(loc) else "physical"]),
             sorted((d.name for d in slots[loc]), key=natural_key)) for loc in order]


def render(rows: list[tuple[str, str, list[str]]]) -> str:
    spec = vpd_table("slots")
    headings = [str(h) for h in spec["headings"]]
    table = [headings] + [[loc, text, " ".join(names)] for loc, text, names in rows]
    pad = int(spec["pad"])
    widths = [max(len(r[i]) for r in table) + pad for i in range(len(headings) - 1)]
    return "".join("".join(r[i].ljust(widths[i]) for i in range(len(widths))) + r[-1] + "\n" for r in table)
