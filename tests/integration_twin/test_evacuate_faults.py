# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Migration failures on a tenth of the partitions of a generated fleet (two MSP pairs per system).

Two partitions lose their MSP link at 40 % of the memory copy (``migration_failure``): each is recovered
with ``migrlpar -o r`` and moved over the other MSP pair. One partition is refused by its target at
validation (``validation_failure``, HSCLA228 not enough memory): it is re-planned and moved to another
target. Every other partition moves at the first attempt, and every movable partition moves.
"""

from __future__ import annotations

import random
from collections import Counter

from evac_support import Evacuation, fleet, journal_events, lpar_of, migrations_sent, placement, report_json

LPARS = 30


def test_a_tenth_of_the_migrations_fail_and_every_movable_partition_still_moves(twin_factory, collections_path, tmp_path):
    data, source = fleet(21, 3, LPARS, msp_pairs=2)
    twin = twin_factory(data)
    twin.ctl("clock", "speed", "300")
    running = sorted(lp["name"] for s in data["systems"] if s["name"] == source for lp in s["lpars"]
                     if "vios" not in lp and lp.get("state", "Running") == "Running")  # fmt: skip
    link_lost, refused = random.Random(5).sample(running, 3)[:2], None
    refused = next(n for n in running if n not in link_lost)
    for name in link_lost:
        twin.ctl("fault", "arm", "migration_failure", "--target", name, "--at-percent", "40")
    twin.ctl("fault", "arm", "validation_failure", "--target", refused, "--code", "HSCLA228")
    evac = Evacuation(twin, collections_path, tmp_path / "evac", {"evacuate_source_system": source})
    seq = twin.last_seq()
    run = evac.run()
    assert run.rc == 0, run.stdout[-4000:]

    report = report_json(run.stdout)
    planned = sorted(e["lpar"] for e in report["plan"]["entries"])
    moved = sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved")
    assert moved == planned and len(moved) >= LPARS - 2 and set(link_lost) | {refused} <= set(moved)
    log = twin.log(since=seq)
    sent = Counter(lpar_of(e) for e in migrations_sent(log))
    assert {n: c for n, c in sent.items() if c != 1} == {link_lost[0]: 2, link_lost[1]: 2, refused: 2}
    recovered = sorted(e["argv"][-1] for e in log if e["argv"][:3] == ["migrlpar", "-o", "r"])
    assert recovered == sorted(link_lost)

    launches: dict[str, list[dict]] = {}
    for event in journal_events(evac.journal(source)):
        if event["event"] == "launch" and not event["data"]["attach"]:
            launches.setdefault(event["data"]["lpar"], []).append(event["data"])
    for name in link_lost:
        first, second = launches[name]
        assert second["retry"] == "other_msp_pair" and second["target"] == first["target"]
        assert (second["source_msp"], second["dest_msp"]) != (first["source_msp"], first["dest_msp"])
    first, second = launches[refused]
    assert second["retry"] == "other_target" and second["target"] != first["target"]
    where = placement(twin)
    assert where[refused][0][0] == second["target"]
    for name in moved:
        assert len(where[name]) == 1 and where[name][0][0] != source
    assert all(c["ok"] for c in report["postchecks"])
