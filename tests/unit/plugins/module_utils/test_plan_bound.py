# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lower bound of §2.6 on its worked example, its other terms, and the seed lab plan."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan, plan, setting
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import Estate

# o_i = 20 + 30 + 10 + 1 + 29 = 90 s; everything touched, nothing re-dirtied: V_i = M_i.
WORKED_PHYSICS = {"t_cleanup_s": 29.0, "touched_fraction": 1.0, "dirty_rate_mbs": 0.0}


def worked_example() -> Estate:
    """§2.6: 10 GbE, 2 MSP pairs at 1.1 GB/s each, 20 partitions totalling 2 TB (2048 GB of 1000 MB), largest 512 GB."""
    estate = Estate().system("src", active=16).vios("src", "src-vio1", 1).vios("src", "src-vio2", 2)
    for t in ("t1", "t2"):
        estate.system(t, avail_mem_mb=4_000_000, avail_units=100.0, active=16).vios(t, f"{t}-vio1", 1).vios(t, f"{t}-vio2", 2)
    sizes = [512_000, 96_000] + [80_000] * 18
    for k, size in enumerate(sizes):
        estate.lpar("src", f"lp{k:02d}", 10 + k, mem_mb=size)
    assert sum(sizes) == 2_048_000
    return estate


def test_worked_example_is_bandwidth_bound():
    s = setting(worked_example().build(), "src", None, policy_from({}), physics_from(WORKED_PHYSICS))
    bound = plan(s).bound
    assert bound.src == pytest.approx(2_048_000 / 2200, abs=0.01)  # ≈ 931 s: source egress
    assert bound.src == pytest.approx(930.9, abs=0.1)
    # One migration uses one MSP pair here: b_i = min(stream 1000, link 1100) MB/s (§2.6 assumes 2.2 GB/s
    # over both pairs, which gives 90 + 512/2.2 = 323 s).
    assert bound.long == pytest.approx(90 + 512_000 / 1000)
    assert bound.slot == pytest.approx((20 * 90 + 2_048_000 / 1000) / 16)
    assert bound.dst_min == pytest.approx(2_048_000 / 4400)  # all bytes over both targets' ingress
    assert bound.value == pytest.approx(bound.src)
    assert bound.bottleneck()["term"] == "source_egress"
    assert bound.model_tight == pytest.approx(60 + bound.src + 29)


def test_serial_over_dual_msps_matches_the_worked_figure():
    from ansible_collections.powervm.lpm.plugins.module_utils._plan_baselines import baseline

    s = setting(worked_example().build(), "src", None, policy_from({}), physics_from(WORKED_PHYSICS))
    serial = baseline("serial", s)
    # One at a time at 1000 MB/s: sum(o_i + V_i / b) with an empty last round and no remainder.
    assert serial.eta_s == pytest.approx(20 * 90 + 2_048_000 / 1000, rel=1e-9)
    ours = plan(s)
    assert ours.eta_s < serial.eta_s / 2
    assert ours.eta_s / ours.bound.value < 1.15


def test_placement_bound_follows_the_chosen_targets():
    estate = worked_example()
    s = setting(estate.build(), "src", None, policy_from({"pin": {"lp00": "t1", "lp01": "t1"}}), physics_from(WORKED_PHYSICS))
    result = plan(s)
    on_t1 = sum(m["memory_mb"] for m in result.migrations if m["target_system"] == "t1")
    on_t2 = 2_048_000 - on_t1
    assert result.bound.dst == pytest.approx(max(on_t1, on_t2) / 2200)


def test_seed_lab_p750_to_p740():
    """The recorded seed lab estate (p750 -> p740) with the lab's workloads."""
    pytest.importorskip("paramiko")
    from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
    from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient, load_transcript

    estate = gather(ReplayClient(load_transcript("seed-lab")), GatherOptions(host="bpichmc", vios_disks="all")).estate
    workloads = {
        "b750nl2": (20, 2, 0.7), "b750db1": (150, 4, 0.9), "b750db2": (90, 3, 0.85), "b750app1": (40, 2, 0.7),
        "b750app2": (35, 2, 0.6), "b750web1": (5, 1, 0.5), "b750batch1": (250, 6, 0.95),
    }  # fmt: skip
    physics = {"workloads": {k: {"dirty_rate_mbs": d, "wws_pct": w, "touched_fraction": f} for k, (d, w, f) in workloads.items()}}
    result = evacuation_plan(estate, "p750-Server-8233-E8B-SN069348P", None, policy_from({}), physics_from(physics)).as_dict()
    assert {u["lpar"]: u["reason"] for u in result["unmovable"]} == {"b750nim": "physical_io", "b750vio1": "vios", "b750vio2": "vios"}
    assert len(result["plan"]) == 8
    assert {m["target_system"] for m in result["plan"]} == {"p740-Server-8205-E6B-SN10934CP"}
    assert next(m for m in result["plan"] if m["lpar"] == "b750test1")["kind"] == "inactive"
    assert result["bottleneck"]["term"] == "longest_migration" and result["bottleneck"]["lpar"] == "b750db1"
    assert result["lb"]["lb_seconds"] == pytest.approx(152.6, abs=0.1)
    assert result["eta_seconds"] == pytest.approx(155.5, abs=0.1)
    assert result["ratio"] <= 1.02
    # db1 gets a link of its own; the others share the second pair.
    db1 = next(m for m in result["plan"] if m["lpar"] == "b750db1")
    others = {m["source_msp"] for m in result["plan"] if m["kind"] == "active" and m["lpar"] not in ("b750db1", "b750web1")}
    assert others == {"b750vio2"} and db1["source_msp"] == "b750vio1"
