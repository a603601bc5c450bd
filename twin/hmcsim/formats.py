"""HMC output grammar (hmc-cli-facts.md §0.2 and §9).

A record is an ordered dict of attribute -> value, where a value is a string or a list of strings
(a list attribute). Rendering rules:
- default: ``attr=value`` pairs joined by ``,``; a pair whose value contains a comma is wrapped in
  double quotes; list elements that themselves contain a comma are wrapped in doubled quotes;
- ``-F a,b``: values only, joined by the delimiter the caller used; a value containing the delimiter
  or a comma is wrapped in double quotes (nested lists as above); ``--header`` prints the names first;
- an attribute whose value is ``None`` does not apply and is omitted (default format) or printed
  empty (``-F``, where positions matter).
"""
from __future__ import annotations

import re
from typing import Iterable, Optional, Union

Value = Union[str, int, float, list, None]
Record = dict[str, Value]

NO_RESULTS = "No results were found."


def scalar(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format_units(value)
    if isinstance(value, list):
        return _join_list(value)
    return str(value)


def format_units(value: float) -> str:
    """Processor units print with one decimal, more only when needed (0.05)."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


def _join_list(items: list) -> str:
    if not items:
        return "none"
    return ",".join(_quote(str(item), ",") for item in items)


def _quote(text: str, delimiter: str) -> str:
    """CSV quoting: a value holding the delimiter, a comma, a newline or a double quote is wrapped in double
    quotes, and its own double quotes are doubled. A list element quoted this way shows as ``""x,y""`` once the
    whole pair is quoted, which is the HMC's nested form. Names with a double quote or a newline are not legal on
    an HMC; quoting them keeps the output readable when a scenario uses them anyway (hostile-name tests)."""
    if delimiter in text or any(c in text for c in ',\n"'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _quote_pair(text: str, delimiter: str = ",") -> str:
    return _quote(text, delimiter)


def render_default(record: Record) -> str:
    pairs = []
    for name, value in record.items():
        if value is None:
            continue
        pairs.append(_quote_pair(f"{name}={scalar(value)}"))
    return ",".join(pairs)


def split_fields(spec: str) -> tuple[list[str], str]:
    """``-F name:state`` -> (['name', 'state'], ':'); the first non-name character is the delimiter."""
    match = re.search(r"[^A-Za-z0-9_]", spec)
    if not match:
        return ([spec] if spec else []), ","
    delimiter = match.group(0)
    return spec.split(delimiter), delimiter


def render_fields(record: Record, names: list[str], delimiter: str) -> str:
    out = []
    for name in names:
        text = scalar(record.get(name))
        out.append(_quote_pair(text, delimiter) if text else text)
    return delimiter.join(out)


def render(records: Iterable[Record], fields: Optional[str], header: bool = False,
           known: Optional[Iterable[str]] = None) -> tuple[int, str]:
    """Render records the way the HMC does. Returns (rc, text).

    ``fields`` is the raw ``-F`` argument ('' for "all attributes"), or None for default output.
    ``known`` lists the attribute names valid for the resource; an unknown one is an error.
    """
    records = list(records)
    if not records:
        return 0, NO_RESULTS + "\n"
    if fields is None:
        return 0, "".join(render_default(r) + "\n" for r in records)
    if fields == "":
        names = list(records[0].keys())
        delimiter = ","
    else:
        names, delimiter = split_fields(fields)
        valid = set(known) if known is not None else set().union(*(r.keys() for r in records))
        bad = [n for n in names if n not in valid]
        if bad:
            return 1, (f"An invalid attribute was entered. The invalid attribute is {bad[0]}. "
                       "Correct the entry and retry.\n")
    lines = []
    if header:
        lines.append(delimiter.join(names))
    lines.extend(render_fields(r, names, delimiter) for r in records)
    return 0, "\n".join(lines) + "\n"


def parse_csv_pairs(text: str) -> list[str]:
    """Split ``a=1,"b=2,3",c=4`` on top-level commas, removing one level of quoting (also doubled quotes)."""
    items: list[str] = []
    buf: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                buf.append('"')
                i += 2
                continue
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    if quoted:
        raise ValueError("unbalanced double quote")
    items.append("".join(buf))
    return items


def parse_input_data(text: str) -> dict[str, str]:
    """Parse ``-i``/``--filter`` data: ``a=1,"b=x,y",c=z`` -> {'a': '1', 'b': 'x,y', 'c': 'z'}.

    Operators ``+=``/``-=`` are kept in the key (``io_slots+``). Raises ValueError on malformed data.
    """
    out: dict[str, str] = {}
    if not text.strip():
        return out
    for item in parse_csv_pairs(text):
        if "=" not in item:
            raise ValueError(item)
        name, value = item.split("=", 1)
        out[name.strip()] = value
    return out


def split_list(value: str) -> list[str]:
    """A list attribute value (``a,b`` or ``""x,y"",""z""``) -> its elements."""
    if value in ("", "none"):
        return []
    return parse_csv_pairs(value)
