# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evacuation's state files: journal, lock, progress table, hook answers, manifest."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_journal as journal_io
from ansible_collections.powervm.lpm.plugins.module_utils import _evac_manifest as manifests
from ansible_collections.powervm.lpm.plugins.module_utils._evac_hooks import POST, PRE, Hooks, read_acks, write_acks
from ansible_collections.powervm.lpm.plugins.module_utils._evac_lock import EvacLock, LockHeld, owner_info, pid_alive
from ansible_collections.powervm.lpm.plugins.module_utils._evac_progress import clock, read_snapshot, table, write_snapshot
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, HookGate, entries_of, safe_name
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import simple


def test_the_journal_folds_runs_launches_results_and_left(tmp_path):
    path = str(tmp_path / "j.jsonl")
    journal = journal_io.Journal(path)
    journal.write("run", {"run": 1, "started": "2026-03-14T21:00:00+00:00"})
    journal.write("plan", {"plan": {"plan": []}})
    journal.write("launch", {"lpar": "a", "attempt": 1, "target": "t1", "source_msp": "v1", "dest_msp": "w1", "attach": False})
    journal.write("result", {"lpar": "a", "attempt": 1, "status": "failed"})
    journal.write("launch", {"lpar": "a", "attempt": 2, "target": "t1", "source_msp": "v2", "dest_msp": "w2", "attach": False})
    journal.write("left", {"lpar": "b", "reason": "deadline", "detail": "late"})
    journal.write("launch", {"lpar": "b", "attempt": 1, "target": "t2", "attach": True})
    state = journal_io.load(path)
    assert state.started == "2026-03-14T21:00:00+00:00" and state.plan == {"plan": {"plan": []}, "seq": 1} and not state.complete
    assert state.attempts("a") == 2 and state.attempts("b") == 0
    assert state.open_launch("a")["attempt"] == 2 and state.tried("a") == [("t1", "v1", "w1"), ("t1", "v2", "w2")]
    assert state.left["b"]["reason"] == "deadline"
    journal.write("result", {"lpar": "b", "attempt": 0, "status": "migrated"})
    journal.write("end", {"ended": "2026-03-14T22:00:00+00:00", "complete": True})
    state = journal_io.load(path)
    assert "b" not in state.left and state.complete and state.ended == "2026-03-14T22:00:00+00:00"
    with pytest.raises(ValueError, match="unknown journal event"):
        journal.write("gossip", {})


def test_a_half_written_last_line_is_ignored_and_a_bad_line_elsewhere_is_an_error(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text('{"event": "run", "data": {"run": 1}}\n{"event": "launch", "data": {"lpar"', encoding="utf-8")
    assert [e for e, _d in journal_io.read_events(str(path))] == ["run"]
    path.write_text('{"event": "run", "data": {}}\nnot json\n{"event": "end", "data": {}}\n', encoding="utf-8")
    with pytest.raises(journal_io.JournalError, match="line 2: not JSON"):
        journal_io.read_events(str(path))
    assert journal_io.read_events(str(tmp_path / "none.jsonl")) == []


def test_the_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    path = str(tmp_path / "src.lock")
    first = EvacLock(path, owner_info(None, "t1"))
    first.acquire("an evacuation of src")
    with pytest.raises(LockHeld, match=rf"an evacuation of src is already running: pid {os.getpid()} on host {socket.gethostname()} since 20"):
        EvacLock(path, owner_info(None, "t2")).acquire("an evacuation of src")
    first.release()
    with EvacLock(path, owner_info(None, "t3")) as again:
        again.acquire("an evacuation of src")
        assert json.loads(open(path, encoding="utf-8").read())["token"] == "t3"


def test_a_lock_held_by_a_run_whose_controller_died_is_waited_for(tmp_path):
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True).stdout)
    assert not pid_alive(dead) and pid_alive(os.getpid())
    path = str(tmp_path / "src.lock")
    orphan = EvacLock(path, owner_info(dead, "old"))
    orphan.acquire("x")
    with pytest.raises(LockHeld, match="still stopping after 0.3 s"):
        EvacLock(path, owner_info(None, "new")).acquire("x", wait=0.3)
    threading.Timer(0.3, orphan.release).start()
    started = time.monotonic()
    EvacLock(path, owner_info(None, "new")).acquire("x", wait=5)
    assert 0.2 < time.monotonic() - started < 4


def test_the_progress_table_shows_each_migration_in_flight(tmp_path):
    path = str(tmp_path / "p.json")
    write_snapshot(path, {
        "source": "p750", "finished": False, "elapsed": 61, "eta_seconds": 3725,
        "counts": {"moved": 3, "running": 1, "waiting": 4, "left": 1, "total": 9},
        "lpars": [
            {"lpar": "db1", "target": "p740", "state": "running", "phase": "Migration In Progress", "source_msp": "vio1", "dest_msp": "vio3",
             "bytes_transmitted": 3 * 2**30, "bytes_remaining": 2**30, "percent": 75.0, "eta_seconds": 22, "attempt": 2},
            {"lpar": "nim", "target": "p740", "state": "left", "note": "deadline"},
            {"lpar": "web1", "target": "p740", "state": "moved"},
        ],
        "hooks_due": [{"group": "db", "phase": "post"}],
    })  # fmt: skip
    lines = table(read_snapshot(path))
    assert lines[0] == "p750: 3 moved, 1 running, 4 waiting, 1 left of 9 (running) | elapsed 0:01:01 | ETA 1:02:05"
    assert lines[1].split() == ["db1", "#2", "->", "p740", "running", "Migration", "In", "Progress", "vio1>vio3", "3.0/4.0", "GiB", "75%", "ETA", "0:00:22"]
    assert lines[2].split()[-1] == "deadline" and "web1" not in " ".join(lines)
    assert lines[3] == "  hook due: post-hook of disruption group db"
    assert clock(None) == "-" and read_snapshot(str(tmp_path / "none")) is None


def test_hook_answers_open_and_close_groups(tmp_path):
    path = str(tmp_path / "h.json")
    hooks = Hooks(HookGate(pre=("db",), post=("db", "app"), abort_on_failure=()), {"db": ("a", "b"), "app": ("c",)}, path)
    hooks.refresh()
    assert hooks.held_by("a") == "db" and hooks.held_by("c") is None
    write_acks(path, [{"group": "db", "phase": PRE, "ok": False, "detail": "x"}])
    time.sleep(0.01)
    os.utime(path, None)
    hooks.refresh()
    assert hooks.held_by("a") is None and hooks.failed_by("a") is None  # on_failure continue: the members go on
    assert hooks.post_due({"a", "b"}, {"a"}) == ["db"] and hooks.post_due({"a", "b", "c"}, set()) == []
    write_acks(path, [{"group": "db", "phase": POST, "ok": True}])
    assert set(read_acks(path)) == {"db/pre", "db/post"}


def test_the_manifest_keeps_the_original_placement_and_gives_the_return_its_mappings(tmp_path):
    estate = simple(targets=1, lpars=(("a", 8192),)).vscsi("src", "a", "src-vio2", 23, "hdisk3").npiv("src", "a", "src-vio1", 33, "fcs1").build()
    manifest = manifests.build(estate, "src", ["a"], "w1", "2026-03-14T21:00:00+00:00")
    entry = manifest["partitions"]["a"]
    assert entry["virtual_scsi"] == [{"slot": 23, "vios": "src-vio2", "vios_id": 2, "vios_slot": 23}]
    assert entry["virtual_fc"] == [{"slot": 33, "vios": "src-vio1", "vios_id": 1, "vios_slot": 33, "fc_port": "fcs1"}]
    path = str(tmp_path / "m.json")
    manifests.record_move(manifest, "a", "t1", "src-vio1", "t1-vio1")
    manifests.write(path, manifest)
    moved_facts = manifests.build(simple(targets=1, lpars=(("a", 1024),)).build(), "src", ["a"], "w2", "later")
    kept = manifests.merge(manifests.read(path), moved_facts)
    assert kept["partitions"]["a"]["virtual_scsi"] == entry["virtual_scsi"] and kept["partitions"]["a"]["target_system"] == "t1"
    back = manifests.restore_overrides(kept, "a", used_ids={10})
    assert back == {
        "shared_proc_pool": "DefaultPool", "dest_lpar_id": None,
        "virtual_scsi_mappings": [{"client_slot": 23, "dest_vios": "src-vio2", "dest_vios_id": 2, "dest_vios_slot": 23}],
        "virtual_fc_mappings": [{"client_slot": 33, "dest_vios": "src-vio1", "dest_vios_id": 1, "dest_vios_slot": 33, "dest_fc_port": "fcs1"}],
    }  # fmt: skip
    assert manifests.restore_overrides(kept, "a", used_ids=set())["dest_lpar_id"] == 10


def test_plan_entries_are_read_in_start_order():
    plan = {"plan": [
        {"lpar": "b", "order": 1, "source_system": "s", "target_system": "t", "start_after": [{"lpar": "a", "event": "end"}], "start_s": 10, "end_s": 20},
        {"lpar": "a", "order": 0, "source_system": "s", "target_system": "t", "source_msp": None, "kind": "inactive", "lpar_id": 3},
    ]}  # fmt: skip
    a, b = entries_of(plan)
    assert (a.lpar, a.kind, a.lpar_id, a.source_msp) == ("a", "inactive", 3, "")
    assert b.start_after == (("a", "end"),) and b.duration_s == 10 and isinstance(b, Entry)
    assert safe_name("p750 <x>/y") == "p750__x__y"
