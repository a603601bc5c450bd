# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The evacuation record: checks, defaults, JSON round trip, the journal and the adapters."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._data_check import DataError
from ansible_collections.powervm.lpm.plugins.module_utils._report_adapt import adapt_record, epoch, migration_from_result, plan_from_planner, state_of
from ansible_collections.powervm.lpm.plugins.module_utils._report_journal import JournalWriter, read_record_file
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import normalise_record
from ansible_collections.powervm.lpm.plugins.module_utils._report_render import load_record, render_json
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.report_sample import GIB, SOURCE, STARTED, sample_record


def problems_of(data: Any) -> list[str]:
    with pytest.raises(DataError) as info:
        normalise_record(data)
    return info.value.problems


def test_sample_record_is_valid_and_keeps_its_values() -> None:
    record = normalise_record(sample_record())
    assert record["source_system"] == SOURCE
    assert len(record["migrations"]) == 10
    states = [m["state"] for m in record["migrations"]]
    assert states.count("moved") == 8 and states.count("failed") == 1 and states.count("skipped") == 1
    failed = next(m for m in record["migrations"] if m["state"] == "failed")
    assert failed["lpar"] == "b750erp2" and failed["code"] == "HSCLA24B"
    assert record["plan"] is not None and record["plan"]["lb"] is not None
    assert record["plan"]["lb"]["bottleneck"] == "lb_slot" and record["plan"]["lb"]["value"] == 410.0


def test_minimal_record_gets_every_field() -> None:
    record = normalise_record({"source_system": "S", "started": "2026-01-01T00:00:00Z", "migrations": [{"lpar": "a", "target": "T", "state": "moved"}]})
    assert record["targets"] == [] and record["ended"] is None and record["plan"] is None
    assert record["unmovable"] == [] and record["left"] == [] and record["postchecks"] == [] and record["manifest_path"] is None
    m = record["migrations"][0]
    assert m == {
        "lpar": "a", "source": "", "target": "T", "kind": "active", "source_msp": "", "dest_msp": "", "start": None, "end": None,
        "duration": None, "bytes": None, "state": "moved", "code": None, "message": "", "hint": None, "phases": [], "samples": [],
    }


def test_duration_is_computed_when_missing() -> None:
    migration = {"lpar": "a", "target": "T", "state": "moved", "start": 10, "end": 70.5}
    record = normalise_record({"source_system": "S", "started": STARTED, "migrations": [migration]})
    assert record["migrations"][0]["duration"] == 60.5


def test_bottleneck_defaults_to_the_largest_term() -> None:
    lb = {"value": 90, "lb_src": 90, "lb_dst": 10, "lb_long": 80, "lb_slot": 5}
    data = {"source_system": "S", "started": STARTED, "plan": {"eta_seconds": 100, "lb": lb}}
    assert normalise_record(data)["plan"]["lb"]["bottleneck"] == "lb_src"  # type: ignore[index]


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda r: r.pop("source_system"), "source_system: is required"),
        (lambda r: r.update(started="2026-03-14 22:00"), "started: expected an ISO 8601 timestamp with a timezone"),
        (lambda r: r.update(ended="2026-03-14T21:00:00+00:00"), "ended: is before started"),
        (lambda r: r.update(sourcesystem="x"), "sourcesystem: unknown key (did you mean 'source_system'?)"),
        (lambda r: r["migrations"][3].update(state="done"), "migrations[3].state: 'done' is not one of moved, failed, recovered, skipped, left"),
        (lambda r: r["migrations"][2].update(kind="live"), "migrations[2].kind: 'live' is not one of active, inactive, suspended"),
        (lambda r: r["migrations"][1].update(bytes=-1), "migrations[1].bytes: must be at least 0, got -1"),
        (lambda r: r["migrations"][1].update(bytes="12"), "migrations[1].bytes: expected an integer, got a string ('12')"),
        (lambda r: r["migrations"][0]["phases"][1].update(end=1.0), "migrations[0].phases[1].end: is before start"),
        (lambda r: r["migrations"][0]["samples"][0].pop("t"), "migrations[0].samples[0].t: is required"),
        (lambda r: r["migrations"][4].update(lpar="b750db1"), "migrations[4].lpar: 'b750db1' is already listed at migrations[0]"),
        (lambda r: r["migrations"][0].update(end=1.0), "migrations[0].end: is before start"),
        (lambda r: r["plan"]["entries"][2].update(predicted_end=-5.0), "plan.entries[2].predicted_end: is before predicted_start"),
        (lambda r: r["plan"]["lb"].update(bottleneck="lb_net"), "plan.lb.bottleneck: 'lb_net' is not one of lb_src, lb_dst, lb_long, lb_slot"),
        (lambda r: r["plan"].pop("eta_seconds"), "plan.eta_seconds: is required"),
        (lambda r: r["postchecks"][0].update(ok="yes"), "postchecks[0].ok: expected true or false, got a string ('yes')"),
        (lambda r: r["left"][1].pop("reason"), "left[1].reason: is required"),
        (lambda r: r.update(migrations={"a": 1}), "migrations: expected a list, got a mapping"),
        (lambda r: r["unmovable"].append("b750x"), "unmovable[2]: expected a mapping, got a string ('b750x')"),
        (lambda r: r.update(format=2), "format: must be at most 1, got 2"),
    ],
)
def test_record_problems_name_the_field(mutate: Any, expected: str) -> None:
    data = sample_record()
    mutate(data)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    data = sample_record()
    data["migrations"][0]["state"] = "x"
    data["migrations"][9]["kind"] = "y"
    data.pop("started")
    problems = problems_of(data)
    assert len(problems) == 3
    assert "3 problems" in str(DataError(problems))


def test_top_level_must_be_a_mapping() -> None:
    assert problems_of([1, 2]) == ["(top level): expected a mapping, got a list"]


def test_json_round_trip_is_exact() -> None:
    record = normalise_record(sample_record(("zürich-ß-数据库", '<a href="x">&amp;</a>')))
    text = render_json(record)
    assert "zürich-ß-数据库" in text  # kept as UTF-8, not \\u escapes
    again = normalise_record(json.loads(text))
    assert again == record
    assert render_json(again) == text


# ----- journal -----
def write_journal(path: str, record: dict[str, Any]) -> None:
    journal = JournalWriter(path)
    journal.write("start", {k: record[k] for k in ("name", "source_system", "targets", "started", "manifest_path")})
    journal.write("plan", record["plan"])
    for m in record["migrations"]:
        journal.write("migration", {**m, "state": "left", "end": None, "duration": None, "phases": [], "samples": []})
    for m in record["migrations"]:
        journal.write("migration", m)
    for kind in ("unmovable", "left"):
        for item in record[kind]:
            journal.write(kind, item)
    for item in record["postchecks"]:
        journal.write("postcheck", item)
    journal.write("end", {"ended": record["ended"]})


def test_journal_rebuilds_the_record(tmp_path: Any) -> None:
    record = sample_record()
    path = str(tmp_path / "journal.jsonl")
    write_journal(path, record)
    assert load_record(path=path) == normalise_record(record)


def test_journal_ignores_a_last_line_cut_short(tmp_path: Any) -> None:
    record = sample_record()
    path = tmp_path / "journal.jsonl"
    write_journal(str(path), record)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"event": "migration", "data": {"lpar": "b7')
    assert load_record(path=str(path))["migrations"] == normalise_record(record)["migrations"]


def test_journal_names_a_bad_line(tmp_path: Any) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event": "start", "data": {"source_system": "S", "started": "2026-01-01T00:00:00Z"}}\nnot json\n{"event": "oops", "data": {}}\n')
    with pytest.raises(DataError) as info:
        read_record_file(str(path))
    assert info.value.problems[0].startswith("line 2: not JSON")
    assert info.value.problems[1].startswith("line 3: expected {\"event\": one of start, plan")
    assert str(path) in str(info.value)


def test_execution_journal_is_named_as_such(tmp_path: Any) -> None:
    path = tmp_path / "journal.jsonl"
    path.write_text('{"event": "run", "data": {"run": 1}}\n{"event": "launch", "data": {}}\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_record_file(str(path))
    assert info.value.problems == [
        "line 1: event 'run' belongs to an evacuation's execution journal, not to a report journal; give the record the evacuation returns instead"
    ]


def test_journal_writer_refuses_unknown_events(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="unknown journal event"):
        JournalWriter(str(tmp_path / "j")).write("progress", {})


def test_record_file_holds_one_json_object(tmp_path: Any) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(sample_record()), encoding="utf-8")
    assert load_record(path=str(path))["migrations"][5]["code"] == "HSCLA24B"


def test_load_record_wants_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="either a record or the path"):
        load_record()
    with pytest.raises(ValueError, match="either a record or the path"):
        load_record({"a": 1}, "x")


# ----- adapters -----
ENGINE_RESULT = {
    "name": "b750db1", "source": SOURCE, "target": "p740", "kind": "active", "status": "failed", "changed": True, "failed": True,
    "source_msp": "b750vio1", "dest_msp": "p740vio1", "started": "2026-03-14T22:01:05+00:00", "ended": "2026-03-14T22:04:35+00:00",
    "duration": 210.0, "bytes_transmitted": 3 * GIB, "bytes_remaining": GIB, "migration_state": "Migration Failed", "attached": False,
    "hscl_code": "HSCLA24B", "message": "migrlpar -o m failed with rc=1: link lost", "hint": None, "recovered": True,
    "recovery_message": "recovered with migrlpar -o r -m P -p b750db1", "command": "migrlpar -o m ...",
}


def test_engine_result_becomes_a_migration_entry() -> None:
    origin = epoch("2026-03-14T22:00:05Z")
    entry = migration_from_result(ENGINE_RESULT, origin)
    assert entry["lpar"] == "b750db1" and entry["state"] == "recovered" and entry["code"] == "HSCLA24B"
    assert entry["start"] == 60.0 and entry["end"] == 270.0 and entry["duration"] == 210.0
    assert entry["bytes"] == 3 * GIB
    assert entry["message"] == "migrlpar -o m failed with rc=1: link lost; recovered with migrlpar -o r -m P -p b750db1"


@pytest.mark.parametrize(
    "status, recovered, state",
    [("migrated", False, "moved"), ("on_target", False, "moved"), ("failed", False, "failed"), ("failed", True, "recovered"),
     ("skipped", False, "skipped"), ("started", False, "left"), ("validated", False, "left")],
)
def test_engine_status_to_state(status: str, recovered: bool, state: str) -> None:
    assert state_of(status, recovered) == state


def test_record_with_engine_results_and_planner_output() -> None:
    planner = {
        "plan": [
            {"lpar": "b750db1", "kind": "active", "source_system": SOURCE, "target_system": "p740", "source_msp": "b750vio1", "dest_msp": "p740vio1",
             "start_s": 0.0, "end_s": 240.5, "duration_s": 240.5, "predicted_mb": 2048.0},
        ],
        "eta_seconds": 240.5,
        "lb": {"lb_seconds": 200.0, "lb_placement_seconds": 210.0, "lb_src": 150.0, "lb_dst": 210.0, "lb_dst_min": 120.0, "lb_long": 200.0,
               "lb_slot": 50.0, "bottleneck": {"term": "longest_migration", "seconds": 200.0, "lpar": "b750db1"}},
        "unmovable": [{"lpar": "b750sap1", "reason": "physical_io", "detail": "slot C3", "by_target": {"p740": "physical_io"}}],
    }
    data = {"source_system": SOURCE, "started": "2026-03-14T22:00:05Z", "plan": planner, "migrations": [ENGINE_RESULT]}
    record = normalise_record(adapt_record(data))
    assert record["plan"] == {
        "eta_seconds": 240.5,
        "lb": {"value": 200.0, "lb_src": 150.0, "lb_dst": 120.0, "lb_long": 200.0, "lb_slot": 50.0, "bottleneck": "lb_long"},
        "entries": [{"lpar": "b750db1", "target": "p740", "source_msp": "b750vio1", "dest_msp": "p740vio1",
                     "predicted_start": 0.0, "predicted_end": 240.5, "bytes": 2048 * 1024**2}],
    }
    assert record["unmovable"] == [{"lpar": "b750sap1", "reason": "physical_io", "detail": "slot C3"}]
    assert record["migrations"][0]["state"] == "recovered"


def test_plan_from_planner_passes_unknown_items_on_for_the_check() -> None:
    plan = plan_from_planner({"plan": ["junk"], "eta_seconds": 1.0})
    assert plan["entries"] == ["junk"] and plan["lb"] is None


def test_adapt_record_leaves_records_in_record_form_alone() -> None:
    data = sample_record()
    assert adapt_record(copy.deepcopy(data)) == data
