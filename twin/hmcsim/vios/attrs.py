"""Device attributes: their definitions, the value in effect, the ODM value, pending changes.

Where a value lives:
- derived from the model (lun_id, pvid, virt_adapters, LogicalUnitAddr, ...): ``Device.derived``;
- a field of the model object behind the device, when it has one of the attribute's name
  (``Disk.reserve_policy``, ``Sea.ha_mode``, ``Sea.largesend``, ...): that field;
- vioslpm0: ``Vios.vioslpm0`` (overrides of the defaults);
- anything else: ``Vios.device_attrs[device][attribute]``, else the default of the data table.
Those are the values *in effect*. A ``chdev -perm`` value not yet in effect is kept in
``Disk.pending_attrs`` (disks) or ``Vios.pending_attrs[device]`` (other devices) until the VIOS
restarts (:func:`apply_pending`). HMC-side checks read the value in effect; what ``lsdev -attr``
shows follows the ``lsdev.attr_shows`` rule (data/vios_rules.yaml).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional

from ..model import Disk, Sea, Vios
from .data import rules
from .devices import Device


@dataclass(frozen=True)
class AttrSpec:
    name: str
    default: Optional[str]
    description: str
    settable: str                              # True | True+ | False, as lsattr prints it
    values: Optional[tuple[str, ...]] = None
    range: Optional[tuple[int, int, int]] = None
    free: bool = False
    dynamic: bool = False

    @property
    def user_settable(self) -> bool:
        return self.settable.startswith("True")

    def legal(self, value: str) -> bool:
        if self.free:
            return True
        if self.values is not None:
            return value in self.values
        if self.range is not None:
            low, high, step = self.range
            try:
                number = int(value, 0)
            except ValueError:
                return False
            return low <= number <= high and (number - low) % step == 0
        return False

    def legal_text(self) -> list[str]:
        """What lsdev -range prints: the legal values one a line, or ``min...max (+step)``."""
        if self.values is not None:
            return list(self.values)
        if self.range is not None:
            low, high, step = self.range
            return [f"{low}...{high} (+{step})"]
        return []


def specs(dev: Device) -> dict[str, AttrSpec]:
    """The attributes of a device, in the ASCII order lsattr lists them."""
    table: dict[str, dict[str, Any]] = dev.spec.get("attributes") or {}
    out: dict[str, AttrSpec] = {}
    for name in sorted(table):
        entry = table[name]
        rng = entry.get("range")
        values = entry.get("values")
        default = entry.get("value")
        out[name] = AttrSpec(name, None if default is None else str(default), str(entry.get("description", "")),
                             str(entry.get("settable", "False")),
                             tuple(str(v) for v in values) if values is not None else None,
                             (int(rng[0]), int(rng[1]), int(rng[2])) if rng else None,
                             bool(entry.get("free", False)), bool(entry.get("dynamic", False)))
    return out


def _bound_field(ref: Any, attr: str) -> Optional[str]:
    if isinstance(ref, (Disk, Sea)) and attr in {f.name for f in dataclasses.fields(ref)}:
        return attr
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def running(vios: Vios, dev: Device, attr: str) -> str:
    """The value in effect."""
    if attr in dev.derived:
        return dev.derived[attr]
    bound = _bound_field(dev.ref, attr)
    if bound is not None:
        return _text(getattr(dev.ref, bound))
    default = specs(dev)[attr].default or ""
    if dev.kind == "vioslpm":
        return vios.vioslpm0.get(attr, default)
    return vios.device_attrs.get(dev.name, {}).get(attr, default)


def pending(vios: Vios, dev: Device) -> dict[str, str]:
    """chdev -perm values of this device not yet in effect (empty: nothing waits for a restart)."""
    if isinstance(dev.ref, Disk):
        return dev.ref.pending_attrs
    return vios.pending_attrs.get(dev.name, {})


def odm(vios: Vios, dev: Device, attr: str) -> str:
    """The value in the ODM: the pending one if there is one, else the one in effect."""
    return pending(vios, dev).get(attr, running(vios, dev, attr))


def shown(vios: Vios, dev: Device, attr: str) -> str:
    """The value lsdev -attr prints."""
    if rules("lsdev").get("attr_shows", "odm") == "odm":
        return odm(vios, dev, attr)
    return running(vios, dev, attr)


def _write(vios: Vios, device: str, ref: Any, attr: str, value: str) -> None:
    bound = _bound_field(ref, attr)
    if bound is not None:
        current = getattr(ref, bound)
        if isinstance(current, bool):
            setattr(ref, bound, value == "yes")
        elif isinstance(current, int):
            setattr(ref, bound, int(value, 0))
        else:
            setattr(ref, bound, value)
    elif device == "vioslpm0":
        vios.vioslpm0[attr] = value
    else:
        vios.device_attrs.setdefault(device, {})[attr] = value


def set_running(vios: Vios, dev: Device, attr: str, value: str) -> None:
    """Put a value in effect (and in the ODM: a pending value of the attribute is gone)."""
    _write(vios, dev.name, dev.ref, attr, value)
    _drop_pending(vios, dev, attr)


def set_pending(vios: Vios, dev: Device, attr: str, value: str) -> None:
    """Record a chdev -perm value; setting the value in effect again cancels a pending one."""
    if value == running(vios, dev, attr):
        _drop_pending(vios, dev, attr)
    elif isinstance(dev.ref, Disk):
        dev.ref.pending_attrs[attr] = value
    else:
        vios.pending_attrs.setdefault(dev.name, {})[attr] = value


def _drop_pending(vios: Vios, dev: Device, attr: str) -> None:
    if isinstance(dev.ref, Disk):
        dev.ref.pending_attrs.pop(attr, None)
        return
    waiting = vios.pending_attrs.get(dev.name)
    if waiting is not None:
        waiting.pop(attr, None)
        if not waiting:
            del vios.pending_attrs[dev.name]


def pending_changes(vios: Vios) -> dict[str, dict[str, str]]:
    """Every chdev -perm value waiting for a VIOS restart, by device name."""
    out = {disk.name: dict(disk.pending_attrs) for disk in vios.disks if disk.pending_attrs}
    out.update({name: dict(values) for name, values in vios.pending_attrs.items() if values})
    return out


def apply_pending(vios: Vios) -> dict[str, dict[str, str]]:
    """Put every pending value in effect, as a VIOS restart does. Returns what was applied."""
    applied = pending_changes(vios)
    for disk in vios.disks:
        for attr, value in disk.pending_attrs.items():
            _write(vios, disk.name, disk, attr, value)
        disk.pending_attrs.clear()
    seas = {sea.name: sea for sea in vios.seas}
    for device, values in vios.pending_attrs.items():
        for attr, value in values.items():
            _write(vios, device, seas.get(device), attr, value)
    vios.pending_attrs.clear()
    return applied
