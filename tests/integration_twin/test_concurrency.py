# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Two ansible-playbook runs of powervm.lpm.lpar_migration with overlapping partition lists at once.

Whatever the timing, every partition gets exactly one ``migrlpar -o m`` that succeeds, and both runs
end with every partition on the target and nothing failed:

- started at the same moment: a run whose survey sees the other's migration attaches to it; a run
  whose ``-o m`` the HMC refuses (HSCLA245) reports "already migrating by someone else" and follows it;
- both surveys made before either run started a migration (a latency on ``lslparmigr -r sys``, read
  between the survey and ``-o m``, holds both back): the loser of each overlapping partition gets
  HSCLA245 and follows the winner's migration;
- one run started while the other's migrations are in progress sends no ``-o m`` for them at all.

The twin's clock runs slowly enough that a migration takes a few real seconds.
"""

from __future__ import annotations

import shlex
import threading
import time
from typing import Any

from conftest import HMC_USER, PLAYBOOK_TIMEOUT

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
FIRST = ["b750nl2", "b750web1", "b750app1", "b750batch1"]
SECOND = ["b750app1", "b750nl2", "b750web1", "b750app2"]
BOTH = sorted(set(FIRST) & set(SECOND))
ALL = sorted(set(FIRST) | set(SECOND))
SPEED = "10"            # simulated seconds per real second: a migration of seed-lab takes several seconds
SLOW = "5"
REFUSED = "already migrating by someone else"


def task(lpars: list[str]) -> list[dict[str, Any]]:
    args = {"lpars": lpars, "target_system": P740, "state": "migrated", "poll_interval": 0.5, "max_concurrent": 8}
    return [{"name": "migrate", "powervm.lpm.lpar_migration": args}]


def start(run_playbook, twin, lpars: list[str], outcomes: list[Any], index: int, barrier: threading.Barrier | None) -> threading.Thread:
    def go() -> None:
        if barrier is not None:
            barrier.wait(60)
        outcomes[index] = run_playbook(task(lpars), twin=twin)

    thread = threading.Thread(target=go, name=f"playbook-{index}", daemon=True)
    thread.start()
    return thread


def run_together(run_playbook, twin, *lists: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """Run one playbook per list, all released at the same moment; (rc, task result) of each."""
    outcomes: list[Any] = [None] * len(lists)
    barrier = threading.Barrier(len(lists))
    threads = [start(run_playbook, twin, lpars, outcomes, i, barrier) for i, lpars in enumerate(lists)]
    for thread in threads:
        thread.join(PLAYBOOK_TIMEOUT + 60)
    assert all(o is not None for o in outcomes), "a playbook did not finish"
    return [(rc, results[0]) for rc, results in outcomes]


def placement(twin, lpars: list[str]) -> dict[str, list[tuple[str, str]]]:
    where: dict[str, list[tuple[str, str]]] = {}
    for system in (P750, P740):
        argv = ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]
        for line in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)).splitlines():
            name, _sep, state = line.partition(",")
            if name in lpars:
                where.setdefault(name, []).append((system, state))
    return where


def migrations(log: list[dict[str, Any]]) -> dict[str, list[int]]:
    """The exit status of every ``migrlpar -o m`` sent, by partition."""
    out: dict[str, list[int]] = {}
    for entry in log:
        argv = entry["argv"]
        if argv[:3] == ["migrlpar", "-o", "m"]:
            out.setdefault(argv[argv.index("-p") + 1], []).append(entry["rc"])
    return out


def refused(outcomes: list[tuple[int, dict[str, Any]]]) -> list[str]:
    return sorted(r["name"] for _rc, result in outcomes for r in result["results"] if REFUSED in r["message"])


def assert_each_moved_once(twin, log, outcomes) -> dict[str, list[int]]:
    sent = migrations(log)
    assert sorted(sent) == ALL
    for lpar, codes in sent.items():
        assert codes.count(0) == 1 and None not in codes, f"{lpar}: migrlpar -o m exit codes {codes}"
    # Every refused migrlpar -o m is reported as someone else's migration by the run that sent it.
    assert len(refused(outcomes)) == sum(len(codes) - 1 for codes in sent.values())
    for rc, result in outcomes:
        assert rc == 0, result.get("msg")
        for entry in result["results"]:
            assert entry["status"] in ("migrated", "on_target") and not entry["failed"], entry
            if REFUSED in entry["message"]:
                assert entry["attached"] is True and entry["status"] == "migrated" and "HSCLA245" in entry["message"]
    assert placement(twin, ALL) == {name: [(P740, "Running")] for name in ALL}
    return sent


def test_two_playbooks_at_once_never_double_migrate(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SPEED)
    seq = twin.last_seq()
    outcomes = run_together(run_playbook, twin, FIRST, SECOND)
    assert_each_moved_once(twin, twin.log(since=seq), outcomes)
    # The overlapping partitions are each migrated by one run; the other attached or found them moved.
    for lpar in BOTH:
        entries = [r for _rc, result in outcomes for r in result["results"] if r["name"] == lpar]
        assert len(entries) == 2 and sum(1 for r in entries if r["status"] == "migrated" and not r["attached"]) == 1


def test_when_both_surveys_race_the_refusal_is_followed(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SLOW)                    # the loser's -o m must come while the winner's migration runs
    # Both runs survey, then wait 2 x 3 s for the concurrency limits: both send -o m after both surveys.
    twin.ctl("fault", "arm", "latency", "--command", "lslparmigr -r sys", "--seconds", "3")
    seq = twin.last_seq()
    outcomes = run_together(run_playbook, twin, FIRST, SECOND)
    log = twin.log(since=seq)
    sent = assert_each_moved_once(twin, log, outcomes)
    assert {lpar: len(codes) for lpar, codes in sent.items()} == {lpar: 2 if lpar in BOTH else 1 for lpar in ALL}
    assert refused(outcomes) == BOTH
    surveys = [e for e in log if e["argv"][:3] == ["lslparmigr", "-r", "lpar"] and e["argv"][4] == P750]
    first_migration = min(e["seq"] for e in log if e["argv"][:3] == ["migrlpar", "-o", "m"])
    assert len({e["session"].rsplit("/", 1)[0] for e in surveys if e["seq"] < first_migration}) == 2   # both surveyed first


def test_a_run_started_during_the_others_migrations_sends_none_for_them(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SLOW)
    outcomes: list[Any] = [None, None]
    first = start(run_playbook, twin, FIRST, outcomes, 0, None)
    deadline = time.monotonic() + 60
    while not all(any(s.startswith("Migrating") for _sys, s in where) for where in placement(twin, FIRST).values()):
        assert time.monotonic() < deadline, "the first run's migrations did not start"
        time.sleep(0.05)
    seq = twin.last_seq()
    second = start(run_playbook, twin, SECOND, outcomes, 1, None)
    for thread in (first, second):
        thread.join(PLAYBOOK_TIMEOUT + 60)
    results = [(rc, found[0]) for rc, found in outcomes]
    assert migrations(twin.log(since=seq)) == {"b750app2": [0]}           # nothing sent for the first run's partitions
    assert_each_moved_once(twin, twin.log(), results)
    second_results = {r["name"]: r for r in results[1][1]["results"]}
    for lpar in BOTH:
        assert second_results[lpar]["status"] in ("migrated", "on_target")
        assert second_results[lpar]["status"] == "on_target" or second_results[lpar]["attached"] is True
        assert REFUSED not in second_results[lpar]["message"]
