"""Attribute order tables (data/attributes.yaml): which attributes a listing prints, in which order.

A table lists attribute names, optionally gated by the HMC major version (``{ppt_ratio: ">=10"}``), and
constants for attributes the model does not carry. :func:`ordered` turns computed values into an HMC
record in table order; a table attribute without a value is a programming error and raises.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, Optional

import yaml

from .formats import Record, Value

CAPABILITIES = "@capabilities"
_GATE = re.compile(r"^\s*(>=|<=|==|>|<)\s*(\d+)\s*$")


@lru_cache(maxsize=1)
def tables() -> dict[str, Any]:
    text = resources.files("hmcsim").joinpath("data/attributes.yaml").read_text()
    return yaml.safe_load(text)


def table(kind: str) -> dict[str, Any]:
    return tables()[kind]


def hmc_major(version: str) -> int:
    """``V7R7.8.0`` -> 7, ``V10R3`` -> 10; an unparsable version counts as the newest."""
    match = re.match(r"\s*V(\d+)", version or "")
    return int(match.group(1)) if match else 99


def gate_allows(condition: Optional[str], major: int) -> bool:
    if not condition:
        return True
    match = _GATE.match(str(condition))
    if not match:
        raise ValueError(f"bad version gate {condition!r}")
    op, number = match.group(1), int(match.group(2))
    return {">=": major >= number, "<=": major <= number, "==": major == number,
            ">": major > number, "<": major < number}[op]


def names(kind: str, major: int) -> list[str]:
    """Attribute names of a table for an HMC of this major version (capabilities not expanded)."""
    return list(_names(kind, major))


@lru_cache(maxsize=None)
def _names(kind: str, major: int) -> tuple[str, ...]:
    out: list[str] = []
    for entry in table(kind)["attrs"]:
        if isinstance(entry, str):
            name, condition = entry, None
        else:
            ((name, condition),) = entry.items()
        if gate_allows(condition, major) and name not in out:
            out.append(name)
    return tuple(out)


def capability_names(major: int, known: Mapping[str, int]) -> list[str]:
    """Capability flags in output order: gated table flags, every flag in ``known``, then extras sorted."""
    flags = table("capabilities")["flags"]
    listed = {f["name"] for f in flags}
    out = [f["name"] for f in flags if f["name"] in known or gate_allows(f.get("gate"), major)]
    out.extend(sorted(n for n in known if n not in listed))
    return out


def capability_defaults() -> dict[str, int]:
    return {f["name"]: int(f["default"]) for f in table("capabilities")["flags"]}


def ordered(kind: str, major: int, values: Mapping[str, Value],
            expand: Optional[Mapping[str, list[str]]] = None) -> Record:
    """Build a record in table order from computed ``values`` and the table's constants.

    ``expand`` maps a placeholder entry (``@capabilities``) to the names it stands for. ``None`` values
    mean "does not apply" and are kept (formats.render omits them in the default output).
    """
    constants = table(kind).get("constants") or {}
    record: Record = {}
    for name in _names(kind, major):
        for attr in (expand or {}).get(name, [name]):
            if attr in values:
                record[attr] = values[attr]
            elif attr in constants:
                record[attr] = str(constants[attr])
            else:
                raise KeyError(f"{kind}: no value for attribute {attr}")
    return record


def known(kind: str, major: int, extra: Optional[list[str]] = None) -> list[str]:
    """Attribute names valid in ``-F`` for a table (placeholders replaced by ``extra``)."""
    return [n for n in names(kind, major) if not n.startswith("@")] + list(extra or [])
