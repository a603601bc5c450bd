# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Each hard constraint broken in a small estate: the partition goes elsewhere or stays, with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import Estate, simple

P8_MODES = ("default", "POWER6", "POWER6_Plus", "POWER7", "POWER8")


def run(estate: Estate, targets: list[str] | None = None, **policy: Any) -> dict[str, Any]:
    return evacuation_plan(estate.build(), "src", targets, policy_from(policy), physics_from({})).as_dict()


def target_of(result: dict[str, Any]) -> dict[str, str]:
    return {m["lpar"]: m["target_system"] for m in result["plan"]}


def unmovable(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["lpar"]: u for u in result["unmovable"]}


def one(avail: tuple[int, int] = (200_000, 200_000), **lpar: Any) -> Estate:
    """Source with one partition "p" (plus two MSPs), targets t1 and t2 with the given free memory."""
    estate = Estate().system("src").vios("src", "src-vio1", 1).vios("src", "src-vio2", 2)
    for n, mem in enumerate(avail, start=1):
        estate.system(f"t{n}", avail_mem_mb=mem).vios(f"t{n}", f"t{n}-vio1", 1).vios(f"t{n}", f"t{n}-vio2", 2)
    return estate.lpar("src", "p", 10, **lpar)


def test_memory_with_page_table_decides_the_target():
    # 64 GB with a 128 GB maximum needs 64 GB + 2 GB of page table: t1 has 1 MB too little.
    result = run(one((65536 + 2048 - 1, 70_000), mem_mb=65536))
    assert target_of(result) == {"p": "t2"}
    result = run(one((65536 + 2048 - 1, 65536), mem_mb=65536))
    assert unmovable(result)["p"]["reason"] == "memory"
    assert unmovable(result)["p"]["by_target"] == {"t1": "memory", "t2": "memory"}


def test_processing_units():
    estate = one(units=4.0)
    estate.sys("t1")["available_proc_units"] = 3.5
    assert target_of(run(estate)) == {"p": "t2"}
    estate.sys("t2")["available_proc_units"] = 1.0
    assert unmovable(run(estate))["p"]["reason"] == "processors"


def test_capacity_is_shared_by_the_partitions_placed():
    estate = simple(2, [("a", 60_000), ("b", 60_000)])
    for t in ("t1", "t2"):
        estate.sys(t)["available_mem_mb"] = 70_000
    assert sorted(target_of(run(estate)).values()) == ["t1", "t2"]


def test_active_needs_the_current_compat_mode_inactive_the_preferred_one():
    estate = one(compat="POWER8")
    estate.sys("src")["compat_modes"] = list(P8_MODES)
    estate.sys("t2")["compat_modes"] = list(P8_MODES)
    assert target_of(run(estate)) == {"p": "t2"}
    estate.sys("t2")["compat_modes"] = ["default", "POWER7"]
    result = run(estate)
    assert unmovable(result)["p"]["reason"] == "compat_mode_unsupported"
    inactive = one(state="Not Activated", compat="POWER8")
    inactive.part("src", "p")["compat_current"] = "POWER7"  # not used for an inactive migration
    inactive.sys("t1")["compat_modes"] = list(P8_MODES)
    assert target_of(run(inactive)) == {"p": "t1"}


def test_logical_memory_block_size():
    estate = one()
    estate.sys("t1")["lmb_mb"] = 128
    assert target_of(run(estate)) == {"p": "t2"}
    estate.sys("t2")["lmb_mb"] = 128
    assert unmovable(run(estate))["p"]["reason"] == "lmb_mismatch"


def test_vlan_must_be_bridged_on_the_target():
    estate = one(vlans=(10, 40))
    for vios in ("t2-vio1", "t2-vio2"):
        part = estate.part("t2", vios)
        part["virtual_eth"][0]["addl_vlan_ids"].append(40)
        facts = part["vios"]
        assert facts is not None
        facts["seas"][0]["vlans"].append(40)
    assert target_of(run(estate)) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "vlan_not_bridged"


def vscsi_estate(target_luns: dict[str, str | None]) -> Estate:
    estate = one()
    estate.lun("src", "src-vio1", "hdisk4", "LUN-A").vscsi("src", "p", "src-vio1", 21, "hdisk4")
    for system, lun in target_luns.items():
        estate.lun(system, f"{system}-vio1", "hdisk2", lun)
    return estate


def test_vscsi_luns_seen_by_a_target_vios():
    result = run(vscsi_estate({"t1": "LUN-B", "t2": "LUN-A"}))
    assert target_of(result) == {"p": "t2"}
    assert not [d for d in result["decisions"] if d["decision"] == "note"]
    result = run(vscsi_estate({"t1": "LUN-B", "t2": "LUN-C"}))
    assert unmovable(result)["p"]["reason"] == "vscsi_luns_not_seen"


def test_unread_disk_identity_is_unverified_not_missing():
    estate = vscsi_estate({"t1": None, "t2": "LUN-C"})
    result = run(estate)
    assert target_of(result) == {"p": "t1"}
    notes = [d for d in result["decisions"] if d["decision"] == "note"]
    assert [n["reason"] for n in notes] == ["storage_unverified"]
    blocked = run(estate, unverified_storage="block")
    assert unmovable(blocked)["p"]["by_target"] == {"t1": "storage_unverified", "t2": "vscsi_luns_not_seen"}


def test_source_disk_reserve_policy_and_backing_kind():
    estate = one()
    estate.lun("src", "src-vio1", "hdisk4", "LUN-A", reserve="single_path").vscsi("src", "p", "src-vio1", 21, "hdisk4")
    assert unmovable(run(estate))["p"]["reason"] == "vscsi_reserve_policy"
    lv = one()
    lv.vscsi("src", "p", "src-vio1", 21, "rootvg_p", kind="lv")
    assert unmovable(run(lv))["p"]["reason"] == "vscsi_backing_not_san"


def test_redundant_vios_need_two_hosting_vios():
    estate = one()
    for vios, slot in (("src-vio1", 21), ("src-vio2", 31)):
        estate.lun("src", vios, "hdisk4", "LUN-A").vscsi("src", "p", vios, slot, "hdisk4")
    estate.lun("t1", "t1-vio1", "hdisk2", "LUN-A").lun("t1", "t1-vio2", "hdisk2", "LUN-Z")
    estate.lun("t2", "t2-vio1", "hdisk2", "LUN-A").lun("t2", "t2-vio2", "hdisk3", "LUN-A")
    assert target_of(run(estate)) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "redundant_vios_unavailable"


def test_npiv_needs_a_port_on_the_fabric_of_the_source_port():
    estate = one().npiv("src", "p", "src-vio1", 41, "fcs0")
    fabrics = {"src/src-vio1/fcs0": "FAB_A", "t1/t1-vio1/fcs0": "FAB_B", "t1/t1-vio1/fcs1": "FAB_B", "t1/t1-vio2/fcs0": "FAB_B",
               "t1/t1-vio2/fcs1": "FAB_B", "t2/t2-vio1/fcs0": "FAB_B", "t2/t2-vio1/fcs1": "FAB_A"}  # fmt: skip
    result = run(estate, fc_fabrics=fabrics)
    assert target_of(result) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"], fc_fabrics=fabrics))["p"]["reason"] == "npiv_fabric_unreachable"
    for t in ("t1", "t2"):
        for v in (f"{t}-vio1", f"{t}-vio2"):
            facts = estate.part(t, v)["vios"]
            assert facts is not None
            for port in facts["fc_ports"].values():
                port["npiv_capable"] = False
    assert unmovable(run(estate))["p"]["reason"] == "npiv_fabric_unreachable"


def test_name_uuid_and_mac_must_be_free_on_the_target():
    estate = one()
    estate.lpar("t1", "p", 30)
    assert target_of(run(estate)) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "name_in_use"
    estate = one()
    estate.part("src", "p")["uuid"] = "ABC"
    estate.lpar("t1", "other", 30)
    estate.part("t1", "other")["uuid"] = "abc"
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "uuid_in_use"


def test_shared_pool_must_exist_on_the_target():
    estate = one()
    estate.part("src", "p")["processors"]["pool_name"] = "DB_POOL"
    estate.sys("t2")["shared_proc_pools"].append({"id": 1, "name": "DB_POOL", "max_proc_units": 4.0, "reserved_proc_units": 0.0, "lpar_names": []})
    assert target_of(run(estate)) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "shared_pool_missing"


def test_target_without_mover_service_partition():
    estate = one()
    for v in ("t1-vio1", "t1-vio2"):
        estate.part("t1", v)["msp"] = False
    assert target_of(run(estate)) == {"p": "t2"}
    assert unmovable(run(estate, ["t1"]))["p"]["reason"] == "no_msp_target"
    inactive = one(state="Not Activated")
    for v in ("t1-vio1", "t1-vio2", "t2-vio1", "t2-vio2"):
        inactive.part(v[:2], v)["msp"] = False
    assert set(target_of(run(inactive))) == {"p"}  # an inactive migration needs no MSP


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p.update(migration_disabled=True), "migration_disabled"),
        (lambda p: p.update(io_slots=[{"drc_index": "21010207", "drc_name": None, "description": None}]), "physical_io"),
        (lambda p: p.update(state="Error"), "invalid_state"),
        (lambda p: p.update(state="Migrating - Running"), "already_migrating"),
        (lambda p: p.update(rmc_state="inactive"), "rmc_inactive"),
        (lambda p: p.update(work_group_id="7"), "workload_group"),
        (lambda p: p["memory"].update(huge_pages=2), "huge_pages"),
    ],
)
def test_partitions_that_cannot_move_anywhere(change, reason):
    estate = one()
    change(estate.part("src", "p"))
    result = run(estate)
    assert result["plan"] == []
    assert unmovable(result)["p"]["reason"] == reason


def test_vios_and_never_activated_partitions_stay():
    estate = one(state="Not Activated")
    estate.part("src", "p")["resource_config"] = 0  # an estate gathered before never_activated existed
    result = run(estate)
    reasons = {k: v["reason"] for k, v in unmovable(result).items()}
    assert reasons == {"p": "never_activated", "src-vio1": "vios", "src-vio2": "vios"}


@pytest.mark.parametrize(("facts", "stays"), [
    ({"resource_config": 0, "never_activated": True}, True),
    ({"resource_config": 1, "never_activated": False}, False),
    ({"resource_config": None, "never_activated": None}, False),   # unknown: the HMC's validation will tell
])
def test_the_never_activated_fact_decides(facts, stays):
    estate = one(state="Not Activated")
    estate.part("src", "p").update(facts)
    result = run(estate)
    assert (unmovable(result).get("p", {}).get("reason") == "never_activated") is stays
    assert ([e["lpar"] for e in result["plan"]] == ["p"]) is not stays


def test_policy_exclusion_pinning_and_inactive_partitions():
    estate = simple(2, [("a", 8192), ("b", 8192)])
    estate.lpar("src", "c", 20, state="Not Activated")
    result = run(estate, exclude=["a"], pin={"b": "t2"}, inactive="stay")
    assert target_of(result) == {"b": "t2"}
    assert unmovable(result)["a"]["reason"] == "excluded"
    assert unmovable(result)["c"]["reason"] == "inactive_stays"
    decision = next(d for d in result["decisions"] if d["lpar"] == "b" and d["decision"] == "target")
    assert decision["reason"] == "pinned"
    moved = run(estate, inactive="move")
    assert next(m for m in moved["plan"] if m["lpar"] == "c")["kind"] == "inactive"
    assert unmovable(run(estate, pin={"b": "t9"}))["b"]["reason"] == "pinned_target_not_allowed"
    estate.sys("t2")["lmb_mb"] = 128
    assert unmovable(run(estate, pin={"b": "t2"}))["b"]["reason"] == "pinned_target_infeasible"


def test_source_without_msp_or_slots():
    estate = simple(2, [("a", 8192)])
    for v in ("src-vio1", "src-vio2"):
        estate.part("src", v)["msp"] = False
    assert unmovable(run(estate))["a"]["reason"] == "no_msp_source"
    busy = simple(2, [("a", 8192)])
    busy.sys("src")["migration"]["active_in_progress"] = 8
    assert unmovable(run(busy))["a"]["reason"] == "no_migration_slot"


def test_bad_input_is_refused():
    from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import PlanInputError

    estate = simple(2, [("a", 8192)]).build()
    with pytest.raises(PlanInputError, match="not in the estate"):
        evacuation_plan(estate, "nope", None, policy_from({}), physics_from({}))
    with pytest.raises(PlanInputError, match="cannot be a target"):
        evacuation_plan(estate, "src", ["src"], policy_from({}), physics_from({}))
    with pytest.raises(PlanInputError, match="unknown policy keys"):
        policy_from({"exclud": ["a"]})
    with pytest.raises(PlanInputError, match="touched_fraction"):
        physics_from({"touched_fraction": 1.5})
