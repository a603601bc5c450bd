# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""System, HMC and partition rules: each is silent on the seed lab and fires on a copy broken for it."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules_lpar import os_supported
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import (
    P740,
    P750,
    Case,
    broken,
    check,
    extras_of,
    healthy_facts,
    set_in,
    verify,
)

pytest.importorskip("paramiko")


def remote_target(facts: Facts, trusted: bool | None = False, version: str = "V8R8.1.0") -> None:
    """Put the p740 behind a second HMC, hmc2, whose trust was tested."""
    facts.hmc_of[P740] = dict(facts.hmc_of[P740], name="hmc2", version=version)
    facts.extras["trust"] = [{"remote": "hmc2", "user": "hscroot", "trusted": trusted, "detail": "HSCL3653 no trust"}]


def caps(facts: Facts, system: str, **flags: bool) -> None:
    facts.systems[system]["capabilities"].update(flags)


def prof_extras(lpar: str, **values: object):
    return lambda f: extras_of(f, P750, lpar).update(values)


def partition_serial(facts: Facts) -> None:
    serial = facts.systems[P750]["partitions"]["b750nl2"]["virtual_serial"]
    serial.append(dict(serial[0], slot=5, is_required=True))


def ibmi_without_target_support(facts: Facts) -> None:
    set_in(facts, P750, "b750nl2", "env", "os400")
    facts.extras["systems"][P740]["capabilities"]["os400_lpar_mobility_capable"] = False


CASES: dict[str, Case] = {
    "LPM-SYS-001": Case(lambda f: f.systems[P740].update(state="No Connection"), {"system": P740, "state": "No Connection"}, "lssysconn"),
    "LPM-SYS-002": Case(lambda f: caps(f, P740, active_lpar_mobility_capable=False), {"system": P740}, "PowerVM Enterprise Edition"),
    "LPM-SYS-003": Case(lambda f: f.systems[P740].update(compat_modes=["default", "POWER5"]), {"compat_modes": ["default", "POWER5"]},
                        "POWER6 or later"),
    "LPM-SYS-004": Case(None, hmc=("HSCLA259", "error")),
    "LPM-SYS-005": Case(lambda f: f.systems[P740].update(lmb_mb=128), {"source_lmb_mb": 256, "target_lmb_mb": 128}, "256 MB memory regions"),
    "LPM-SYS-006": Case(lambda f: f.systems[P740]["migration"].update(active_in_progress=8), {"in_progress": 8, "supported": 8},
                        f"lslparmigr -r lpar -m {P740}"),
    "LPM-SYS-007": Case(lambda f: f.systems[P740]["migration"].update(active_supported=2), {"pairs": 3, "supported": 2},
                        "no action needed", lpars=("b750nl2", "b750db1", "b750app1"), healthy=("b750nl2", "b750db1", "b750app1")),
    "LPM-SYS-008": Case(lambda f: caps(f, P740, virtual_fc_capable=False), {"capability": "virtual_fc_capable"}, "virtual Fibre Channel"),
    "LPM-HMC-001": Case(remote_target, {"local_hmc": "bpichmc", "remote_hmc": "hmc2", "user": "hscroot"},
                        "mkauthkeys -u hscroot --ip hmc2"),
    "LPM-HMC-002": Case(lambda f: remote_target(f, True, "V7R3.3.0"), {"hmc": "hmc2", "version": "V7R3.3.0"}, "V7R3.4"),
    "LPM-LPAR-001": Case(lambda f: None, {"env": "vioserver"}, "client partitions", lpars=("b750vio1",)),
    "LPM-LPAR-002": Case(lambda f: set_in(f, P750, "b750nl2", "migration_disabled", True), {"migration_disabled": True},
                         f"chsyscfg -r lpar -m {P750} -i name=b750nl2,migration_disabled=0"),
    "LPM-LPAR-003": Case(lambda f: set_in(f, P750, "b750nl2", "state", "Open Firmware"), {"state": "Open Firmware"}, "lsrefcode"),
    "LPM-LPAR-004": Case(lambda f: set_in(f, P750, "b750nl2", "migration.state", "Migration In Progress"),
                         {"migration_state": "Migration In Progress"}, f"migrlpar -o s -m {P750} -p b750nl2"),
    "LPM-LPAR-005": Case(prof_extras("b750test1", ever_activated=False), {"resource_config": 0}, "-b sms", lpars=("b750test1",),
                         healthy=("b750test1",)),
    "LPM-LPAR-006": Case(lambda f: set_in(f, P750, "b750nl2", "os_version", "AIX 6.1 6100-01-01-0000"), {"os_version": "AIX 6.1 6100-01-01-0000"},
                         "update the operating system"),
    "LPM-LPAR-007": Case(lambda f: None, {"drc_index": "21010207"}, f"chhwres -r io -m {P750} -o r -p b750nim -l 21010207", lpars=("b750nim",)),
    "LPM-LPAR-008": Case(lambda f: set_in(f, P750, "b750test1", "profile.io_slots", [{"drc_index": "21010208", "is_required": False}]),
                         {"drc_index": "21010208"}, "re-add", lpars=("b750test1",), healthy=("b750test1",)),
    "LPM-LPAR-009": Case(prof_extras("b750nl2", lhea_logical_ports=["23000000/2/1/3/none"]), {"lhea_logical_ports": ["23000000/2/1/3/none"]},
                         "EtherChannel"),
    "LPM-LPAR-010": Case(prof_extras("b750nl2", sriov_logical_ports=["1/2/3"]), {"sriov_logical_ports": ["1/2/3"]}, "chhwres -r sriov"),
    "LPM-LPAR-011": Case(lambda f: set_in(f, P750, "b750nl2", "memory.huge_pages", 2), {"huge_pages": 2}, "desired_num_huge_pages=0"),
    "LPM-LPAR-012": Case(prof_extras("b750nl2", bsr_arrays=1), {"bsr_arrays": 1}, "bsr_arrays=0"),
    "LPM-LPAR-013": Case(lambda f: set_in(f, P750, "b750nl2", "work_group_id", "1"), {"work_group_id": "1"}, "work_group_id=none"),
    "LPM-LPAR-014": Case(prof_extras("b750nl2", redundant_err_path_reporting=True), {"redundant_err_path_reporting": True},
                         "redundant_err_path_reporting=0"),
    "LPM-LPAR-015": Case(lambda f: f.extras["systems"][P750].update(service_lpar_id=3), {"service_lpar_id": 3}, "service partition"),
    "LPM-LPAR-016": Case(partition_serial, {"slots": [5]}, f"chhwres -r virtualio --rsubtype serial -m {P750} -o r -p b750nl2 -s 5"),
    "LPM-LPAR-017": Case(None, hmc=("HSCLA241", "warning")),
    "LPM-LPAR-018": Case(ibmi_without_target_support, {"target": P740}, "IBM i Partition Mobility Capable"),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_only_when_broken(rule_id):
    verify(rule_id, CASES[rule_id])


def _resource_config_in_the_estate_only(value: int | None):
    def mutate(facts: Facts) -> None:
        facts.extras["systems"][P750]["partitions"].pop("b750test1")
        set_in(facts, P750, "b750test1", "resource_config", value)
        set_in(facts, P750, "b750test1", "never_activated", None if value is None else value == 0)

    return mutate


def test_unknown_when_facts_are_missing():
    facts = broken(_resource_config_in_the_estate_only(None))
    assert check(facts, "LPM-LPAR-005", "b750test1") == ([], [{"rule": "LPM-LPAR-005", "reason": "resource_config was not read"}])
    facts = broken(lambda f: f.systems[P740].update(lmb_mb=None))
    assert check(facts, "LPM-SYS-005")[1][0]["reason"] == "the memory region size of a system was not read"


def test_never_activated_is_read_from_the_estate_when_preflight_did_not_read_it():
    findings, unknown = check(broken(_resource_config_in_the_estate_only(0)), "LPM-LPAR-005", "b750test1")
    assert unknown == []
    assert [(f["rule"], f["subject"], f["evidence"]) for f in findings] == [("LPM-LPAR-005", "b750test1", {"lpar": "b750test1", "resource_config": 0})]
    assert check(broken(_resource_config_in_the_estate_only(1)), "LPM-LPAR-005", "b750test1") == ([], [])


def test_remote_trust_not_tested_and_trusted():
    facts = broken(remote_target)
    facts.extras["trust"] = []
    findings, unknown = check(facts, "LPM-HMC-001")
    assert findings == [] and "was not tested" in unknown[0]["reason"]
    facts = broken(lambda f: remote_target(f, True))
    assert check(facts, "LPM-HMC-001") == ([], [])
    assert check(healthy_facts(), "LPM-HMC-002") == ([], [])


def test_ibmi_restricted_io_is_left_to_the_hmc():
    facts = broken(lambda f: set_in(f, P750, "b750nl2", "env", "os400"))
    findings, unknown = check(facts, "LPM-LPAR-018")
    assert findings == [] and "restricted I/O" in unknown[0]["reason"]


def test_inactive_partition_skips_active_only_rules():
    facts = broken(lambda f: set_in(f, P750, "b750test1", "memory.huge_pages", 4))
    assert check(facts, "LPM-LPAR-011", "b750test1") == ([], [])


@pytest.mark.parametrize("text, expected", [
    ("AIX 7.1 7100-03-03-1415", True),
    ("AIX 5.3 5300-07-01-0000", True),
    ("AIX 5.3 5300-06-05-0000", False),
    ("AIX 6.1 6100-02-08-0000", True),
    ("Linux/Red Hat 2.6.32-431.el6.ppc64 6.5", True),
    ("Linux/SuSE 2.6.5 9", False),
    ("IBM i 7.2", True),
    ("IBM i 6.1", False),
    ("Unknown", None),
])
def test_os_levels(text, expected):
    assert os_supported(text) is expected


def test_processor_generation_from_compat_modes():
    facts = broken(lambda f: f.systems[P740].update(compat_modes=[]))
    assert check(facts, "LPM-SYS-003")[1][0]["reason"].endswith("processor compatibility modes were not read")
    assert check(healthy_facts(), "LPM-SYS-003") == ([], [])
