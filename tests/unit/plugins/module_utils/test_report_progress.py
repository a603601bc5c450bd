# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Phases and samples from the states the poller observed."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._report_adapt import migration_from_result
from ansible_collections.powervm.lpm.plugins.module_utils._report_progress import Observation, ProgressRecorder, phase_name, phases, samples

T0 = 1_000_000.0


@dataclass(frozen=True)
class Entry:
    """Shaped like the poller's ProgressEntry."""

    lpar: str
    migration_state: str
    bytes_transmitted: int | None = None
    bytes_remaining: int | None = None


def seen(at: float, state: str, sent: int | None = None, left: int | None = None) -> Observation:
    return Observation(T0 + at, state, sent, left)


def test_phase_names() -> None:
    assert phase_name("Migration Starting") == "starting"
    assert phase_name("Migration In Progress") == "transfer"
    assert phase_name("Migration Dispatched") == "dispatch"
    assert phase_name("Not Migrating") is None
    assert phase_name("") is None
    assert phase_name("Migration Suspending (new)") == "migration_suspending_new"


def test_phases_follow_state_changes_from_start_to_end() -> None:
    observed = [
        seen(0, "Not Migrating"),
        seen(10, "Migration Starting"),
        seen(20, "Migration Starting"),
        seen(70, "Migration In Progress"),
        seen(80, "Migration In Progress"),
        seen(200, "Migration Complete"),
    ]
    assert phases(observed, T0 + 5, T0 + 230, origin=T0 - 100) == [
        {"name": "starting", "start": 105.0, "end": 170.0},
        {"name": "transfer", "start": 170.0, "end": 300.0},
        {"name": "completing", "start": 300.0, "end": 330.0},
    ]


def test_first_phase_observed_late_still_starts_with_starting() -> None:
    observed = [seen(40, "Migration In Progress")]
    assert phases(observed, T0, T0 + 100, origin=T0) == [
        {"name": "starting", "start": 0.0, "end": 40.0},
        {"name": "transfer", "start": 40.0, "end": 100.0},
    ]


def test_observations_outside_the_migration_are_ignored() -> None:
    observed = [seen(-20, "Migration In Progress"), seen(150, "Migration Failed")]
    assert phases(observed, T0, T0 + 100, origin=T0) == [{"name": "starting", "start": 0.0, "end": 100.0}]


def test_no_phases_for_a_migration_that_never_ran() -> None:
    assert phases([seen(1, "Migration Starting")], T0 + 10, T0 + 10, origin=T0) == []


def test_samples_keep_byte_counts_seen_while_running() -> None:
    observed = [seen(0, "Migration Starting"), seen(10, "Migration In Progress", 100, 900), seen(20, "Migration In Progress", 600, 400), seen(99, "", 1000, 0)]
    assert samples(observed, T0 + 5, T0 + 30, origin=T0) == [
        {"t": 10.0, "bytes_transmitted": 100, "bytes_remaining": 900},
        {"t": 20.0, "bytes_transmitted": 600, "bytes_remaining": 400},
    ]


def test_recorder_notes_each_round_with_its_clock() -> None:
    times = iter([T0 + 10, T0 + 20, T0 + 30])
    recorder = ProgressRecorder(clock=lambda: next(times))
    recorder([Entry("a", "Migration Starting"), Entry("b", "Migration Starting")])
    recorder([Entry("a", "Migration In Progress", 10, 90)])
    recorder([Entry("a", "Migration In Progress", 80, 20), Entry("b", "Migration Failed")])
    assert recorder.observations("a") == [
        Observation(T0 + 10, "Migration Starting", None, None),
        Observation(T0 + 20, "Migration In Progress", 10, 90),
        Observation(T0 + 30, "Migration In Progress", 80, 20),
    ]
    assert [o.state for o in recorder.observations("b")] == ["Migration Starting", "Migration Failed"]
    assert recorder.observations("c") == []


def test_engine_result_with_observations_gets_phases_and_samples() -> None:
    result = {"name": "a", "target": "T", "status": "migrated", "started": T0 + 5, "ended": T0 + 60, "bytes_transmitted": 100}
    observed = [seen(10, "Migration Starting"), seen(20, "Migration In Progress", 50, 50), seen(40, "Migration In Progress", 100, 0)]
    entry = migration_from_result(result, origin=T0, observations=observed)
    assert entry["phases"] == [{"name": "starting", "start": 5.0, "end": 20.0}, {"name": "transfer", "start": 20.0, "end": 60.0}]
    assert [s["t"] for s in entry["samples"]] == [20.0, 40.0]
    assert entry["state"] == "moved" and entry["duration"] == 55.0
