# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Turning the strings HMC and VIOS listings print into typed values (None for "not reported")."""

from __future__ import annotations

import re

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import split_list

# Values the HMC prints for "no value": not applicable, not set, not readable right now.
NO_VALUE = frozenset({"", "none", "null", "unavailable", "any", "n/a"})
_SLOT_RE = re.compile(r"-C(\d+)(?:-T\d+)?$")


def text(value: str | None) -> str | None:
    """The value, or None when absent or empty."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def integer(value: str | None) -> int | None:
    """An int; None for absent, empty, none/null/unavailable/any or unparsable values."""
    if value is None or value.strip().lower() in NO_VALUE:
        return None
    raw = value.strip()
    try:
        return int(raw, 16) if raw.lower().startswith("0x") else int(raw)
    except ValueError:
        return None


def number(value: str | None) -> float | None:
    """A float (processing units, factors); None as for integer()."""
    if value is None or value.strip().lower() in NO_VALUE:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def flag(value: str | None) -> bool | None:
    """``1``/``0`` (also yes/no, true/false) as bool; None otherwise."""
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("1", "yes", "true"):
        return True
    if lowered in ("0", "no", "false"):
        return False
    return None


def integers(value: str | None) -> list[int]:
    """A comma list of ints (``"10,20"``, ``none``, empty) as a sorted list."""
    if value is None:
        return []
    return sorted(i for i in (integer(item) for item in split_list(value)) if i is not None)


def strings(value: str | None) -> list[str]:
    """A comma list of strings, without empty items."""
    if value is None:
        return []
    return [item.strip() for item in split_list(value) if item.strip()]


def slot_of(physloc: str | None) -> int | None:
    """The virtual slot in a location code: ``U8233.E8B.069348P-V1-C27`` (or ``-C11-T1``) -> 27."""
    if not physloc:
        return None
    match = _SLOT_RE.search(physloc.strip())
    return int(match.group(1)) if match else None
