# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Killing ``ansible-playbook powervm.lpm.evacuate`` anywhere, then running it again.

Each case starts the evacuation of seed-lab on a fresh twin, sends SIGKILL or SIGINT to the
playbook's whole process group at one point (a time, or after the n-th journal event of a kind:
before the plan, after it, after the first, fourth and last ``launch``, after the first, third and
sixth ``result``, after the end, while the reports are written), and runs
the playbook again. Afterwards every partition is on exactly one system (its target), the twin's
command log holds exactly one ``migrlpar -o m`` per partition over both runs, and the report of the
second run lists all eight migrations as moved.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import pytest

from evac_support import P740, P750, SEED_MOVABLE, Evacuation, journal_events, kill_group, lpar_of, migrations_sent, placement, report_json

SPEED = "25"
# (id, signal, what to wait for): ("time", seconds) or (event, n-th occurrence, extra delay)
POINTS: list[tuple[str, int, tuple[Any, ...]]] = [
    ("early-kill", signal.SIGKILL, ("time", 1.5)),
    ("after-plan", signal.SIGKILL, ("plan", 1, 0.0)),
    ("first-launch-int", signal.SIGINT, ("launch", 1, 0.0)),
    ("fourth-launch", signal.SIGKILL, ("launch", 4, 0.0)),
    ("last-launch-int", signal.SIGINT, ("launch", 8, 0.2)),
    ("first-result", signal.SIGKILL, ("result", 1, 0.0)),
    ("third-result-int", signal.SIGINT, ("result", 3, 0.0)),
    ("sixth-result", signal.SIGKILL, ("result", 6, 0.0)),
    ("after-end", signal.SIGKILL, ("end", 1, 0.0)),
    ("during-report-int", signal.SIGINT, ("end", 1, 1.5)),
]


def _reached(events: list[dict[str, Any]], kind: str, count: int) -> bool:
    return sum(1 for e in events if e["event"] == kind) >= count


@pytest.mark.parametrize(("sig", "point"), [(sig, point) for _name, sig, point in POINTS], ids=[name for name, _sig, _point in POINTS])
def test_killed_anywhere_a_rerun_finishes_the_evacuation_without_sending_anything_twice(twin_factory, collections_path, tmp_path, sig, point):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SPEED)
    evac = Evacuation(twin, collections_path, tmp_path / "evac", {"evacuate_source_system": P750, "evacuate_preflight": False})
    seq = twin.last_seq()
    process = evac.start()
    if point[0] == "time":
        time.sleep(point[1])
    else:
        kind, count, delay = point
        reached = evac.wait_for(lambda events: _reached(events, kind, count), timeout=180)
        assert reached, f"the journal never had {count} {kind} event(s): {[e['event'] for e in journal_events(evac.journal())]}"
        time.sleep(delay)
    kill_group(process, sig)

    rerun = evac.run()
    assert rerun.rc == 0, rerun.stdout[-4000:]
    where = placement(twin, [P750, P740])
    for name in SEED_MOVABLE:
        assert len(where[name]) == 1 and where[name][0][0] == P740, (name, where[name])
    sent = [lpar_of(e) for e in migrations_sent(twin.log(since=seq))]
    assert sorted(sent) == sorted(SEED_MOVABLE), f"migrlpar -o m per partition: {sorted(sent)}"
    report = report_json(rerun.stdout)
    assert sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved") == sorted(SEED_MOVABLE)
    assert report["plan"] is not None and len(report["plan"]["entries"]) == 8 and report["ended"] is not None
    assert all(c["ok"] for c in report["postchecks"]), [c for c in report["postchecks"] if not c["ok"]]
