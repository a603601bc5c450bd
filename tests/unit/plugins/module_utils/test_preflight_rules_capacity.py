# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Target uniqueness, memory and processor rules: silent on the seed lab, firing on a copy broken for each."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import (
    P740,
    P750,
    Case,
    broken,
    check,
    check_batch,
    extras_of,
    healthy_facts,
    partition,
    set_in,
    verify,
)

pytest.importorskip("paramiko")


def clash_name(facts: Facts) -> None:
    facts.systems[P740]["partitions"]["b750nl2"] = dict(partition(facts, P740, "b740lp1"), name="b750nl2", id=9)


def clash_mac(facts: Facts) -> None:
    partition(facts, P740, "b740lp1")["virtual_eth"][0]["mac_addr"] = "263fc93151c9"


def caps(facts: Facts, **flags: bool) -> None:
    facts.systems[P740]["capabilities"].update(flags)


def uses_ams(facts: Facts) -> None:
    set_in(facts, P750, "b750nl2", "memory.mode", "shared")
    caps(facts, active_mem_sharing_capable=False)


def uses_ame(facts: Facts) -> None:
    set_in(facts, P750, "b750nl2", "memory.ame_factor", 1.5)
    caps(facts, active_mem_expansion_capable=False)


def suspend_capable(facts: Facts) -> None:
    extras_of(facts, P750, "b750nl2")["suspend_capable"] = True
    caps(facts, lpar_suspend_capable=False)


def small_entitlement(facts: Facts) -> None:
    set_in(facts, P750, "b750nl2", "processors.units", 0.1)
    facts.systems[P740]["min_proc_units_per_vp"] = 0.1


CASES: dict[str, Case] = {
    "LPM-TGT-001": Case(clash_name, {"target_lpar_id": 9}, "new_name=b750nl2_old"),
    "LPM-TGT-002": Case(lambda f: f.systems[P740].update(max_lpars=3), {"max_lpars": 3, "partitions": 3}, f"rmsyscfg -r lpar -m {P740}"),
    "LPM-TGT-003": Case(lambda f: None, {"lpar_id": 3, "target_holder": "b740lp1"}, "dest_lpar_id", healthy=("b750db1",)),
    "LPM-TGT-004": Case(clash_mac, {"mac": "263FC93151C9", "target_holder": "b740lp1"}, "mac_addr"),
    "LPM-TGT-005": Case(lambda f: set_in(f, P740, "b740lp1", "uuid", partition(f, P750, "b750nl2")["uuid"]), {"target_holder": "b740lp1"}, "--uuid 2"),
    "LPM-TGT-006": Case(lambda f: set_in(f, P750, "b750nl2", "processors.pool_name", "SharedPool01"), {"pool": "SharedPool01"},
                        "create pool SharedPool01"),
    "LPM-TGT-007": Case(lambda f: None, {"system": P750}, "no action needed", target=P750, healthy=()),
    "LPM-MEM-001": Case(lambda f: f.systems[P740].update(available_mem_mb=4000),
                        {"memory_mb": 8192, "hpt_mb": 256, "required_mb": 8448, "available_mb": 4000}, f"-m {P740} -o r -p OTHER -q 4448"),
    "LPM-MEM-002": Case(uses_ams, {"target": P740}, "dedicated memory"),
    "LPM-MEM-003": Case(uses_ame, {"ame_factor": 1.5}, "mem_expansion=0"),
    "LPM-MEM-004": Case(suspend_capable, {"target": P740}, "suspend_capable=0"),
    "LPM-MEM-005": Case(lambda f: f.systems[P740].update(available_mem_mb=40000), {"required_mb": 8448 + 33792, "available_mb": 40000},
                        "free 2240 MB", lpars=("b750nl2", "b750db2"), healthy=("b750nl2", "b750db2")),
    "LPM-CPU-001": Case(lambda f: f.systems[P740].update(available_proc_units=0.2), {"required": 0.5, "available": 0.2}, "free 0.3 processing units"),
    "LPM-CPU-002": Case(small_entitlement, {"per_vp": 0.05, "target_minimum": 0.1}, "keep at most 1 virtual processors"),
    "LPM-CPU-003": Case(lambda f: set_in(f, P750, "b750nl2", "compat_current", "POWER8"), {"mode": "POWER8", "which": "current"},
                        "lpar_proc_compat_mode=POWER7"),
    "LPM-CPU-004": Case(lambda f: f.systems[P740].update(available_proc_units=1.5), {"required": 2.0, "available": 1.5},
                        "free 0.5 processing units", lpars=("b750nl2", "b750db2"), healthy=("b750nl2", "b750db2")),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_only_when_broken(rule_id):
    verify(rule_id, CASES[rule_id])


def test_memory_for_an_inactive_partition_is_not_checked():
    facts = broken(lambda f: f.systems[P740].update(available_mem_mb=0))
    assert check(facts, "LPM-MEM-001", "b750test1") == ([], [])


def test_compat_mode_of_an_inactive_partition_is_the_preferred_one():
    facts = broken(lambda f: set_in(f, P750, "b750test1", "compat_desired", "POWER8"))
    (finding,), _unknown = check(facts, "LPM-CPU-003", "b750test1")
    assert finding["evidence"]["which"] == "preferred" and finding["evidence"]["mode"] == "POWER8"
    facts = broken(lambda f: set_in(f, P750, "b750test1", "compat_current", "POWER8"))
    assert check(facts, "LPM-CPU-003", "b750test1") == ([], [])


def test_hypervisor_page_table_follows_the_maximum_memory_and_ratio():
    facts = broken(lambda f: (set_in(f, P750, "b750nl2", "memory.hpt_ratio", "1:128"), f.systems[P740].update(available_mem_mb=8320)))
    assert check(facts, "LPM-MEM-001") == ([], [])  # 8192 + 16384 / 128 = 8320
    facts.systems[P740]["available_mem_mb"] = 8319
    assert check(facts, "LPM-MEM-001")[0][0]["evidence"]["hpt_mb"] == 128


def test_dedicated_processors_count_whole_processors():
    def dedicated(f):
        set_in(f, P750, "b750nl2", "processors.mode", "ded")
        f.systems[P740]["available_proc_units"] = 1.5
    (finding,), _unknown = check(broken(dedicated), "LPM-CPU-001")
    assert finding["evidence"] == {"required": 2.0, "available": 1.5}


def test_ams_paging_device_and_reserved_storage_are_left_to_the_hmc():
    facts = broken(lambda f: set_in(f, P750, "b750nl2", "memory.mode", "shared"))
    findings, unknown = check(facts, "LPM-MEM-002")
    assert findings == [] and "paging devices" in unknown[0]["reason"]
    facts = broken(lambda f: extras_of(f, P750, "b750nl2").update(suspend_capable=True))
    findings, unknown = check(facts, "LPM-MEM-004")
    assert findings == [] and "at least 18023 MB" in unknown[0]["reason"]  # 110 % of 16384 MB maximum memory


def test_batch_rules_need_two_partitions_for_a_target():
    facts = healthy_facts()
    facts.systems[P740]["available_mem_mb"] = 100
    assert check_batch(facts, "LPM-MEM-005", ("b750nl2",)) == {}
