# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The event-driven simulation: phases, shared links, caps, predictive starts."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import Physics, predict
from ansible_collections.powervm.lpm.plugins.module_utils._plan_sim import Dispatch, Job, Limits, simulate
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import Msp

PHYSICS = Physics()
SRC = (Msp("src", "v1", 1, 10.0, 1100.0, 1000.0, 8), Msp("src", "v2", 2, 10.0, 1100.0, 1000.0, 8))
DST = {"t1": (Msp("t1", "w1", 1, 10.0, 1100.0, 1000.0, 8), Msp("t1", "w2", 2, 10.0, 1100.0, 1000.0, 8))}


def limits(**kw: int | None) -> Limits:
    base = {"source_active": 8, "source_inactive": 4}
    return Limits(SRC, DST, base["source_active"], base["source_inactive"], {"t1": 8}, {"t1": 4}, kw.get("max_concurrent"), kw.get("pair_cap"))


def job(name: str, touched: float, dirty: float = 0.0, wws: float = 1000.0, kind: str = "active", groups: tuple[int, ...] = ()) -> Job:
    return Job(name, kind, "t1", touched, dirty, wws, groups)


def test_one_migration_alone_takes_what_the_model_predicts():
    result = simulate([job("a", 40_000.0, 120.0, 800.0)], limits(), Dispatch((0,)), PHYSICS)
    expected = predict(40_000.0, 120.0, 800.0, 1000.0, PHYSICS)
    out = result.outcomes[0]
    assert out is not None
    assert out.end == pytest.approx(expected.total, rel=1e-9)
    assert out.sent_mb == pytest.approx(expected.v_total, rel=1e-9)
    assert out.rounds == expected.rounds
    assert out.source_msp == "v1" and out.dest_msp == "w1"


def test_two_on_one_pair_share_the_link():
    result = simulate([job("a", 11_000.0), job("b", 11_000.0)], limits(pair_cap=None), Dispatch((0, 1), msp_choice="first"), PHYSICS)
    a, b = result.outcomes
    assert a is not None and b is not None
    assert (a.source_msp, b.source_msp) == ("v1", "v1")
    # 60 s fixed, 11000 MB at 550 MB/s each, an empty second round, 1 s suspend, 30 s clean-up.
    assert a.end == pytest.approx(60.0 + 20.0 + 1.0 + 30.0)
    assert b.end == pytest.approx(a.end)


def test_balanced_choice_uses_both_links():
    result = simulate([job("a", 11_000.0), job("b", 11_000.0)], limits(), Dispatch((0, 1)), PHYSICS)
    a, b = result.outcomes
    assert a is not None and b is not None
    assert {a.source_msp, b.source_msp} == {"v1", "v2"}
    assert a.end == pytest.approx(60.0 + 11.0 + 1.0 + 30.0)  # each alone on its link at its 1000 MB/s stream


def test_inactive_migration_is_fixed_time_and_uses_no_msp():
    result = simulate([job("i", 0.0, kind="inactive")], limits(), Dispatch((0,)), PHYSICS)
    out = result.outcomes[0]
    assert out is not None and out.end == pytest.approx(95.0) and out.source_msp is None


def test_global_cap_serialises_and_names_the_predecessor():
    jobs = [job("a", 5000.0), job("b", 5000.0)]
    result = simulate(jobs, limits(max_concurrent=1), Dispatch((0, 1)), PHYSICS)
    a, b = result.outcomes
    assert a is not None and b is not None
    assert b.start == pytest.approx(a.end)
    assert b.after == (("a", "end"),)
    assert result.makespan == pytest.approx(b.end)


def test_disruption_group_members_wait_for_each_other():
    jobs = [job("a", 5000.0, groups=(0,)), job("b", 5000.0, groups=(0,)), job("c", 5000.0)]
    result = simulate(jobs, limits(), Dispatch((0, 1, 2)), PHYSICS)
    a, b, c = result.outcomes
    assert a is not None and b is not None and c is not None
    assert c.start == 0.0
    assert b.start >= a.end


def test_lead_starts_the_third_so_its_copy_follows_the_first():
    # Two streams fill a 10 GbE link; the third waits until, 60 s later, one of them will have finished copying.
    jobs = [job("a", 55_000.0), job("b", 110_000.0), job("c", 55_000.0)]
    one_link = Limits(SRC[:1], DST, 8, 4, {"t1": 8}, {"t1": 4})
    result = simulate(jobs, one_link, Dispatch((0, 1, 2), lead=True), PHYSICS)
    a, b, c = result.outcomes
    assert a is not None and b is not None and c is not None
    assert a.start == b.start == 0.0
    assert c.after == ()  # started at a time, not by an event
    assert a.suspend is not None
    assert c.start == pytest.approx(a.suspend - PHYSICS.pre_copy_fixed_s, abs=1.0)
    plain = simulate(jobs, one_link, Dispatch((0, 1, 2), link_limit=2), PHYSICS)
    assert result.makespan < plain.makespan


def test_order_decides_who_starts_first():
    jobs = [job("a", 5000.0), job("b", 5000.0), job("c", 5000.0)]
    result = simulate(jobs, limits(max_concurrent=1), Dispatch((2, 0, 1)), PHYSICS)
    starts = {j.name: o.start for j, o in zip(jobs, result.outcomes) if o is not None}
    assert starts["c"] == 0.0 < starts["a"] < starts["b"]
    assert [o.order for o in result.outcomes if o is not None] == [1, 2, 0]


def one_link(source_active: int = 8) -> Limits:
    return Limits(SRC[:1], DST, source_active, 4, {"t1": 8}, {"t1": 4})


def test_fill_gives_a_slot_the_timing_leaves_idle_to_a_short_copy():
    # a and b fill the link's two streams; c (55 s of copy) and d (1 s) would wait for a stream.
    jobs = [job("a", 55_000.0), job("b", 110_000.0), job("c", 55_000.0), job("d", 1_000.0)]
    timed = simulate(jobs, one_link(), Dispatch((0, 1, 2, 3), lead=True), PHYSICS)
    filled = simulate(jobs, one_link(), Dispatch((0, 1, 2, 3), lead=True, fill=10.0), PHYSICS)
    t_c, t_d = timed.outcomes[2], timed.outcomes[3]
    f_c, f_d = filled.outcomes[2], filled.outcomes[3]
    assert t_c is not None and t_d is not None and f_c is not None and f_d is not None
    assert t_d.start > 0.0  # without fill the short copy waits like the long one
    assert f_d.start == 0.0 and f_d.after == ()  # with fill it takes an idle slot at once
    assert f_c.start == pytest.approx(t_c.start, abs=1.0)  # the 55 s copy still waits for its stream
    assert filled.makespan <= timed.makespan


def test_fill_leaves_the_reserved_slots_free():
    jobs = [job("a", 55_000.0), job("b", 110_000.0), job("d", 1_000.0)]
    # Three source slots, two taken by a and b, one kept free: d waits for its stream as without fill.
    kept = simulate(jobs, one_link(source_active=3), Dispatch((0, 1, 2), lead=True, fill=10.0, fill_reserve=1), PHYSICS)
    used = simulate(jobs, one_link(source_active=3), Dispatch((0, 1, 2), lead=True, fill=10.0), PHYSICS)
    kept_d, used_d = kept.outcomes[2], used.outcomes[2]
    assert kept_d is not None and used_d is not None
    assert kept_d.start > 0.0
    assert used_d.start == 0.0


def test_protect_keeps_the_source_link_of_the_longest_migration_to_itself():
    # "first" MSP choice would put every migration on v1 with the long one; protected, they go to v2.
    jobs = [job("long", 200_000.0), job("x", 20_000.0), job("y", 20_000.0), job("z", 20_000.0)]
    shared = simulate(jobs, limits(), Dispatch((0, 1, 2, 3), msp_choice="first"), PHYSICS)
    kept = simulate(jobs, limits(), Dispatch((0, 1, 2, 3), msp_choice="first", protect=frozenset({0})), PHYSICS)
    assert {o.source_msp for o in shared.outcomes if o is not None} == {"v1"}
    assert [o.source_msp for o in kept.outcomes if o is not None] == ["v1", "v2", "v2", "v2"]
    alone = predict(200_000.0, 0.0, 1000.0, 1000.0, PHYSICS).total
    long_kept, long_shared = kept.outcomes[0], shared.outcomes[0]
    assert long_kept is not None and long_shared is not None
    assert long_kept.end == pytest.approx(alone)  # at its own stream rate, never shared
    assert long_shared.end > alone + 10.0
