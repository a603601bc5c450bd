# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``ansible-playbook powervm.lpm.evacuate`` against the twin: deadline, stop on failure and the concurrency caps.

- A deadline shorter than every planned migration starts none: no ``migrlpar -o m`` reaches the HMC, every planned
  partition stays on the source, listed as left for the deadline, and the play does not fail.
- A deadline that leaves room for part starts exactly the migrations the plan's prediction fits in (now plus planned
  duration times ``evacuate_duration_scale``), at once, and leaves the rest for the deadline.
- With ``stop_on_failure`` no ``migrlpar -o m`` is sent after the first failure; the failed partition is recovered
  and not tried again, the migration in flight ends, the partitions not started are left ``skipped``.
- Without a cap in all, a fleet whose plan runs 16 active and 4 inactive migrations at once runs exactly that many at
  once: never more than the plan assumed, and not fewer (the evacuation module's former default of 16 in all held 4
  back and made this evacuation 41 % longer than predicted).

Each test reads the twin's command log (which ``migrlpar`` were sent and when, from ``real_time`` and ``duration``:
``migrlpar -o m`` returns when the migration has ended), the final placement, the evacuation module's result (the
async job's result file) and the JSON report.
"""

from __future__ import annotations

import datetime
import json
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from evac_support import P740, P750, SEED_MOVABLE, Evacuation, fleet, lpar_of, migrations_sent, placement, report_json

SLOW = 1.0  # twin speed for the short deadline: predicted durations of 95 s to 156 s are real seconds
FAST = 20.0  # twin speed of the runs that migrate
FLEET = 10.0  # twin speed of the fleet: its shortest migrations last seconds, longer than the run takes to start 20
SCALE = 200.0  # evacuate_duration_scale of the partial deadline: predicted real durations of 948 s to 1,555 s


@pytest.fixture
def evacuation(collections_path: str, tmp_path: pathlib.Path) -> Any:
    def make(twin: Any, **extra: Any) -> Evacuation:
        return Evacuation(twin, collections_path, tmp_path / f"evac-{len(list(tmp_path.iterdir()))}", extra)

    return make


def iso(moment: float) -> str:
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).isoformat(timespec="seconds")


def module_result(evac: Evacuation) -> dict[str, Any]:
    """The evacuation module's result, as its async job wrote it."""
    found = []
    for path in (evac.workdir / "async").rglob("*"):
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(data, dict) and "lpars" in data and "record" in data:
                found.append(data)
    assert len(found) == 1, f"{len(found)} evacuation results in {evac.workdir / 'async'}"
    return found[0]


def intervals(log: Iterable[Mapping[str, Any]]) -> dict[str, tuple[float, float]]:
    """Real start and end of each partition's migrlpar -o m (one each)."""
    out = {}
    for e in migrations_sent(list(log)):
        name = lpar_of(e)
        assert name not in out, f"migrlpar -o m sent twice for {name}"
        out[name] = (e["real_time"], e["real_time"] + e["duration"])
    return out


def peak(spans: Iterable[tuple[float, float]]) -> int:
    """The most intervals [start, end) holding one instant."""
    spans = list(spans)
    events = sorted([(s, 1) for s, _e in spans] + [(e, -1) for _s, e in spans], key=lambda x: (x[0], x[1]))
    most = now = 0
    for _t, step in events:
        now += step
        most = max(most, now)
    return most


def planned_seconds(result: Mapping[str, Any]) -> dict[str, float]:
    """Each planned migration's predicted duration (HMC seconds), from the plan the run followed."""
    return {m["lpar"]: float(m["duration_s"]) for m in result["plan"]["plan"]}


def test_a_deadline_shorter_than_every_migration_starts_none_and_says_so(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", str(SLOW))
    evac = evacuation(twin)
    before = placement(twin, [P750, P740])
    seq = twin.last_seq()
    deadline = iso(datetime.datetime.now(datetime.timezone.utc).timestamp() + 75)  # the shortest migration is predicted at 95 s
    run = evac.run({"evacuate_source_system": P750, "evacuate_deadline": deadline})
    assert run.rc == 0, run.stdout[-3000:]  # partitions left for the deadline do not fail the play

    log = twin.log(since=seq)
    assert [e for e in log if e["argv"][0] == "migrlpar"] == []  # no migration, not even a validation
    assert placement(twin, [P750, P740]) == before

    result = module_result(evac)
    assert {x["lpar"]: (x["state"], x["reason"]) for x in result["lpars"]} == {n: ("left", "deadline") for n in SEED_MOVABLE}
    assert result["counts"] == {"left": 8} and result["failed_lpars"] == [] and result["commands"] == []
    assert result["msg"] == "0 of 8 planned partitions moved"

    report = report_json(run.stdout)
    planned = planned_seconds(result)
    left = {x["lpar"]: x for x in report["left"]}
    assert sorted(n for n, x in left.items() if x["reason"] == "deadline") == sorted(SEED_MOVABLE)
    for name in SEED_MOVABLE:
        detail = left[name]["detail"]
        assert detail.startswith("not started at ") and detail.endswith(f"after the deadline {deadline}"), detail
        takes = float(detail.split("predicted to take ", 1)[1].split(" s", 1)[0])
        assert abs(takes - planned[name] / SLOW) <= 1.0, (name, takes, planned[name])  # the plan's prediction, in real seconds
    assert [m for m in report["migrations"] if m["state"] == "moved"] == []
    assert "0 moved, 0 failed (0 recovered), 11 left on the source, 3 unmovable" in run.stdout
    assert "left: b750db1 (deadline) not started at " in run.stdout


def test_a_deadline_that_leaves_room_for_part_starts_exactly_what_fits_by_the_plans_prediction(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", str(FAST))
    evac = evacuation(twin, evacuate_duration_scale=SCALE)
    seq = twin.last_seq()
    # seed-lab starts all eight at once; predicted (x SCALE / FAST) 948 s and 950 s for b750web1 and b750test1, 1,179 s
    # and more for the others: a deadline 1,060 s ahead splits them whatever the play's own time before the first start
    # (up to 110 s); the two that fit end within seconds on the twin
    began = datetime.datetime.now(datetime.timezone.utc).timestamp()
    deadline_at = began + 1060
    deadline = iso(deadline_at)
    run = evac.run({"evacuate_source_system": P750, "evacuate_deadline": deadline})
    assert run.rc == 0, run.stdout[-3000:]

    report = report_json(run.stdout)
    result = module_result(evac)
    predicted = {n: s * SCALE / FAST for n, s in planned_seconds(result).items()}
    spans = intervals(twin.log(since=seq))
    assert spans, "nothing was started"
    decided = min(start for start, _end in spans.values())  # every start is decided at once: seed-lab has no start_after
    assert decided - began < 1060 - 950, "the play took too long before the first start for this deadline"
    fits = sorted(n for n in SEED_MOVABLE if decided + predicted[n] <= int(deadline_at))
    assert fits == ["b750test1", "b750web1"]
    assert sorted(spans) == fits  # exactly those were sent, once each
    for name, (start, _end) in spans.items():
        assert start - decided < 5 and start + predicted[name] <= deadline_at, (name, start, predicted[name])

    where = placement(twin, [P750, P740])
    for name in SEED_MOVABLE:
        assert where[name][0][0] == (P740 if name in fits else P750), name

    states = {x["lpar"]: (x["state"], x["reason"]) for x in result["lpars"]}
    assert states == {n: ("moved", "") if n in fits else ("left", "deadline") for n in SEED_MOVABLE}
    assert result["failed_lpars"] == [] and result["msg"] == "2 of 8 planned partitions moved"

    left = {x["lpar"]: x for x in report["left"]}
    assert sorted(n for n, x in left.items() if x["reason"] == "deadline") == sorted(set(SEED_MOVABLE) - set(fits))
    for name in set(SEED_MOVABLE) - set(fits):
        assert f"after the deadline {deadline}" in left[name]["detail"]
        takes = float(left[name]["detail"].split("predicted to take ", 1)[1].split(" s", 1)[0])
        assert abs(takes - predicted[name]) <= 1.0 and decided + takes > deadline_at
    assert sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved") == fits
    assert all(c["ok"] for c in report["postchecks"]), report["postchecks"]


def test_stop_on_failure_sends_no_migration_after_the_first_failure(twin_factory, evacuation):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", str(FAST))
    twin.ctl("fault", "arm", "migration_failure", "--target", "b750db1", "--at-percent", "40")
    evac = evacuation(twin, evacuate_policy={"max_concurrent": 2}, evacuate_stop_on_failure=True)  # two at a time: waves
    seq = twin.last_seq()
    run = evac.run({"evacuate_source_system": P750})
    assert run.rc != 0 and "Left after failures: " in run.stdout, run.stdout[-3000:]  # the play fails after the reports

    log = twin.log(since=seq)
    sent = migrations_sent(log)
    assert [lpar_of(e) for e in sent].count("b750db1") == 1  # not tried again
    failed_at = next(e["real_time"] + e["duration"] for e in sent if lpar_of(e) == "b750db1")
    assert all(e["real_time"] < failed_at for e in sent), "a migration was sent after the failure"
    recovered = [e for e in log if e["argv"][:3] == ["migrlpar", "-o", "r"]]
    assert [e["argv"][-1] for e in recovered] == ["b750db1"] and recovered[0]["real_time"] >= failed_at - 0.5
    started = {lpar_of(e) for e in sent}
    assert 2 <= len(started) < len(SEED_MOVABLE)  # something ran beside it, something was never started
    assert peak((e["real_time"], e["real_time"] + e["duration"]) for e in sent) <= 2

    where = placement(twin, [P750, P740])
    skipped = sorted(set(SEED_MOVABLE) - started)
    moved = sorted(started - {"b750db1"})
    assert all(where[n][0][0] == P740 for n in moved) and all(where[n][0][0] == P750 for n in [*skipped, "b750db1"])
    assert where["b750db1"] == [(P750, "Running")]

    result = module_result(evac)
    states = {x["lpar"]: (x["state"], x["reason"]) for x in result["lpars"]}
    assert states == {"b750db1": ("left", "recovered"), **{n: ("moved", "") for n in moved}, **{n: ("left", "skipped") for n in skipped}}
    assert sorted(result["failed_lpars"]) == sorted(["b750db1", *skipped])

    report = report_json(run.stdout)
    left = {x["lpar"]: x for x in report["left"]}
    assert left["b750db1"]["reason"] == "recovered" and "not tried again: stop_on_failure is set" in left["b750db1"]["detail"]
    assert all(left[n]["reason"] == "skipped" and "stop_on_failure" in left[n]["detail"] for n in skipped)
    assert sorted(m["lpar"] for m in report["migrations"] if m["state"] == "moved") == moved


def test_the_run_keeps_as_many_migrations_in_flight_as_the_plan_and_never_more(twin_factory, evacuation):
    data, source = fleet(30, 3, 30, msp_pairs=2, inactive_share=0.3)  # 16 active and 4 inactive at once in the plan
    twin = twin_factory(data)
    twin.ctl("clock", "speed", str(FLEET))
    evac = evacuation(twin)
    seq = twin.last_seq()
    run = evac.run({"evacuate_source_system": source})
    assert run.rc == 0, run.stdout[-3000:]

    report = report_json(run.stdout)
    result = module_result(evac)
    entries = result["plan"]["plan"]
    kind = {e["lpar"]: e["kind"] for e in entries}
    planned = {
        "all": peak((e["start_s"], e["end_s"]) for e in entries),
        "active": peak((e["start_s"], e["end_s"]) for e in entries if e["kind"] != "inactive"),
        "inactive": peak((e["start_s"], e["end_s"]) for e in entries if e["kind"] == "inactive"),
    }
    assert planned["all"] > 16, planned  # more than the module's former cap in all

    spans = intervals(twin.log(since=seq))
    assert sorted(spans) == sorted(e["lpar"] for e in entries)
    seen = {
        "all": peak(spans.values()),
        "active": peak(s for n, s in spans.items() if kind[n] != "inactive"),
        "inactive": peak(s for n, s in spans.items() if kind[n] == "inactive"),
    }
    print(f"in flight at most: plan {planned}, run {seen}")
    assert all(seen[k] <= planned[k] for k in planned), (seen, planned)  # never more than the plan assumed
    assert seen == planned  # and not held back

    assert result["counts"] == {"moved": len(entries)} and result["failed_lpars"] == []
    moved = [m for m in report["migrations"] if m["state"] == "moved"]
    makespan = max(m["end"] for m in moved) - min(m["start"] for m in moved)
    print(f"makespan {makespan:.1f} s, predicted {report['plan']['eta_seconds']:.1f} s")
    assert makespan <= report["plan"]["eta_seconds"] * 1.25, (makespan, report["plan"]["eta_seconds"])  # 1.41 with 16 in all
