# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Placement weighs each partition's own migration time to each target, not only the target's room."""

from __future__ import annotations

from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import plan, setting, solo_times
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import Estate

SLOW = "t1"  # behind 1 GbE MSP links, and the most free memory
FAST = "t2"  # behind 10 GbE


def _estate() -> Estate:
    """One source MSP (1,100 MB/s out) and 2.2 TB to move: the source needs about 1,400 s anyway. Behind
    two 1 GbE MSPs the slow target takes 200 MB/s in all, but one migration gets only 100 MB/s."""
    estate = Estate().system("src").vios("src", "src-vio1", 1).vios("src", "src-vio2", 2, msp=False)
    estate.system(SLOW, avail_mem_mb=3_000_000).vios(SLOW, "t1-vio1", 1, ops=4).vios(SLOW, "t1-vio2", 2, ops=4)
    estate.system(FAST, avail_mem_mb=2_500_000).vios(FAST, "t2-vio1", 1).vios(FAST, "t2-vio2", 2)
    estate.lpar("src", "big", 10, mem_mb=262144)  # 256 GB
    for k in range(10):
        estate.lpar("src", f"bulk{k}", 20 + k, mem_mb=196608)  # 192 GB each
    return estate


def _physics() -> dict[str, object]:
    return {"msp_links": {f"{SLOW}/t1-vio1": 1.0, f"{SLOW}/t1-vio2": 1.0}, "dirty_rate_mbs": 10.0}


def test_solo_times_are_per_target() -> None:
    s = setting(_estate().build(), "src", None, policy_from({}), physics_from(_physics()))
    solo = solo_times(s)
    # 256 GB x 0.7 touched at 100 MB/s behind 1 GbE, at 1,000 MB/s behind 10 GbE, plus the fixed phases
    assert solo[("big", SLOW)] > 1800.0
    assert solo[("big", FAST)] < 300.0
    assert solo[("big", SLOW)] > 5 * solo[("big", FAST)]


def test_a_large_partition_does_not_go_behind_a_slow_link_for_its_free_memory() -> None:
    result = plan(setting(_estate().build(), "src", None, policy_from({}), physics_from(_physics())))
    placed = {m["lpar"]: m["target_system"] for m in result.migrations}
    assert placed["big"] == FAST  # the slow target has the most free memory and stays under the source's 1,400 s in bytes
    assert result.eta_s < 1700.0  # big alone would take over 1,800 s behind 1 GbE
    assert result.ratio is not None and result.ratio < 1.2


def test_the_slow_target_still_takes_what_only_it_has_room_for() -> None:
    estate = _estate()
    estate.sys(FAST)["available_mem_mb"] = 150_000  # nothing fits behind 10 GbE any more
    result = plan(setting(estate.build(), "src", None, policy_from({}), physics_from(_physics())))
    placed = {m["lpar"]: m["target_system"] for m in result.migrations}
    assert [u.reason for u in result.unmovable] == ["vios", "vios"]
    assert set(placed.values()) == {SLOW}
    assert len(placed) == 11


def test_a_small_partition_goes_behind_the_fast_link_although_the_slow_one_would_stay_under_the_horizon():
    estate = _estate()
    estate.lpar("src", "tiny", 40, mem_mb=8192)  # 5.6 GB touched: under 3 min behind 1 GbE
    s = setting(estate.build(), "src", None, policy_from({}), physics_from(_physics()))
    solo = solo_times(s)
    assert solo[("tiny", SLOW)] < 200.0 < 1400.0  # the source needs about 1,400 s anyway
    result = plan(s)
    placed = {m["lpar"]: m["target_system"] for m in result.migrations}
    assert placed["tiny"] == FAST  # the slow target has the most free memory, but its migration there is slower
    assert set(placed.values()) == {FAST}  # the fast target has room for all and stays under the horizon
    reasons = {d["lpar"]: d["reason"] for d in result.as_dict()["decisions"] if d["decision"] == "target"}
    assert reasons["tiny"] == "most_free_capacity_after_placement"
