# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""powervm.lpm.lpar_migration against the HMC twin over SSH.

The ladder (check -> apply -> check -> apply) for one partition and for the eight movable partitions of
seed-lab, placement read back with lssyscfg, and the twin's command log: one ``migrlpar -o m`` per
moved partition, one SSH connection per module run, progress read once per source system per round.
Then the failure paths: a migration failing at 40 % is recovered while the others move, a migration
already running is attached to, a lost channel is followed by polling, stop and recover.
"""

from __future__ import annotations

import json
import math
import os
import shlex
import subprocess
import threading
import time
from datetime import datetime

import pytest

from conftest import HMC_USER, PLAYBOOK_TIMEOUT, connection_of

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
MOVABLE = ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1"]
POLL = 1.0
COUNTS_FILE_ENV = "LPM_MIGRATION_COUNTS"


def task(lpars, **options):
    args = {"lpars": lpars, "target_system": P740, "poll_interval": POLL, "max_concurrent": 8, **options}
    return [{"name": "migrate", "powervm.lpm.lpar_migration": args, "diff": True}]


def placement(twin, lpars):
    """Where each partition runs, read with lssyscfg on both systems."""
    where = {}
    for system in (P750, P740):
        argv = ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]
        for line in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)).splitlines():
            name, _sep, state = line.partition(",")
            if name in lpars:
                where.setdefault(name, []).append((system, state))
    return where


def migrlpars(log, op="m"):
    return [e["argv"] for e in log if e["argv"][:3] == ["migrlpar", "-o", op]]


def over_ssh(log):
    """The entries of commands that came over SSH (not through the twin's control socket)."""
    return [e for e in log if "/ssh" in e["session"]]


def summary(log):
    """Commands by name and SSH connections of one module run (control-socket commands left out)."""
    log = over_ssh(log)
    commands = {}
    for entry in log:
        key = " ".join(entry["argv"][:3]) if entry["argv"][0] in ("lssyscfg", "lslparmigr", "migrlpar") else entry["argv"][0]
        commands[key] = commands.get(key, 0) + 1
    return {"commands": len(log), "by_command": commands, "connections": len({connection_of(e) for e in log})}


def run_span(results):
    times = [datetime.fromisoformat(t) for r in results for t in (r["started"], r["ended"]) if t]
    return (max(times) - min(times)).total_seconds() if times else 0.0


def record_counts(label, data):
    """Keep the command counts of the ladder runs (printed; written as JSON when the env var names a file)."""
    print(f"{label}: {json.dumps(data, sort_keys=True)}")
    path = os.environ.get(COUNTS_FILE_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"label": label, **data}, sort_keys=True) + "\n")


def ladder(twin, run_playbook, lpars, label):
    before = placement(twin, lpars)
    assert all(where == [(P750, "Not Activated" if name == "b750test1" else "Running")] for name, where in before.items())
    expected = [f"migrlpar -o m -m {P750} -t {P740} -p {name}" for name in lpars]

    # 1. check mode: the HMC validates, nothing moves
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(lpars), twin=twin, check=True)
    log = twin.log(since=seq)
    assert rc == 0 and result["changed"] is True
    assert sorted(result["commands"]) == sorted(expected)
    assert {r["status"] for r in result["results"]} == {"would_migrate"}
    assert sorted(a[-1] for a in migrlpars(log, "v")) == sorted(lpars)
    assert migrlpars(log, "m") == []
    assert result["diff"]["after"][lpars[0]]["system"] == P740 and result["diff"]["before"][lpars[0]]["system"] == P750
    assert placement(twin, lpars) == before

    # 2. apply: every partition moves with exactly one migrlpar -o m, over one connection
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(lpars), twin=twin)
    log = twin.log(since=seq)
    assert rc == 0 and result["changed"] is True, result.get("msg")
    assert [r["status"] for r in result["results"]] == ["migrated"] * len(lpars)
    assert sorted(shlex.join(a) for a in migrlpars(log)) == sorted(expected)
    assert sorted(result["commands"]) == sorted(expected)
    counts = summary(log)
    assert counts["connections"] == 1
    polls = [e for e in log if e["argv"][:3] == ["lslparmigr", "-r", "lpar"]]
    assert all("--filter" not in e["argv"] for e in polls)           # whole systems, never one partition
    source_polls = [e for e in polls if e["argv"][4] == P750]
    # One read of the source per round (plus the survey), not one per partition and round.
    assert len(source_polls) <= math.ceil(run_span(result["results"]) / POLL) + 3
    assert placement(twin, lpars) == {name: [(P740, "Not Activated" if name == "b750test1" else "Running")] for name in lpars}
    for entry in result["results"]:
        assert entry["source"] == P750 and entry["target"] == P740 and entry["duration"] is not None
        if entry["kind"] == "active":
            assert entry["bytes_transmitted"] > 0 and entry["bytes_remaining"] == 0
            assert (entry["source_msp"], entry["dest_msp"]) != ("", "")
    record_counts(label, {**counts, "source_polls": len(source_polls), "lpars": len(lpars)})

    # 3./4. check mode, then apply again: nothing to do, no migrlpar at all
    for check in (True, False):
        seq = twin.last_seq()
        rc, (result,) = run_playbook(task(lpars), twin=twin, check=check)
        log = twin.log(since=seq)
        assert rc == 0 and result["changed"] is False
        assert result["commands"] == [] and {r["status"] for r in result["results"]} == {"on_target"}
        assert [e for e in log if e["argv"][0] == "migrlpar"] == []
        assert summary(log)["connections"] == 1


def test_ladder_one_partition(twin_factory, run_playbook):
    ladder(twin_factory("seed-lab"), run_playbook, ["b750web1"], "seed-lab, 1 partition")


def test_ladder_eight_partitions(twin_factory, run_playbook):
    ladder(twin_factory("seed-lab"), run_playbook, MOVABLE, "seed-lab, 8 partitions")


def test_a_failed_migration_is_recovered_and_the_others_move(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("fault", "arm", "migration_failure", "--target", "b750db1", "--at-percent", "40")
    lpars = ["b750db1", "b750nl2", "b750web1"]
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(lpars), twin=twin)
    log = twin.log(since=seq)
    assert rc != 0 and result["failed"] is True and result["changed"] is True
    db1, nl2, web1 = result["results"]
    assert db1["status"] == "failed" and db1["hscl_code"] == "HSCLA24B" and db1["recovered"] is True
    assert "recovered with migrlpar -o r" in db1["recovery_message"]
    assert 0 < db1["bytes_transmitted"] < db1["bytes_transmitted"] + db1["bytes_remaining"]
    assert nl2["status"] == web1["status"] == "migrated"
    assert "b750db1 (HSCLA24B)" in result["msg"]
    assert sorted(a[-1] for a in migrlpars(log)) == sorted(lpars)
    assert [a[-1] for a in migrlpars(log, "r")] == ["b750db1"]
    assert placement(twin, lpars) == {"b750db1": [(P750, "Running")], "b750nl2": [(P740, "Running")], "b750web1": [(P740, "Running")]}

    # The fault fired once: the next run moves b750db1 and leaves the others alone.
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(lpars), twin=twin)
    assert rc == 0 and [r["status"] for r in result["results"]] == ["migrated", "on_target", "on_target"]
    assert [a[-1] for a in migrlpars(twin.log(since=seq))] == ["b750db1"]


def test_needs_recovery_then_recovered(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("fault", "arm", "migration_failure", "--target", "b750app1", "--at-percent", "40")
    rc, (result,) = run_playbook(task(["b750app1"], recover_on_failure=False), twin=twin)
    assert rc != 0 and result["results"][0]["recovered"] is False
    assert "state=recovered" in result["results"][0]["hint"]

    rc, (result,) = run_playbook(task(["b750app1"]), twin=twin)          # a new migration is refused
    assert rc != 0 and "needs recovery" in result["results"][0]["message"]

    recover = [{"name": "recover", "powervm.lpm.lpar_migration": {"lpars": ["b750app1"], "state": "recovered"}}]
    rc, (result,) = run_playbook(recover, twin=twin, check=True)
    assert rc == 0 and result["changed"] is True and result["commands"] == [f"migrlpar -o r -m {P750} -p b750app1"]
    seq = twin.last_seq()
    rc, (result,) = run_playbook(recover, twin=twin)
    assert rc == 0 and result["changed"] is True and result["results"][0]["status"] == "recovered"
    assert [a[-1] for a in migrlpars(twin.log(since=seq), "r")] == ["b750app1"]
    rc, (result,) = run_playbook(recover, twin=twin)
    assert rc == 0 and result["changed"] is False and result["results"][0]["status"] == "nothing_to_recover"
    assert placement(twin, ["b750app1"]) == {"b750app1": [(P750, "Running")]}


def _migrate_in_background(twin, lpar):
    """Someone else's migrlpar -o m, run through the control socket; its outcome does not matter here."""
    argv = ["migrlpar", "-o", "m", "-m", P750, "-t", P740, "-p", lpar]

    def migrate():
        try:
            twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv))
        except subprocess.CalledProcessError:
            pass            # a stopped migration ends with rc 1

    worker = threading.Thread(target=migrate, daemon=True)
    worker.start()
    return worker


def _wait_migrating(twin, lpar):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = [s for _sys, s in placement(twin, [lpar]).get(lpar, [])]
        if any(s.startswith("Migrating") for s in states):
            return
        time.sleep(0.02)
    raise AssertionError(f"{lpar} did not start migrating")


def test_a_migration_in_progress_is_attached_to(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", "20")
    worker = _migrate_in_background(twin, "b750db1")
    _wait_migrating(twin, "b750db1")
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(["b750db1"]), twin=twin)
    worker.join(60)
    (db1,) = result["results"]
    assert rc == 0 and db1["status"] == "migrated" and db1["attached"] is True
    assert migrlpars(twin.log(since=seq)) == []                       # never issued again
    assert placement(twin, ["b750db1"]) == {"b750db1": [(P740, "Running")]}


def test_a_lost_channel_is_followed_not_reissued(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("fault", "arm", "ssh_disconnect", "--command", "migrlpar -o m", "--seconds", "0.3")
    seq = twin.last_seq()
    rc, (result,) = run_playbook(task(["b750db2"]), twin=twin)
    log = twin.log(since=seq)
    (db2,) = result["results"]
    assert rc == 0 and db2["status"] == "migrated", result.get("msg")
    assert "followed by polling" in db2["message"]
    assert len(migrlpars(log)) == 1
    assert placement(twin, ["b750db2"]) == {"b750db2": [(P740, "Running")]}


def test_stop_a_running_migration(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", "5")
    worker = _migrate_in_background(twin, "b750db1")
    _wait_migrating(twin, "b750db1")
    stop = [{"name": "stop", "powervm.lpm.lpar_migration": {"lpars": ["b750db1", "b750web1"], "state": "stopped"}}]
    rc, (result,) = run_playbook(stop, twin=twin)
    worker.join(60)
    assert rc == 0 and result["changed"] is True
    assert [r["status"] for r in result["results"]] == ["stopped", "not_migrating"]
    assert result["commands"] == [f"migrlpar -o s -m {P750} -p b750db1"]
    assert placement(twin, ["b750db1"]) == {"b750db1": [(P750, "Running")]}
    rc, (result,) = run_playbook(stop, twin=twin)
    assert rc == 0 and result["changed"] is False


@pytest.mark.parametrize("lpar", ["b750nim"])
def test_validation_failure_is_reported_with_its_code(twin_factory, run_playbook, lpar):
    twin = twin_factory("seed-lab")
    validate = [{"name": "validate", "powervm.lpm.lpar_migration": {"lpars": [lpar, "b750web1"], "target_system": P740, "state": "validated"}}]
    rc, (result,) = run_playbook(validate, twin=twin)
    assert rc != 0 and result["changed"] is False
    nim, web1 = result["results"]
    assert nim["status"] == "failed" and nim["hscl_code"] == "HSCLA22F"
    assert web1["status"] == "validated"


def _record(twin, lpar):
    """The source's migration record of one partition as the twin holds it now (read over the control socket)."""
    argv = ["lslparmigr", "-r", "lpar", "-m", P750, "--filter", f"lpar_names={lpar}"]
    line = twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)).strip()
    return dict(field.split("=", 1) for field in line.split(","))


def _copied(record):
    value = record.get("bytes_transmitted", "")
    return int(value) if value.isdigit() else 0


def _wait_until(what, done, timeout=120.0, step=None, twin=None):
    """Wait for ``done()``; with ``step``, move the twin's manual clock on by that many seconds between looks."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout:.0f} s"
        if step is not None:
            twin.ctl("clock", "advance", str(step))
        time.sleep(0.05)


def test_without_wait_the_module_returns_and_a_second_run_follows(twin_factory, run_playbook):
    # The twin's clock moves only when the test moves it, until the second run has attached: however slow the
    # machine, the migration is in its copy phase when the first run returns and when the second one surveys.
    # Then it runs on at 60 times real time.
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "manual", "on")
    twin.ctl("clock", "speed", "60")
    first = {}
    runner = threading.Thread(target=lambda: first.update(zip(("rc", "results"), run_playbook(task(["b750db1"], wait=False), twin=twin))),
                              daemon=True)
    runner.start()
    # Validation, creation and MSP setup, up to the first bytes copied (steps well shorter than the copy phase of
    # about a minute); then the clock stands still in the copy phase.
    _wait_until("the copy phase", lambda: _copied(_record(twin, "b750db1")) > 0 or not runner.is_alive(),
                step=10, twin=twin)
    runner.join(PLAYBOOK_TIMEOUT)
    assert not runner.is_alive(), "the run without wait did not return"
    copying = _record(twin, "b750db1")
    assert copying["migration_state"] == "Migration In Progress" and int(copying["bytes_remaining"]) > 0, copying
    (db1,) = first["results"][0]["results"]
    assert first["rc"] == 0 and first["results"][0]["changed"] is True and db1["status"] == "started"
    assert db1["migration_state"] == "Migration In Progress"

    seq = twin.last_seq()
    second = {}
    runner = threading.Thread(target=lambda: second.update(zip(("rc", "results"), run_playbook(task(["b750db1"]), twin=twin))), daemon=True)
    runner.start()
    # Its survey read the migration, and its poller has read it once since: it follows the migration. The clock goes on.
    def source_reads():
        return [e for e in over_ssh(twin.log(since=seq)) if e["argv"][:5] == ["lslparmigr", "-r", "lpar", "-m", P750]]

    _wait_until("the second run's survey and first poll", lambda: len(source_reads()) >= 2 or not runner.is_alive())
    assert _record(twin, "b750db1")["bytes_transmitted"] == copying["bytes_transmitted"]   # the clock stood still
    twin.ctl("clock", "manual", "off")
    runner.join(PLAYBOOK_TIMEOUT)
    assert not runner.is_alive(), "the second run did not return"
    (db1,) = second["results"][0]["results"]
    assert second["rc"] == 0 and db1["status"] == "migrated" and db1["attached"] is True
    assert migrlpars(twin.log(since=seq)) == []
    assert placement(twin, ["b750db1"]) == {"b750db1": [(P740, "Running")]}


def test_an_hmc_restart_during_the_migration_is_survived(twin_factory, run_playbook):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", "10")
    seq = twin.last_seq()
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(zip(("rc", "results"), run_playbook(task(["b750db1"]), twin=twin))), daemon=True)
    runner.start()
    _wait_migrating(twin, "b750db1")
    twin.ctl("fault", "arm", "hmc_restart", "--seconds", "1")
    runner.join(120)
    (db1,) = outcome["results"][0]["results"]
    log = twin.log(since=seq)
    assert outcome["rc"] == 0 and db1["status"] == "migrated", db1
    assert "followed by polling" in db1["message"]
    assert len(migrlpars(log)) == 1                                   # never sent again after reconnecting
    assert summary(log)["connections"] == 2
    assert placement(twin, ["b750db1"]) == {"b750db1": [(P740, "Running")]}
