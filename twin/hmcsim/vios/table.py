"""Column and delimiter layouts shared by the VIOS listings (lsdev, lsmap, lsnports, lspv)."""
from __future__ import annotations

import re
from typing import Optional, Sequence

Column = Sequence[object]      # [heading, width, align] from data/vios_layouts.yaml


def cell(text: str, width: int, align: str = "left", last: bool = False) -> str:
    if align == "right":
        return text.rjust(width)
    return text if last else text.ljust(width)


def line(values: Sequence[str], columns: Sequence[Column]) -> str:
    """One row: each value padded to its column, columns separated by one space, no trailing blanks."""
    parts = []
    for i, (value, column) in enumerate(zip(values, columns, strict=True)):
        parts.append(cell(value, int(str(column[1])), str(column[2]), last=i == len(columns) - 1))
    return " ".join(parts).rstrip()


def heading(columns: Sequence[Column], dashes: bool = False) -> list[str]:
    """The heading line, and a line of dashes under each column if asked."""
    out = [line([str(c[0]) for c in columns], columns)]
    if dashes:
        out.append(" ".join("-" * int(str(c[1])) for c in columns))
    return out


def delimited(values: Sequence[str], delimiter: str) -> str:
    return delimiter.join(values)


def field_names(words: Sequence[str], aliases: Optional[dict[str, str]] = None) -> list[str]:
    """-field arguments, lower-cased: separate words, or one word holding several names split by
    commas or blanks. A word that is a known heading (``"Client Partition ID"``) maps to its field."""
    aliases = aliases or {}
    names: list[str] = []
    for word in words:
        key = " ".join(word.lower().split())
        if key in aliases:
            names.append(aliases[key])
            continue
        names += [aliases.get(n.lower(), n.lower()) for n in re.split(r"[,\s]+", word) if n]
    return names
