# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Checks after the moves, read from the HMC: did every partition arrive in good health?

Per moved partition: ``placement`` (listed on its target, and no longer on the source), ``state``
(``Running`` for an active migration, its former state otherwise), ``rmc`` (RMC ``active`` after an
active migration) and ``refcode`` (no error or attention reference code, ``A`` or ``B`` SRCs). For
the source: ``source_holds_only_what_stays`` (every partition still there is one the evacuation
lists as left). Two commands per system: ``lssyscfg -r lpar -F ...`` and ``lsrefcode -r lpar``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import lsrefcode, lssyscfg
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_fields
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner

LPAR_FIELDS = ("name", "lpar_id", "state", "lpar_env", "rmc_state")
REFCODE_FIELDS = ("lpar_name", "refcode")
ERROR_SRC = re.compile(r"^[AB][0-9A-F]{7}$")
STATE_AFTER = {"active": "Running", "inactive": "Not Activated", "suspended": "Suspended"}


@dataclass(frozen=True)
class Seen:
    """A partition as listed on one system."""

    system: str
    state: str
    env: str
    rmc: str
    refcode: str


def read_system(client: CommandRunner, system: str) -> dict[str, Seen]:
    rows = parse_fields(client.run(lssyscfg("lpar", system, fields=LPAR_FIELDS), read_only=True).stdout, LPAR_FIELDS)
    try:
        text = client.run(lsrefcode("lpar", system, fields=REFCODE_FIELDS), read_only=True).stdout
        codes = {r["lpar_name"]: r["refcode"] for r in parse_fields(text, REFCODE_FIELDS)}
    except HmcError:
        codes = {}
    return {r["name"]: Seen(system, r["state"], r["lpar_env"], r["rmc_state"], codes.get(r["name"], "")) for r in rows}


def _check(lpar: str, name: str, ok: bool, detail: str) -> dict[str, object]:
    return {"lpar": lpar, "check": name, "ok": ok, "detail": detail}


def check_moved(lpar: str, kind: str, target: str, source: str, seen: Mapping[str, Mapping[str, Seen]]) -> list[dict[str, object]]:
    there = seen.get(target, {}).get(lpar)
    still = seen.get(source, {}).get(lpar)
    arrived = there is not None and still is None
    out = [_check(lpar, "placement", arrived, f"on {target}" if arrived else f"on target: {there is not None}, on source: {still is not None}")]
    if there is None:
        return out
    wanted = STATE_AFTER.get(kind, "Running")
    out.append(_check(lpar, "state", there.state == wanted, f"{there.state} (expected {wanted})"))
    if kind == "active":
        out.append(_check(lpar, "rmc", there.rmc == "active", f"RMC {there.rmc or 'unknown'}"))
    bad = bool(ERROR_SRC.match(there.refcode.upper()))
    out.append(_check(lpar, "refcode", not bad, f"reference code {there.refcode!r}" if there.refcode else "no reference code"))
    return out


def check_source(source: str, seen: Mapping[str, Mapping[str, Seen]], staying: Iterable[str]) -> dict[str, object]:
    expected = set(staying)
    there = seen.get(source, {})
    extra = sorted(n for n, s in there.items() if s.env != "vioserver" and n not in expected)
    detail = "only partitions listed as left" if not extra else f"also holds {', '.join(extra)}"
    return _check(source, "source_holds_only_what_stays", not extra, detail)


def postchecks(
    client: CommandRunner, source: str, moved: Mapping[str, tuple[str, str]], staying: Iterable[str]
) -> list[dict[str, object]]:
    """``moved``: partition -> (target, kind). Systems that cannot be read give a failed check."""
    seen: dict[str, dict[str, Seen]] = {}
    out: list[dict[str, object]] = []
    for system in sorted({source, *(t for t, _k in moved.values())}):
        try:
            seen[system] = read_system(client, system)
        except HmcError as exc:
            out.append(_check(system, "readable", False, exc.message))
    for lpar in sorted(moved):
        target, kind = moved[lpar]
        out += check_moved(lpar, kind, target, source, seen)
    if source in seen:
        out.append(check_source(source, seen, staying))
    return out
