"""Load, validate and dump scenario files.

A scenario is YAML whose keys are the fields of the dataclasses in model.py. Loading checks types and
references and reports every problem with the path to the bad field, e.g.
``systems[0].lpars[3].mem_mb: expected an integer, got 'lots'``.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any, Union

import yaml

from . import model
from .model import Scenario

BUILTIN = ("seed-lab",)


class ScenarioError(ValueError):
    """A scenario file is malformed; ``problems`` lists every finding as 'path: message'."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: invalid scenario:\n  " + "\n  ".join(problems))


def _type_name(tp: Any) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "a boolean (true/false)"}
    if tp in names:
        return names[tp]
    origin = typing.get_origin(tp)
    if origin is list:
        return "a list"
    if origin is dict:
        return "a mapping"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return str(tp)


class _Converter:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.hints = {cls.__name__: typing.get_type_hints(cls) for cls in _dataclasses()}

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<top>'}: {message}")

    def convert(self, tp: Any, value: Any, path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if value is None:
                return None
            return self.convert(args[0], value, path)
        if dataclasses.is_dataclass(tp):
            return self.build(tp, value, path)
        if origin is list:
            if not isinstance(value, list):
                self.fail(path, f"expected a list, got {value!r}")
                return []
            (item,) = typing.get_args(tp)
            return [self.convert(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if origin is dict:
            if not isinstance(value, dict):
                self.fail(path, f"expected a mapping, got {value!r}")
                return {}
            _, vt = typing.get_args(tp)
            return {str(k): self.convert(vt, v, f"{path}.{k}") for k, v in value.items()}
        if tp is bool:
            if isinstance(value, bool):
                return value
            if value in (0, 1):
                return bool(value)
        elif tp is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        elif tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif tp is str:
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                return str(value)
        self.fail(path, f"expected {_type_name(tp)}, got {value!r}")
        return value

    def build(self, cls: Any, data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            self.fail(path, f"expected a mapping, got {data!r}")
            data = {}
        hints = self.hints[cls.__name__]
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key in data:
            if key not in fields:
                close = [n for n in fields if n.startswith(str(key)[:3])]
                extra = f" (did you mean {', '.join(close)}?)" if close else ""
                self.fail(_join(path, key), f"unknown field{extra}")
        kwargs = {}
        for name, f in fields.items():
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if name in data:
                kwargs[name] = self.convert(hints[name], data[name], _join(path, name))
            elif required:
                self.fail(_join(path, name), "required field is missing")
                kwargs[name] = None
        return cls(**kwargs)


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _dataclasses() -> list[type]:
    return [obj for obj in vars(model).values() if isinstance(obj, type) and dataclasses.is_dataclass(obj)]


_WWPN = re.compile(r"^[0-9a-f]{16}$")


def _check_references(sc: Scenario) -> list[str]:
    problems: list[str] = []
    hmc_names = {h.name for h in sc.hmcs}
    fabric_names = {f.name for f in sc.fabrics}
    if len(hmc_names) != len(sc.hmcs):
        problems.append("hmcs: HMC names must be unique")
    if not sc.hmcs:
        problems.append("hmcs: at least one HMC is required")
    problems += _duplicates([f.name for f in sc.fabrics], "fabrics", "name", "fabric name")
    for hi, hmc in enumerate(sc.hmcs):
        if hmc.ssh_max_sessions < 0:
            problems.append(f"hmcs[{hi}].ssh_max_sessions: must be 0 or more, got {hmc.ssh_max_sessions}")
        if hmc.ssh_session_refusal not in model.SSH_SESSION_REFUSALS:
            problems.append(f"hmcs[{hi}].ssh_session_refusal: must be one of {', '.join(model.SSH_SESSION_REFUSALS)}, "
                            f"got {hmc.ssh_session_refusal!r}")
        if not hmc.users:
            problems.append(f"hmcs[{hi}].users: at least one user is required")
        for ui, user in enumerate(hmc.users):
            if not user.password and not user.authorized_keys:
                problems.append(f"hmcs[{hi}].users[{ui}]: needs a password or authorized_keys")
    sys_names: set[str] = set()
    for si, ms in enumerate(sc.systems):
        sp = f"systems[{si}]"
        if ms.name in sys_names:
            problems.append(f"{sp}.name: duplicate system name {ms.name!r}")
        sys_names.add(ms.name)
        if ms.hmc not in hmc_names:
            problems.append(f"{sp}.hmc: unknown HMC {ms.hmc!r} (known: {', '.join(sorted(hmc_names))})")
        ids: set[int] = set()
        names: set[str] = set()
        pools = {p.name for p in ms.shared_proc_pools}
        by_name = {lp.name: lp for lp in ms.lpars}
        for li, lp in enumerate(ms.lpars):
            lpth = f"{sp}.lpars[{li}]"
            if lp.id in ids:
                problems.append(f"{lpth}.id: duplicate partition id {lp.id}")
            if lp.name in names:
                problems.append(f"{lpth}.name: duplicate partition name {lp.name!r}")
            ids.add(lp.id)
            names.add(lp.name)
            if lp.env not in ("aixlinux", "vioserver", "os400"):
                problems.append(f"{lpth}.env: must be aixlinux, vioserver or os400, got {lp.env!r}")
            if lp.env == "vioserver" and lp.vios is None:
                problems.append(f"{lpth}.vios: a vioserver partition needs a vios section")
            if lp.env != "vioserver" and lp.vios is not None:
                problems.append(f"{lpth}.vios: only a vioserver partition may have a vios section")
            if lp.proc_mode == "shared" and lp.shared_proc_pool not in pools:
                problems.append(f"{lpth}.shared_proc_pool: unknown pool {lp.shared_proc_pool!r}")
            for kind in ("scsi", "fc"):
                for ai, ad in enumerate(getattr(lp, kind)):
                    apath = f"{lpth}.{kind}[{ai}]"
                    if ad.adapter_type not in ("client", "server"):
                        problems.append(f"{apath}.adapter_type: must be client or server")
                    if ad.remote_lpar not in by_name and ad.remote_lpar != "any":
                        problems.append(f"{apath}.remote_lpar: no partition {ad.remote_lpar!r} on {ms.name}")
            for ai, ad in enumerate(lp.fc):
                for wi, w in enumerate(ad.wwpns):
                    if not _WWPN.match(w):
                        problems.append(f"{lpth}.fc[{ai}].wwpns[{wi}]: not a 16-hex-digit WWPN: {w!r}")
            if lp.vios:
                for pi, port in enumerate(lp.vios.fc_ports):
                    if port.fabric and port.fabric not in fabric_names:
                        problems.append(f"{lpth}.vios.fc_ports[{pi}].fabric: unknown fabric {port.fabric!r}")
            problems += _check_partition_devices(lp, lpth)
    return problems


def _duplicates(names: list[Any], path: str, attr: str, what: str) -> list[str]:
    seen: set[Any] = set()
    problems = []
    for i, name in enumerate(names):
        if name in seen:
            problems.append(f"{path}[{i}].{attr}: duplicate {what} {name!r}")
        seen.add(name)
    return problems


def _check_partition_devices(lp: model.Lpar, lpth: str) -> list[str]:
    """Virtual slots used once and below the partition's max_virtual_slots; VIOS device names unique and every
    device a mapping names present."""
    problems: list[str] = []
    slots: set[int] = set()
    for si, slot in enumerate(lp.serial_slots):
        if slot >= lp.max_virtual_slots:
            problems.append(f"{lpth}.serial_slots[{si}]: {_beyond(lp, slot, lpth)}")
    for kind in ("eth", "scsi", "fc"):
        for ai, ad in enumerate(getattr(lp, kind)):
            if ad.slot in slots:
                problems.append(f"{lpth}.{kind}[{ai}].slot: virtual slot {ad.slot} is used twice")
            if ad.slot >= lp.max_virtual_slots:
                problems.append(f"{lpth}.{kind}[{ai}].slot: {_beyond(lp, ad.slot, lpth)}")
            slots.add(ad.slot)
    if lp.vios is None:
        return problems
    vios = lp.vios
    problems += _duplicates([d.name for d in vios.disks], f"{lpth}.vios.disks", "name", "device name")
    problems += _duplicates([p.name for p in vios.fc_ports], f"{lpth}.vios.fc_ports", "name", "device name")
    devices = {d.name for d in vios.disks} | set(vios.logical_volumes) | set(vios.optical)
    for ai, ad in enumerate(lp.scsi):
        problems += [f"{lpth}.scsi[{ai}].backing: no device {dev!r} on {lp.name}"
                     for dev in ad.backing if dev not in devices]
    ports = {p.name for p in vios.fc_ports}
    for ai, ad in enumerate(lp.fc):
        if ad.fc_port and ad.fc_port not in ports:
            problems.append(f"{lpth}.fc[{ai}].fc_port: no FC port {ad.fc_port!r} on {lp.name}")
    trunks = {a.slot for a in lp.eth if a.is_trunk}
    for si, sea in enumerate(vios.seas):
        problems += [f"{lpth}.vios.seas[{si}].trunk_slots: slot {slot} is not a trunk virtual ethernet adapter "
                     f"of {lp.name}" for slot in sea.trunk_slots if slot not in trunks]
    return problems


def _beyond(lp: model.Lpar, slot: int, lpth: str) -> str:
    """An adapter slot a partition cannot have: its slots are 0 to max_virtual_slots - 1, as on an HMC."""
    return (f"virtual slot {slot} is not below the max_virtual_slots of {lp.name} ({lp.max_virtual_slots}, "
            f"slots 0 to {lp.max_virtual_slots - 1}); raise {lpth}.max_virtual_slots above {slot}")


def from_dict(data: Any, source: str = "<scenario>") -> Scenario:
    conv = _Converter()
    sc = conv.build(Scenario, data, "")
    problems = conv.problems or _check_references(sc)
    if problems:
        raise ScenarioError(source, problems)
    return sc


def load(name_or_path: str) -> Scenario:
    """Load a built-in scenario by name (e.g. ``seed-lab``) or a YAML file by path."""
    if name_or_path in BUILTIN:
        text = resources.files("hmcsim").joinpath(f"scenarios/{name_or_path}.yaml").read_text()
        source = name_or_path
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ScenarioError(name_or_path, [f"no such scenario file (built-in scenarios: {', '.join(BUILTIN)})"])
        text = path.read_text()
        source = str(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(source, [f"not valid YAML: {exc}"]) from exc
    return from_dict(data, source)


def to_dict(obj: Any, *, keep_secrets: bool = True) -> Any:
    """Dump a scenario (or part) to plain data, leaving out values equal to their defaults."""
    if dataclasses.is_dataclass(obj):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if not keep_secrets and f.name in ("password", "authorized_keys"):
                continue
            if f.default is not dataclasses.MISSING and value == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and value == f.default_factory():
                continue
            out[f.name] = to_dict(value, keep_secrets=keep_secrets)
        return out
    if isinstance(obj, list):
        return [to_dict(v, keep_secrets=keep_secrets) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v, keep_secrets=keep_secrets) for k, v in obj.items()}
    return obj


def dump(sc: Scenario, *, keep_secrets: bool = True) -> str:
    return yaml.safe_dump(to_dict(sc, keep_secrets=keep_secrets), sort_keys=False, width=120)
