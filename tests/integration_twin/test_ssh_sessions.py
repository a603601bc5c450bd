# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""More SSH channels at once than an HMC allows on one connection (OpenSSH's MaxSessions, 10 by default).

``powervm.lpm.lpar_migration`` moves the 14 running partitions of a generated system at once (two MSP pairs at
10 Gbit/s and a system cap of 16 let all of them run together), each ``migrlpar -o m`` holding its channel
for the whole migration, plus the poller's:

- against a twin with the default limit of 10 sessions per connection, every migration completes over as
  many connections as the channels in use at once need, ten to a connection (ceil(peak / 10) = 2), and the
  twin refuses no channel;
- against a twin whose limit is 4 while the task's ``channels_per_connection`` stays at 10, the twin
  refuses channels on the first connection (a few times: a refusal right after a channel closed on that
  connection is asked again before the connection counts as full); the migrations that asked for them run all
  the same, on another connection, and no connection ever holds more than 4 channels (ceil(peak / 4) = 2
  connections for the 8 channels of 6 migrations).

Both read the twin's command log: which ``migrlpar -o m`` were sent (one per partition), when each command
ran (``real_time``, ``duration``: the peak of commands at once), and over which connection (the session id
``HMC/sshN/CHANNEL``); and the twin's own count of sessions per connection and of refused channels.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from conftest import connection_of
from evac_support import fleet, lpar_of, migrations_sent, placement

SPEED = "10"  # simulated seconds per real second: the fixed phases alone keep each migration running for seconds


def peak(spans: Iterable[tuple[float, float]]) -> int:
    """The most intervals [start, end) holding one instant."""
    events = sorted([(s, 1) for s, _e in spans] + [(e, -1) for _s, e in spans], key=lambda x: (x[0], x[1]))
    now = most = 0
    for _t, step in events:
        now += step
        most = max(most, now)
    return most


def spans(log: list[dict[str, Any]]) -> list[tuple[float, float]]:
    return [(e["real_time"], e["real_time"] + e["duration"]) for e in log]


def sessions(twin: Any) -> dict[str, Any]:
    """The twin's session counts of the HMC: max_sessions, peak_sessions, sessions_refused."""
    return json.loads(twin.ctl("state", "--json"))["hmcs"][twin.hmc]


def migrate(run_playbook: Any, twin: Any, lpars: list[str], target: str, max_concurrent: int) -> list[dict[str, Any]]:
    args = {"lpars": lpars, "target_system": target, "state": "migrated", "max_concurrent": max_concurrent, "poll_interval": 0.5}
    rc, results = run_playbook([{"name": "migrate", "powervm.lpm.lpar_migration": args}], twin=twin)
    assert rc == 0, results
    return list(results[0]["results"])


def start(twin_factory: Any, max_sessions: int | None = None) -> tuple[Any, list[str], str]:
    """A twin of one generated source system with 14 running partitions and one empty target."""
    data, source = fleet(5, 1, 14, msp_pairs=2, link_gbps=(10,), inactive_share=0.0, memory_range_gb=(4, 16))
    if max_sessions is not None:
        data["hmcs"][0]["ssh_max_sessions"] = max_sessions
    (target,) = [s["name"] for s in data["systems"] if s["name"] != source]
    lpars = sorted(lp["name"] for s in data["systems"] if s["name"] == source for lp in s["lpars"] if lp.get("env") != "vioserver")
    twin = twin_factory(data)
    twin.ctl("clock", "speed", SPEED)
    return twin, lpars, target


def check_moved_once(twin: Any, log: list[dict[str, Any]], results: list[dict[str, Any]], lpars: list[str], target: str) -> None:
    sent = migrations_sent(log)
    assert sorted(lpar_of(e) for e in sent) == lpars  # one migrlpar -o m per partition, none sent twice
    assert all(e["rc"] == 0 for e in sent)
    assert sorted(r["name"] for r in results) == lpars
    assert all(r["status"] == "migrated" and not r["failed"] for r in results), results
    where = placement(twin, [target])
    assert all(where.get(name) == [(target, "Running")] for name in lpars)


def test_more_migrations_in_flight_than_one_connection_holds(twin_factory, run_playbook):
    twin, lpars, target = start(twin_factory)
    assert len(lpars) == 14
    before = sessions(twin)
    seq = twin.last_seq()
    results = migrate(run_playbook, twin, lpars, target, max_concurrent=14)
    log = twin.log(since=seq)
    check_moved_once(twin, log, results, lpars, target)
    in_flight = peak(spans(migrations_sent(log)))
    channels = peak(spans(log))
    connections = {connection_of(e) for e in log}
    print(f"migrations in flight at once: {in_flight}; commands at once: {channels}; connections: {len(connections)}")
    assert in_flight > 10  # more migrations at once than one connection holds
    assert 10 < channels <= 20
    assert len(connections) == math.ceil(channels / 10) == 2
    after = sessions(twin)
    assert after["max_sessions"] == 10 and after["peak_sessions"] == 10
    assert after["sessions_refused"] == before["sessions_refused"]  # the client never asked for an 11th channel


def test_an_hmc_that_allows_fewer_sessions_than_the_option_refuses_one_and_nothing_fails(twin_factory, run_playbook):
    twin, lpars, target = start(twin_factory, max_sessions=4)
    moved = lpars[:6]
    seq = twin.last_seq()
    results = migrate(run_playbook, twin, moved, target, max_concurrent=6)  # 8 channels; channels_per_connection 10
    log = twin.log(since=seq)
    check_moved_once(twin, log, results, moved, target)
    channels = peak(spans(log))
    connections = {connection_of(e) for e in log}
    after = sessions(twin)
    print(f"commands at once: {channels}; connections: {len(connections)}; channels refused: {after['sessions_refused']}")
    assert after["max_sessions"] == 4 and after["peak_sessions"] == 4
    assert after["sessions_refused"] >= 1  # the first connection was found full by a refusal
    assert 4 < channels <= 8
    assert len(connections) == math.ceil(channels / 4) == 2
    # Each connection held at most 4 commands at once.
    for name in connections:
        assert peak(spans([e for e in log if connection_of(e) == name])) <= 4
