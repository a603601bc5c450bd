# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A realistic evacuation record, built by hand: ten migrations of one source system to two targets.

Plain data with no import from the collection, so the screenshot test can load it by path too.
Eight partitions move, ``b750erp2`` fails in its memory transfer with HSCLA24B, ``b750test1`` is
skipped; two partitions cannot move and three are left on the source. Memory moves at 900 MiB/s
over the first MSP pair and 700 MiB/s over the second, in four concurrent slots.
"""

from __future__ import annotations

from typing import Any

GIB = 1024**3
MIB = 1024**2
SOURCE = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
P770 = "p770-Server-9117-MMB-SN1043ABC"
STARTED = "2026-03-14T22:00:05+00:00"
ENDED = "2026-03-14T22:12:30+00:00"
HOSTILE_NAMES = ('<script>alert("x")</script>', "db&\"prod'01", "zürich-ß-数据库-Ω", "a|b*c_[d]`e`", "x" * 60)

# name, target, MSP pair (1 or 2), GiB sent, start, starting seconds, planned start, planned seconds
PLAN = [
    ("b750db1", P740, 1, 96.0, 12.0, 75.0, 0.0, 240.0),
    ("b750db2", P740, 2, 128.0, 14.0, 80.0, 0.0, 330.0),
    ("b750app1", P770, 1, 32.0, 16.0, 70.0, 0.0, 130.0),
    ("b750app2", P770, 2, 24.0, 18.0, 65.0, 0.0, 125.0),
    ("b750erp1", P740, 1, 64.0, 190.0, 85.0, 130.0, 200.0),
    ("b750erp2", P770, 2, 48.0, 200.0, 90.0, 125.0, 180.0),
    ("b750web1", P740, 1, 8.0, 370.0, 60.0, 240.0, 90.0),
    ("b750web2", P770, 2, 8.0, 402.0, 62.0, 305.0, 90.0),
    ("b750mq1", P740, 1, 16.0, 470.0, 66.0, 330.0, 110.0),
    ("b750test1", P770, 2, 4.0, 0.0, 0.0, 395.0, 80.0),
]
RATES = {1: 900.0, 2: 700.0}  # MiB/s per MSP pair
COMPLETING = 30.0


def _samples(start: float, seconds: float, total: int, every: float = 20.0) -> list[dict[str, Any]]:
    out = []
    t = start
    while t < start + seconds:
        sent = int(total * (t - start) / seconds)
        out.append({"t": round(t, 3), "bytes_transmitted": sent, "bytes_remaining": total - sent})
        t += every
    return out


def _migration(name: str, target: str, pair: int, gib: float, start: float, starting: float) -> dict[str, Any]:
    size = int(gib * GIB)
    transfer = size / MIB / RATES[pair]
    entry: dict[str, Any] = {
        "lpar": name, "source": SOURCE, "target": target, "kind": "active",
        "source_msp": f"b750vio{pair}", "dest_msp": f"{target[:4]}vio{pair}",
        "code": None, "message": "", "hint": None,
    }
    if name == "b750test1":
        return {**entry, "start": None, "end": None, "duration": None, "bytes": None, "state": "skipped",
                "message": "not started: the window's deadline margin was reached", "phases": [], "samples": []}
    t1 = start + starting
    if name == "b750erp2":  # the link drops at 60 % of the transfer
        t2 = t1 + 0.6 * transfer
        return {**entry, "start": start, "end": round(t2 + 4.0, 3), "duration": round(t2 + 4.0 - start, 3),
                "bytes": int(0.6 * size), "state": "failed", "code": "HSCLA24B",
                "message": "HSCLA24B The migration of partition b750erp2 failed: the network connection between the "
                           "mover service partitions b750vio2 and p770vio2 was lost",
                "hint": "Recover the partition first: run the lpar_migration module with state=recovered (migrlpar -o r).",
                "phases": [{"name": "starting", "start": start, "end": t1}, {"name": "transfer", "start": t1, "end": round(t2, 3)},
                           {"name": "failed", "start": round(t2, 3), "end": round(t2 + 4.0, 3)}],
                "samples": _samples(t1, 0.6 * transfer, size)}
    t2 = t1 + transfer
    end = t2 + COMPLETING
    return {**entry, "start": start, "end": round(end, 3), "duration": round(end - start, 3), "bytes": size, "state": "moved",
            "phases": [{"name": "starting", "start": start, "end": t1}, {"name": "transfer", "start": t1, "end": round(t2, 3)},
                       {"name": "completing", "start": round(t2, 3), "end": round(end, 3)}],
            "samples": _samples(t1, transfer, size)}


def sample_record(names: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record; ``names`` replaces the first partition names (to test escaping)."""
    plan = [(names[i] if i < len(names) else row[0], *row[1:]) for i, row in enumerate(PLAN)]
    migrations = [_migration(*row[:6]) for row in plan]
    entries = [
        {"lpar": n, "target": t, "source_msp": f"b750vio{p}", "dest_msp": f"{t[:4]}vio{p}",
         "predicted_start": ps, "predicted_end": ps + pd, "bytes": int(g * GIB * 1.04)}
        for n, t, p, g, ps, pd in ((row[0], row[1], row[2], row[3], row[6], row[7]) for row in plan)
    ]
    total = sum(e["bytes"] for e in entries)
    lb = {"lb_src": round(total / MIB / 1600.0, 1), "lb_dst": round(total / MIB / 2 / 1100.0, 1),
          "lb_long": 290.0, "lb_slot": 410.0}
    value = max(lb.values())
    return {
        "format": 1,
        "name": "p750-firmware-2026-03",
        "source_system": SOURCE,
        "targets": [P740, P770],
        "started": STARTED,
        "ended": ENDED,
        "plan": {"eta_seconds": 560.0, "lb": {"value": value, **lb, "bottleneck": max(lb, key=lambda k: lb[k])}, "entries": entries},
        "migrations": migrations,
        "unmovable": [
            {"lpar": "b750sap1", "reason": "physical_io", "detail": "has a physical I/O slot (U78A0.001.DNWHZS4-P1-C3)"},
            {"lpar": "b750hana", "reason": "memory", "detail": "needs 512 GiB; the targets have 180 and 96 GiB free"},
        ],
        "left": [
            {"lpar": "b750sap1", "reason": "unmovable", "detail": "physical_io"},
            {"lpar": "b750hana", "reason": "unmovable", "detail": "memory"},
            {"lpar": "b750dev9", "reason": "excluded", "detail": "matches the exclusion b750dev*"},
            {"lpar": plan[5][0], "reason": "failed", "detail": "HSCLA24B; the partition needs recovery"},
            {"lpar": plan[9][0], "reason": "skipped", "detail": "deadline margin reached"},
        ],
        "postchecks": [
            {"lpar": n, "check": "rmc_active", "ok": n != plan[6][0], "detail": "" if n != plan[6][0] else "RMC inactive after 300 s"}
            for n in (row[0] for row in plan[:9]) if n != plan[5][0]
        ],
        "manifest_path": "manifests/p750-2026-03-14.yml",
    }
