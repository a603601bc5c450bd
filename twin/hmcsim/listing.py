"""What every HMC ``ls*`` command shares: ``-F`` without names, ``--filter`` parsing, partition
selection by filter, and rendering the records into a Result.
"""
from __future__ import annotations

from typing import Iterable, Optional

from .core import Options, Result, fail, generic
from .formats import Record, parse_csv_pairs, render, split_list
from .model import Lpar, ManagedSystem

LISTING_OPTIONS = {"-m": 1, "-F": 1, "--header": 0, "--filter": 1}


def bare_f(args: list[str]) -> list[str]:
    """``-F`` with no names (last, or followed by another flag) means all attributes: give it ''."""
    out: list[str] = []
    for i, token in enumerate(args):
        out.append(token)
        if token == "-F" and (i + 1 == len(args) or args[i + 1].startswith("-")):
            out.append("")
    return out


def parse_filters(text: Optional[str], allowed: Iterable[str]) -> dict[str, list[str]]:
    """``--filter`` data -> {name: [values]}.

    A filter may carry several values (``lpar_names=a,b``); with more than one filter the comma-bearing
    pair must be quoted (``"lpar_names=a,b",profile_names=p``), but a lone pair works unquoted, so an
    item without ``=`` continues the previous filter's value list.
    """
    if text is None:
        return {}
    allowed = set(allowed)
    try:
        items = parse_csv_pairs(text)
    except ValueError:
        raise generic("missing_parameter", params="--filter") from None
    merged: list[list[str]] = []
    for item in items:
        if "=" in item:
            name, value = item.split("=", 1)
            merged.append([name.strip(), value])
        elif merged and item:
            merged[-1][1] += "," + item
        else:
            raise generic("missing_parameter", params="--filter")
    filters: dict[str, list[str]] = {}
    for name, value in merged:
        if name not in allowed or not value:
            raise generic("missing_parameter", params="--filter")
        filters[name] = split_list(value)
    return filters


def select_lpars(ms: ManagedSystem, filters: dict[str, list[str]]) -> list[Lpar]:
    """Partitions matching ``lpar_names``/``lpar_ids``; an unknown name is HSCL8012, an unknown id matches nothing."""
    lpars = list(ms.lpars)
    if "lpar_names" in filters:
        names = filters["lpar_names"]
        for name in names:
            if not any(lp.name == name for lp in ms.lpars):
                raise fail("HSCL8012", lpar=name)
        lpars = [lp for lp in lpars if lp.name in names]
    if "lpar_ids" in filters:
        try:
            ids = {int(v) for v in filters["lpar_ids"]}
        except ValueError:
            raise generic("missing_parameter", params="--filter") from None
        lpars = [lp for lp in lpars if lp.id in ids]
    return lpars


def respond(records: Iterable[Record], opts: Options, known: Iterable[str]) -> Result:
    """Render records per ``-F``/``--header`` (``--header`` only means something with ``-F``)."""
    fields = opts.get("-F")
    fields = None if fields is None else str(fields)
    rc, text = render(records, fields, header=fields is not None and "--header" in opts, known=list(known))
    return Result(rc, text)
