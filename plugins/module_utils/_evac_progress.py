# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The progress file of a running evacuation and its text table.

The run rewrites ``STATE_DIR/NAME.progress.json`` (write to a temporary file, then rename: a reader
never sees half a file) after every poll round and every start or end. The
``powervm.lpm.evacuation_progress`` action reads it on the controller and prints :func:`table`.

Snapshot keys: ``token`` (the run's), ``pid``, ``name``, ``source``, ``started``/``updated`` (epoch),
``finished``, ``interrupted``, ``counts`` (``moved``, ``running``, ``waiting``, ``left``, ``total``),
``elapsed``, ``eta_seconds`` (real seconds to the predicted end), ``hooks_due`` (``group``,
``phase``) and ``lpars``: per partition ``lpar``, ``target``, ``state`` (``waiting``, ``running``,
``moved``, ``left``), ``phase`` (the HMC's ``migration_state``), ``source_msp``, ``dest_msp``,
``bytes_transmitted``, ``bytes_remaining``, ``percent``, ``eta_seconds``, ``attempt``, ``note``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

GIB = 1024**3
STATES_SHOWN = ("running", "left")  # rows of the table; moved and waiting partitions are counted only
MAX_ROWS = 40


def write_snapshot(path: str, data: Mapping[str, Any]) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".progress-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True, default=str)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_snapshot(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def clock(seconds: float | None) -> str:
    """``h:mm:ss``; an en dash when unknown."""
    if seconds is None:
        return "-"
    total = max(0, int(round(seconds)))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def percent(transmitted: int | None, remaining: int | None) -> float | None:
    if transmitted is None or remaining is None or transmitted + remaining <= 0:
        return None
    return round(100.0 * transmitted / (transmitted + remaining), 1)


def _gib(value: int | None) -> str:
    return "-" if value is None else f"{value / GIB:.1f}"


def headline(data: Mapping[str, Any]) -> str:
    counts = data.get("counts") or {}
    done = "finished" if data.get("finished") else ("stopping" if data.get("interrupted") else "running")
    parts = [f"{counts.get(k, 0)} {k}" for k in ("moved", "running", "waiting", "left")]
    eta = "" if data.get("finished") else f" | ETA {clock(data.get('eta_seconds'))}"
    return f"{data.get('source', '?')}: {', '.join(parts)} of {counts.get('total', 0)} ({done}) | elapsed {clock(data.get('elapsed'))}{eta}"


def row(item: Mapping[str, Any]) -> str:
    msps = f"{item.get('source_msp') or '-'}>{item.get('dest_msp') or '-'}"
    sent = f"{_gib(item.get('bytes_transmitted'))}/{_gib(_total(item))} GiB"
    pct = item.get("percent")
    done = "-" if pct is None else f"{pct:.0f}%"
    tail = f"ETA {clock(item.get('eta_seconds'))}" if item.get("state") == "running" else str(item.get("note") or "")
    attempt = f" #{item['attempt']}" if int(item.get("attempt") or 1) > 1 else ""
    name = f"{item.get('lpar')}{attempt}"
    line = f"  {name:<16} -> {item.get('target') or '-':<30} {item.get('state'):<8} {item.get('phase') or '':<22} {msps:<22} {sent:>15} {done:>4} {tail}"
    return line.rstrip()


def _total(item: Mapping[str, Any]) -> int | None:
    sent, left = item.get("bytes_transmitted"), item.get("bytes_remaining")
    return None if sent is None or left is None else int(sent) + int(left)


def table(data: Mapping[str, Any], states: Sequence[str] = STATES_SHOWN) -> list[str]:
    """The headline and one line per running (or left) partition."""
    lines = [headline(data)]
    rows = [item for item in data.get("lpars") or () if item.get("state") in states]
    rows.sort(key=lambda item: (item.get("state") != "running", str(item.get("lpar"))))
    lines += [row(item) for item in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines.append(f"  ... and {len(rows) - MAX_ROWS} more")
    for hook in data.get("hooks_due") or ():
        lines.append(f"  hook due: {hook.get('phase')}-hook of disruption group {hook.get('group')}")
    return lines
