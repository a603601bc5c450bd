# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Argv builders for the HMC commands used by the collection.

Every builder returns a list of strings. Nothing here quotes for a shell: the client joins the
list with shlex.join at the one place where it becomes the SSH command line. The only quoting
done here is the HMC's own record grammar inside ``-i`` and ``--filter`` values.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Literal, Union

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError

RecordValue = Union[str, int, bool, Sequence[str]]
FilterValue = Union[str, int, Sequence[Union[str, int]]]

# Characters that cannot be carried inside a name in an HMC attribute record.
RECORD_FORBIDDEN = frozenset(',="\n\r')
# Characters viosvrcmd does not pass to the VIOS command (it runs no shell there).
VIOS_FORBIDDEN = frozenset("|;&<>`$\n\r")
_ATTR_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*[+-]?$")


def check_name(value: str, what: str = "name") -> str:
    """Return ``value`` when it can appear in an HMC record, else raise HmcInputError."""
    bad = sorted(RECORD_FORBIDDEN.intersection(value))
    if not value or bad:
        shown = " ".join(repr(c) for c in bad) or "an empty value"
        raise HmcInputError(f"{what} {value!r} cannot be used in an HMC attribute record: it contains {shown}")
    return value


def _check_attr(name: str) -> str:
    if not _ATTR_NAME_RE.match(name):
        raise HmcInputError(f"invalid HMC attribute name {name!r}")
    return name


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if ("," in text or '"' in text) else text


def _scalar(value: str | int | bool, what: str) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return check_name(str(value), what)


def _list_value(name: str, elements: Sequence[str]) -> str:
    if not elements:
        raise HmcInputError(f"{name}: an empty list cannot be written; pass 'none' explicitly")
    out = []
    for element in elements:
        bad = sorted(frozenset('="\n\r').intersection(element))
        if bad or not element:
            raise HmcInputError(f"{name}: list element {element!r} cannot be used in an HMC record")
        out.append(_csv_field(element))
    return ",".join(out)


def build_input_data(pairs: Mapping[str, RecordValue]) -> str:
    """Build the ``-i`` record of chsyscfg/migrlpar from attribute names to values.

    Scalars (str/int/bool) may not contain ``,`` ``=`` ``"`` or newlines. A sequence value is a
    list attribute: elements are joined with commas, an element holding commas is quoted, and the
    whole pair is quoted (doubling inner quotes) as the HMC grammar requires. A name ending in
    ``+``/``-`` renders the list operators ``attr+=value``/``attr-=value``.
    """
    if not pairs:
        raise HmcInputError("input data needs at least one attribute")
    fields = []
    for name, value in pairs.items():
        _check_attr(name)
        if isinstance(value, (str, int, bool)):
            rendered = _scalar(value, name)
        else:
            rendered = _list_value(name, list(value))
        fields.append(_csv_field(f"{name}={rendered}"))
    return ",".join(fields)


def build_filter(filters: Mapping[str, FilterValue]) -> str:
    """Build a ``--filter`` value such as ``"lpar_names=a,b",profile_names=p``."""
    if not filters:
        raise HmcInputError("a filter needs at least one name")
    fields = []
    for name, value in filters.items():
        _check_attr(name)
        values = [value] if isinstance(value, (str, int)) else list(value)
        if not values:
            raise HmcInputError(f"filter {name} has no values")
        fields.append(_csv_field(f"{name}=" + ",".join(check_name(str(v), name) for v in values)))
    return ",".join(fields)


def lpar_names_filter(names: Sequence[str]) -> dict[str, FilterValue] | None:
    """``{"lpar_names": names}`` for a ``--filter``, or None when a name cannot be written in one.

    A partition name may hold ``,`` or ``=`` on an HMC, and ``"`` or a newline in a twin, none of which the filter
    grammar can carry. Callers given None list every partition of the system and keep the ones they want, so one
    such name neither fails nor hides the others.
    """
    try:
        build_filter({"lpar_names": list(names)})
    except HmcInputError:
        return None
    return {"lpar_names": list(names)}


def _query(base: list[str], filters: Mapping[str, FilterValue] | None, fields: Sequence[str] | None, header: bool) -> list[str]:
    argv = list(base)
    if filters:
        argv += ["--filter", build_filter(filters)]
    if fields is not None:
        argv += ["-F", ",".join(_check_attr(f) for f in fields)]
        if header:
            argv.append("--header")
    elif header:
        raise HmcInputError("--header needs a field list (-F)")
    return argv


def lssyscfg(
    resource: Literal["sys", "lpar", "prof"],
    system: str | None = None,
    filters: Mapping[str, FilterValue] | None = None,
    fields: Sequence[str] | None = None,
    header: bool = False,
) -> list[str]:
    """lssyscfg -r sys|lpar|prof [-m SYS] [--filter ...] [-F ...]; -m is required for lpar and prof."""
    if resource not in ("sys", "lpar", "prof"):
        raise HmcInputError(f"unsupported lssyscfg resource {resource!r}")
    if resource != "sys" and not system:
        raise HmcInputError(f"lssyscfg -r {resource} needs a managed system")
    base = ["lssyscfg", "-r", resource] + (["-m", system] if system else [])
    return _query(base, filters, fields, header)


_LSHWRES_TYPES: dict[tuple[str, str | None], tuple[str, ...]] = {
    ("mem", None): ("sys", "lpar"),
    ("proc", None): ("sys", "lpar", "pool"),
    ("virtualio", "scsi"): ("lpar",),
    ("virtualio", "fc"): ("lpar",),
    ("virtualio", "eth"): ("lpar",),
    ("virtualio", "serial"): ("lpar",),
    ("virtualio", "slot"): ("lpar", "slot"),
    ("io", "slot"): ("sys",),
    ("procpool", None): (),
}


def lshwres(
    resource: Literal["mem", "proc", "virtualio", "io", "procpool"],
    system: str,
    level: str | None = None,
    rsubtype: str | None = None,
    filters: Mapping[str, FilterValue] | None = None,
    fields: Sequence[str] | None = None,
    header: bool = False,
) -> list[str]:
    """lshwres -r mem|proc --level sys|lpar, -r virtualio --rsubtype scsi|fc|eth|serial|slot, -r io --rsubtype slot, -r procpool."""
    levels = _LSHWRES_TYPES.get((resource, rsubtype))
    if levels is None:
        raise HmcInputError(f"unsupported lshwres resource {resource!r} with rsubtype {rsubtype!r}")
    if level is None and resource in ("mem", "proc", "virtualio"):
        raise HmcInputError(f"lshwres -r {resource} needs --level")
    if level is not None and level not in levels:
        raise HmcInputError(f"lshwres -r {resource} does not take --level {level}")
    argv = ["lshwres", "-r", resource] + (["--rsubtype", rsubtype] if rsubtype else []) + ["-m", system]
    if level is not None:
        argv += ["--level", level]
    return _query(argv, filters, fields, header)


_MIGR_NEEDS_TARGET = ("msp", "virtualio", "procpool")


def lslparmigr(
    resource: Literal["sys", "lpar", "msp", "virtualio", "procpool"],
    system: str,
    target: str | None = None,
    filters: Mapping[str, FilterValue] | None = None,
    fields: Sequence[str] | None = None,
    header: bool = False,
) -> list[str]:
    """lslparmigr -r sys|lpar|msp|virtualio|procpool -m SRC [-t TGT]; msp/virtualio/procpool need -t."""
    if resource not in ("sys", "lpar") + _MIGR_NEEDS_TARGET:
        raise HmcInputError(f"unsupported lslparmigr resource {resource!r}")
    if resource in _MIGR_NEEDS_TARGET and not target:
        raise HmcInputError(f"lslparmigr -r {resource} needs a target system (-t)")
    argv = ["lslparmigr", "-r", resource, "-m", system] + (["-t", target] if target else [])
    return _query(argv, filters, fields, header)


def lsrefcode(
    resource: Literal["sys", "lpar"],
    system: str,
    filters: Mapping[str, FilterValue] | None = None,
    count: int | None = None,
    fields: Sequence[str] | None = None,
    header: bool = False,
) -> list[str]:
    """lsrefcode -r sys|lpar -m SYS [-n COUNT] [--filter ...] [-F ...]."""
    if resource not in ("sys", "lpar"):
        raise HmcInputError(f"unsupported lsrefcode resource {resource!r}")
    argv = ["lsrefcode", "-r", resource, "-m", system]
    if count is not None:
        if count < 1:
            raise HmcInputError("lsrefcode -n must be at least 1")
        argv += ["-n", str(count)]
    return _query(argv, filters, fields, header)


def lshmc_version() -> list[str]:
    """lshmc -V."""
    return ["lshmc", "-V"]


def viosvrcmd(system: str, vios: str | int, command: Sequence[str], timeout: int | None = None) -> list[str]:
    """viosvrcmd -m SYS {-p NAME | --id ID} -c "<vios argv joined with shlex.join>" [-t SECONDS].

    ``vios`` as int selects the partition by id. The VIOS command must not contain characters that
    viosvrcmd refuses (pipes, redirections, command separators, substitutions).
    """
    if not command:
        raise HmcInputError("viosvrcmd needs a VIOS command")
    for part in command:
        bad = sorted(VIOS_FORBIDDEN.intersection(part))
        if bad:
            raise HmcInputError(f"VIOS command argument {part!r} contains characters viosvrcmd cannot pass: {' '.join(map(repr, bad))}")
    target = ["--id", str(vios)] if isinstance(vios, int) and not isinstance(vios, bool) else ["-p", str(vios)]
    argv = ["viosvrcmd", "-m", system] + target + ["-c", shlex.join(command)]
    if timeout is not None:
        argv += ["-t", str(timeout)]
    return argv
