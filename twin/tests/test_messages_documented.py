"""Every HSCL code the twin can print is explained (cause and fix) in the collection's docs/troubleshooting.md."""
from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "troubleshooting.md"
PACKAGE = REPO / "twin" / "hmcsim"
HSCL = re.compile(r"\bHSCL[0-9A-F]{4}\b")


def twin_codes() -> set[str]:
    """The HSCL codes of the twin's message tables (data/*.yaml) and of its code."""
    codes: set[str] = set()
    for pattern in ("data/*.yaml", "**/*.py"):
        for path in PACKAGE.glob(pattern):
            codes.update(HSCL.findall(path.read_text(encoding="utf-8")))
    return codes


def documented() -> dict[str, list[str]]:
    """HSCL code -> the cells of the first table row of the document whose first cell names it."""
    out: dict[str, list[str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) >= 4:
            for code in HSCL.findall(cells[0]):
                out.setdefault(code, cells)
    return out


def test_the_twin_prints_codes() -> None:
    codes = twin_codes()
    assert {"HSCL8012", "HSCLA319", "HSCLA2F6", "HSCL2972", "HSCL3652"} <= codes
    assert len(codes) > 60


def test_every_twin_code_has_a_cause_and_a_fix() -> None:
    table = documented()
    missing = sorted(twin_codes() - set(table))
    assert not missing, f"HSCL codes the twin prints but {DOC.name} does not explain: {', '.join(missing)}"
    for code in twin_codes():
        cause, fix = table[code][-2], table[code][-1]
        assert cause not in ("", "-") and fix not in ("", "-"), (code, table[code])
