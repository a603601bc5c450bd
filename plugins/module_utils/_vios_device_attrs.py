# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""VIOS device attributes: what ``lsdev -dev D -attr`` shows, what may be set, and to which values.

``lsdev -attr`` prints the ODM value of each attribute and whether it is user-settable (``True``,
``True+``, ``False``). ``lsdev -dev D -range A`` prints the legal values of one attribute, one per
line, or a numeric range as ``low...high (+step)``; nothing at all when any value is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_lsdev_attr
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import PrepareError

_RANGE_RE = re.compile(r"^(-?\w+)\.\.\.(-?\w+)(?:\s*\(\+(\w+)\))?$")
_VALUE_RE = re.compile(r"^[A-Za-z0-9_.,:/+@-]+$")


def attr_command(device: str) -> list[str]:
    return ["lsdev", "-dev", device, "-attr"]


def range_command(device: str, attribute: str) -> list[str]:
    return ["lsdev", "-dev", device, "-range", attribute]


def change_command(device: str, changes: Mapping[str, str], perm: bool = False) -> list[str]:
    """``chdev -dev D [-perm] -attr a=v b=w`` (attributes in name order)."""
    pairs = [f"{name}={changes[name]}" for name in sorted(changes)]
    return ["chdev", "-dev", device] + (["-perm"] if perm else []) + ["-attr"] + pairs


@dataclass(frozen=True)
class DeviceAttributes:
    """The attributes of one device as ``lsdev -attr`` shows them."""

    device: str
    values: dict[str, str]
    settable: dict[str, bool]
    descriptions: dict[str, str]

    @classmethod
    def parse(cls, device: str, text: str) -> DeviceAttributes:
        rows = parse_lsdev_attr(text)
        return cls(
            device,
            {r["attribute"]: r["value"] for r in rows},
            {r["attribute"]: r["user_settable"].startswith("True") for r in rows},
            {r["attribute"]: r["description"] for r in rows},
        )


def normalize(name: str, value: Any) -> str:
    """The text of a wanted value; YAML booleans and empty values are refused (AIX spells them yes/no, 0/1)."""
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise PrepareError(
            f"attribute {name}: give the value as a string, quoted if it looks like a boolean "
            f"(for example '{name}': 'yes' or '1'); got {value!r}",
            attribute=name,
        )
    text = str(value).strip()
    if not _VALUE_RE.match(text):
        raise PrepareError(f"attribute {name}: the value {text!r} is empty or holds characters a VIOS attribute value cannot have",
                           attribute=name)
    return text


def same_value(current: str, wanted: str) -> bool:
    """Equal as text, or as numbers (``0x40000`` and ``262144``, ``08`` and ``8``)."""
    if current == wanted:
        return True
    try:
        return int(current, 0) == int(wanted, 0)
    except ValueError:
        try:
            return int(current, 10) == int(wanted, 10)
        except ValueError:
            return False


def refusals(attrs: DeviceAttributes, wanted: Mapping[str, str]) -> list[str]:
    """Why each wanted attribute cannot be set on this device (unknown or not user-settable)."""
    out = []
    for name in sorted(wanted):
        if name not in attrs.values:
            known = ", ".join(sorted(a for a, ok in attrs.settable.items() if ok)) or "none"
            out.append(f"{attrs.device} has no attribute {name} (its settable attributes: {known})")
        elif not attrs.settable[name]:
            out.append(f"{attrs.device}: {name} is not user-settable (lsdev -attr shows user_settable False)")
    return out


def differing(attrs: DeviceAttributes, wanted: Mapping[str, str]) -> dict[str, str]:
    """The wanted values that differ from what the device shows."""
    return {name: value for name, value in wanted.items() if not same_value(attrs.values[name], value)}


@dataclass(frozen=True)
class Legal:
    """Legal values of one attribute: a list, a numeric range, or anything (both None)."""

    values: tuple[str, ...] | None = None
    low: int | None = None
    high: int | None = None
    step: int = 1

    @classmethod
    def parse(cls, text: str) -> Legal:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) == 1:
            match = _RANGE_RE.match(lines[0])
            if match:
                try:
                    low, high = int(match.group(1), 0), int(match.group(2), 0)
                    step = int(match.group(3), 0) if match.group(3) else 1
                except ValueError:
                    return cls(tuple(lines))
                return cls(None, low, high, max(step, 1))
        return cls(tuple(lines)) if lines else cls()

    def accepts(self, value: str) -> bool:
        if self.values is not None:
            return any(same_value(candidate, value) for candidate in self.values)
        if self.low is None or self.high is None:
            return True
        try:
            number = int(value, 0)
        except ValueError:
            return False
        return self.low <= number <= self.high and (number - self.low) % self.step == 0

    def spelling(self, value: str) -> str:
        """The legal value as the VIOS lists it (``0x40000`` for ``262144``), else ``value`` itself."""
        if self.values is not None:
            return next((candidate for candidate in self.values if same_value(candidate, value)), value)
        return value

    def describe(self) -> str:
        if self.values is not None:
            return ", ".join(self.values)
        if self.low is None:
            return "any value"
        return f"{self.low} to {self.high}" + (f" in steps of {self.step}" if self.step != 1 else "")
