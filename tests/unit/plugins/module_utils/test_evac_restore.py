# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The return home checks each partition's original VIOS slots against its home VIOS before anything is sent."""

from __future__ import annotations

import json
import pathlib
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _evac_journal as journal_io
from ansible_collections.powervm.lpm.plugins.module_utils._evac_params import ARGSPEC, options_of
from ansible_collections.powervm.lpm.plugins.module_utils._evac_restore import check_slots
from ansible_collections.powervm.lpm.plugins.module_utils._evac_run import Paths, preview, run
from ansible_collections.powervm.lpm.plugins.module_utils._evac_types import Entry, Overrides
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._plan_build import evacuation_plan
from ansible_collections.powervm.lpm.plugins.module_utils._plan_params import physics_from, policy_from
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.evac_fake import FakeEvacHmc
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.plan_estate_builder import Estate, simple


def estate_away() -> dict[str, Any]:
    """Home "src" (src-vio1 serves slot 30 to a partition that stayed) with "a", "b" and "c" away on "t1"."""
    estate = simple(targets=1, lpars=())
    estate.lpar("src", "stayed", 20)
    estate.part("src", "src-vio1")["virtual_scsi"].append(
        {"slot": 30, "adapter_type": "server", "remote_lpar_id": 20, "remote_lpar_name": "stayed", "remote_slot": 4, "is_required": False})
    for k, name in enumerate("abc"):
        estate.lpar("t1", name, 10 + k)
    return estate.build()


def over(*mappings: tuple[int, str, int | None]) -> Overrides:
    return Overrides.from_dict({"virtual_scsi_mappings": [{"client_slot": c, "dest_vios": v, "dest_vios_slot": s} for c, v, s in mappings]})


def entry(lpar: str) -> Entry:
    return Entry(lpar, "t1", "src")


def test_a_slot_not_below_the_maximum_or_in_use_is_found_with_its_code_and_a_hint():
    estate = estate_away()
    hmc = FakeEvacHmc(estate)
    hmc.max_slots["src-vio2"] = 100
    overrides = {"a": over((4, "src-vio1", 65), (5, "src-vio2", 65)), "b": over((4, "src-vio1", 30)), "c": over((4, "src-vio1", 40))}
    warnings: list[str] = []
    found = check_slots(hmc, [entry("a"), entry("b"), entry("c")], overrides, estate, warnings)
    assert sorted(found) == ["a", "b"] and warnings == []
    (beyond,) = found["a"]  # slot 65 is free on src-vio2 (100 slots) but not on src-vio1 (64)
    assert (beyond.code, beyond.vios, beyond.slot, beyond.system) == ("HSCLA25C", "src-vio1", 65, "src")
    assert "not below the VIOS's max_virtual_slots (64)" in beyond.message
    assert 'chsyscfg -r prof -m src -i "name=default,lpar_name=src-vio1,max_virtual_slots=100"' in beyond.hint
    assert beyond.detail.startswith("HSCLA25C: virtual slot 65 of VIOS src-vio1 on src") and "Hint: Raise max_virtual_slots" in beyond.detail
    (taken,) = found["b"]
    assert taken.code == "HSCLA25C" and taken.slot == 30 and "is in use by another adapter" in taken.message and "Free slot 30" in taken.hint
    listing = [c for c in hmc.calls if c[0] == "lshwres"]
    assert listing == [["lshwres", "-r", "virtualio", "--rsubtype", "slot", "-m", "src", "--level", "lpar",
                        "--filter", '"lpar_names=src-vio1,src-vio2"', "-F", "lpar_name,curr_max_virtual_slots"]]  # fmt: skip


def test_the_slots_of_a_partition_that_passes_are_taken_for_the_next_and_free_slots_are_counted():
    estate = estate_away()
    vio1 = estate["systems"]["src"]["partitions"]["src-vio1"]
    vio1["virtual_scsi"], vio1["virtual_eth"][0]["slot"] = [], 5
    vio1["virtual_serial"] = [{"slot": s, "adapter_type": "server", "remote_lpar_id": None, "remote_lpar_name": None, "remote_slot": None,
                               "is_required": True} for s in (0, 1)]  # fmt: skip
    hmc = FakeEvacHmc(estate)
    hmc.max_slots["src-vio1"] = 6  # slots 0, 1 (serial) and 5 (eth) in use: 3 free
    overrides = {"a": over((4, "src-vio1", 2)), "b": over((4, "src-vio1", 2)), "c": over(*[(k, "src-vio1", None) for k in (4, 5, 6)])}
    found = check_slots(hmc, [entry("a"), entry("b"), entry("c")], overrides, estate, [])
    assert "a" not in found
    assert [(f.code, f.slot) for f in found["b"]] == [("HSCLA25C", 2)]  # a has it now
    assert [(f.code, f.message) for f in found["c"]] == [("HSCLA252", "VIOS src-vio1 on src has 2 free virtual slots, c needs 3")]
    assert "max_virtual_slots=100" in found["c"][0].hint


def test_without_the_maximum_only_the_slots_in_use_are_checked():
    estate = estate_away()

    class Refusing(FakeEvacHmc):
        def _answer(self, argv: list[str]) -> tuple[int, str]:
            if argv[0] == "lshwres":
                return 1, "HSCL350B The user does not have the appropriate authority.\n"
            return super()._answer(argv)

    warnings: list[str] = []
    found = check_slots(Refusing(estate), [entry("a"), entry("b")], {"a": over((4, "src-vio1", 99)), "b": over((4, "src-vio1", 30))}, estate, warnings)
    assert sorted(found) == ["b"]
    assert len(warnings) == 1 and warnings[0].startswith("the maximum virtual slots of the VIOS of src could not be read (")


def manifest(tmp_path: pathlib.Path) -> pathlib.Path:
    def part(pid: int, slot: int) -> dict[str, Any]:
        return {"lpar_id": pid, "source_system": "src", "state": "Running", "shared_proc_pool": "DefaultPool",
                "virtual_scsi": [{"slot": 4, "vios": "src-vio1", "vios_id": 1, "vios_slot": slot}], "virtual_fc": [],
                "msps": {"source": None, "dest": None}, "target_system": "t1", "moved": True}  # fmt: skip

    path = tmp_path / "src.manifest.json"
    data = {"format": 1, "name": "src", "source_system": "src", "created": "2026-01-01T00:00:00+00:00",
            "partitions": {"a": part(10, 65), "b": part(11, 40), "c": part(12, 41)}}  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def restore_options(tmp_path: pathlib.Path, plan: dict[str, Any], state: str) -> Any:
    values = {k: v.get("default") for k, v in ARGSPEC.items()}
    values.update(plan=plan, source_system="t1", target_systems=["src"], state_dir=str(tmp_path / state), poll_interval=0.05,
                  clock_scale=1000.0, manifest_path=str(manifest(tmp_path)), restore_from_manifest=True, name="return-src-from-t1")  # fmt: skip
    return options_of(values)


def test_the_return_home_leaves_a_partition_whose_slot_it_cannot_have_and_moves_the_others(tmp_path):
    estate = estate_away()
    plan = evacuation_plan(estate, "t1", ["src"], policy_from({"exclude": ["stayed"]}), physics_from({})).as_dict()
    assert sorted(m["lpar"] for m in plan["plan"]) == ["a", "b", "c"]
    hmc = FakeEvacHmc(estate)

    checked = preview(hmc, restore_options(tmp_path, plan, "check"), plan, estate)  # check mode: the same finding, nothing sent
    expected = {"a": ("left", "vios_slot"), "b": ("would_migrate", ""), "c": ("would_migrate", "")}
    assert {x["lpar"]: (x["state"], x["reason"]) for x in checked.lpars} == expected
    assert hmc.sent() == [] and checked.failed_lpars == ["a"]
    assert [(x["lpar"], x["reason"]) for x in checked.record["left"] if x["reason"] != "unmovable"] == [("a", "vios_slot")]  # VIOS stay

    options = restore_options(tmp_path, plan, "state")
    outcome = run(hmc, options, plan, estate)
    assert sorted(hmc.sent()) == ["b", "c"]  # a is never sent: the HMC would refuse slot 65 of a VIOS with 64 (HSCLA25C)
    b_argv = next(c for c in hmc.migrlpar_calls() if c[c.index("-p") + 1] == "b")
    assert "virtual_scsi_mappings=4/src-vio1/1/40" in b_argv[b_argv.index("-i") + 1]
    a = next(x for x in outcome.lpars if x["lpar"] == "a")
    assert a["state"] == "left" and a["reason"] == "vios_slot" and a["note"].startswith("HSCLA25C: virtual slot 65 of VIOS src-vio1")
    assert "Hint: Raise max_virtual_slots of src-vio1 above 65" in a["note"]
    assert outcome.failed_lpars == ["a"]
    left = {x["lpar"]: x for x in outcome.record["left"]}
    assert left["a"]["reason"] == "vios_slot" and "HSCLA25C" in left["a"]["detail"]
    (event,) = [d for e, d in journal_io.read_events(Paths.of(options).journal) if e == "left"]
    assert [(f["code"], f["vios"], f["slot"]) for f in event["findings"]] == [("HSCLA25C", "src-vio1", 65)]

    hmc.max_slots["src-vio1"] = 100  # the VIOS gets room: a rerun decides again and moves it
    again = run(hmc, options, {"plan": []}, estate)
    assert hmc.sent().count("a") == 1 and {x["lpar"]: x["state"] for x in again.lpars}["a"] == "moved"


def test_nothing_is_checked_outside_the_return_home(tmp_path):
    estate = Estate().system("src").build()
    assert check_slots(FakeEvacHmc(estate), [entry("a")], {}, estate, []) == {}
    assert "HSCLA25C" in HINTS and "HSCLA252" in HINTS
