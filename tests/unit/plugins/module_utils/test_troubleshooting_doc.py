# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""docs/troubleshooting.md maps every code the collection knows to a cause and a fix.

The codes the collection knows: the keys of the hint table (``HINTS``), of the table that ties HMC codes to preflight
rules (``HMC_CODE_RULES``) and every HSCL code named anywhere in ``plugins/``. Each must be in the first cell of a table
row of the document whose cause and fix cells are not empty, and a code tied to preflight rules must name those rules in
its row. (The twin's codes are checked in twin/tests/test_messages_documented.py.)
"""

from __future__ import annotations

import pathlib
import re

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_merge import HMC_CODE_RULES

ROOT = pathlib.Path(__file__).resolve().parents[4]
DOC = ROOT / "docs" / "troubleshooting.md"
HSCL = re.compile(r"\bHSCL[0-9A-F]{4}\b")
RULES = re.compile(r"\b(LPM-[A-Z]+-)(\d{3}(?:/\d{3})*)")
AIX = re.compile(r"\b\d{4}-\d{3}\b")


def rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table, as cells (``\\|`` inside a cell is not a separator)."""
    out = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        out.append(cells)
    return out


def rules_named(text: str) -> set[str]:
    """The rule IDs of a text, with ``LPM-MSP-001/002/003`` read as three rules."""
    return {prefix + number for prefix, numbers in RULES.findall(text) for number in numbers.split("/")}


def documented(text: str) -> dict[str, list[str]]:
    """Code (HSCL, AIX, or a generic kind's words) -> the cells of the row whose first cell names it."""
    out: dict[str, list[str]] = {}
    for cells in rows(text):
        if len(cells) < 4:
            continue
        first = cells[0]
        for code in HSCL.findall(first) + AIX.findall(first) + [first.lower()]:
            out.setdefault(code, cells)
    return out


def known_codes() -> set[str]:
    codes = {code for code in HINTS if code.startswith("HSCL")} | set(HMC_CODE_RULES)
    for path in (ROOT / "plugins").rglob("*.py"):
        codes.update(HSCL.findall(path.read_text(encoding="utf-8")))
    return codes


@pytest.fixture(scope="module")
def table() -> dict[str, list[str]]:
    return documented(DOC.read_text(encoding="utf-8"))


def test_the_collection_knows_codes():
    codes = known_codes()
    assert {"HSCLA246", "HSCLA319", "HSCL3653", "HSCLA245", "HSCLA244", "HSCLA24B"} <= codes
    assert len(codes) > 50


def test_every_code_has_a_cause_and_a_fix(table):
    missing = sorted(known_codes() - set(table))
    assert not missing, f"codes missing from {DOC.name}: {', '.join(missing)}"
    for code in known_codes():
        cause, fix = table[code][-2], table[code][-1]
        assert cause not in ("", "-") and fix not in ("", "-"), (code, table[code])


def test_every_hint_has_a_row(table):
    for key in HINTS:
        name = key if key.startswith("HSCL") or AIX.fullmatch(key) else key.replace("_", " ")
        assert name in table, f"{key} has a hint but no row in {DOC.name}"


@pytest.mark.parametrize("code", sorted(HMC_CODE_RULES))
def test_codes_name_the_rules_that_check_their_cause(table, code):
    assert set(HMC_CODE_RULES[code].rules) <= rules_named(" ".join(table[code])), (code, HMC_CODE_RULES[code].rules, table[code])


def test_the_parser_reads_escaped_pipes_and_rule_ranges():
    text = "| code | cause | fix | x |\n|---|---|---|---|\n| HSCL0001, HSCL0002 | a `\\|` b | LPM-MSP-001/002 and LPM-NET-001 | y |\n"
    table = documented(text)
    assert table["HSCL0001"] == table["HSCL0002"] == ["HSCL0001, HSCL0002", "a `|` b", "LPM-MSP-001/002 and LPM-NET-001", "y"]
    assert rules_named(table["HSCL0001"][2]) == {"LPM-MSP-001", "LPM-MSP-002", "LPM-NET-001"}
