# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Timeline geometry (time scale, ticks, line labels) and number formatting of the reports."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _report_format as fmt
from ansible_collections.powervm.lpm.plugins.module_utils._report_gantt import CHAR_W, LEFT, PLOT, Scale, _label_levels, scale_for, shorten, vertical_lines
from ansible_collections.powervm.lpm.plugins.module_utils._report_record import normalise_record
from ansible_collections.powervm.lpm.plugins.module_utils._report_summary import rows, summarise, throughput_mibs
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.report_sample import sample_record


@pytest.mark.parametrize(
    "t1, step, first_ticks",
    [
        (600 * 1.03, 1, [0, 60, 120]),
        (7200, 10, [0, 600, 1200]),
        (90, 0.5, [0, 30, 60]),
        (6 * 3600, 30, [0, 1800, 3600]),
    ],
)
def test_ticks_are_round_minutes_and_at_most_thirteen(t1: float, step: float, first_ticks: list[float]) -> None:
    scale = Scale(0.0, t1)
    assert scale.step_minutes == step
    ticks = scale.ticks()
    assert ticks[:3] == first_ticks
    assert len(ticks) <= 13 and ticks[-1] <= t1


def test_scale_maps_the_time_range_onto_the_plot() -> None:
    scale = Scale(0.0, 1000.0)
    assert scale.x(0.0) == LEFT and scale.x(1000.0) == LEFT + PLOT and scale.x(500.0) == LEFT + PLOT / 2


def test_lines_anchor_the_lower_bound_at_the_first_start() -> None:
    summary = summarise(normalise_record(sample_record()))
    lines = {kind: (t, label) for kind, t, label in vertical_lines(summary)}
    assert lines["lb"] == (12.0 + 410.0, "LB 6m 50s")
    assert lines["eta"] == (560.0, "ETA 9m 20s")
    assert lines["end"][1] == "done 9m 32s" and lines["end"][0] == pytest.approx(584.204, abs=1e-3)


def test_scale_covers_every_bar_and_line() -> None:
    record = normalise_record(sample_record())
    summary = summarise(record)
    scale = scale_for(rows(record), vertical_lines(summary))
    assert scale.t0 == 0.0 and scale.t1 == pytest.approx(584.204 * 1.03, abs=1e-3)


def test_close_line_labels_go_to_different_levels() -> None:
    scale = Scale(0.0, 1000.0)
    lines = [("lb", 500.0, "LB 8m 20s"), ("eta", 505.0, "ETA 8m 25s"), ("end", 900.0, "done 15m 00s")]
    levels = _label_levels(lines, scale)
    assert levels[0] != levels[1] and levels[2] == 0
    far = [("lb", 100.0, "LB 1m 40s"), ("eta", 500.0, "ETA 8m 20s")]
    assert _label_levels(far, scale) == [0, 0]
    assert CHAR_W * len("ETA 8m 25s") > scale.x(505.0) - scale.x(500.0)  # they would overlap on one level


def test_shorten() -> None:
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abcde…"


@pytest.mark.parametrize("seconds, text", [(None, "–"), (0, "0s"), (45.4, "45s"), (59.6, "1m 00s"), (725, "12m 05s"), (7380, "2h 03m"), (-90, "-1m 30s")])
def test_duration(seconds: float | None, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_clock_ratio_number_msps() -> None:
    assert fmt.clock(3725) == "+1:02:05" and fmt.clock(-5) == "-0:00:05" and fmt.clock(None) == "–"
    assert fmt.ratio(1.3956) == "1.40×" and fmt.ratio(None) == "–"
    assert fmt.number(1234.56) == "1,234.6" and fmt.number(899.6, 0) == "900"
    assert fmt.msps("a", "") == "a → ?" and fmt.msps("", "") == "–"


def test_throughput_uses_the_transfer_phase_else_the_duration() -> None:
    entry = normalise_record(sample_record())["migrations"][0]
    assert throughput_mibs(entry) == pytest.approx(900.0, rel=1e-4)  # phase bounds are kept to the millisecond
    no_phases = {**entry, "phases": []}
    assert throughput_mibs(no_phases) == pytest.approx(96 * 1024 / entry["duration"])  # type: ignore[arg-type,operator]
    assert throughput_mibs({**entry, "bytes": None}) is None  # type: ignore[arg-type]
