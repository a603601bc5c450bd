# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RMC, mover service partition, storage and network rules: silent on the seed lab, firing when broken."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import (
    P740,
    P750,
    Case,
    broken,
    check,
    extras_of,
    healthy_facts,
    partition,
    set_in,
    verify,
)

pytest.importorskip("paramiko")

NL2_LUN = "332160050768018086B6E00000000000010104214503IBMfcp"  # rootvg of b750nl2: hdisk4 on the p750 VIOS, hdisk2 on the p740 VIOS


def vios_facts(facts: Facts, system: str, vios: str) -> dict:
    facts_vios = partition(facts, system, vios)["vios"]
    assert facts_vios is not None
    return facts_vios  # type: ignore[return-value]


def nl2_device(facts: Facts, **changes: str) -> None:
    """Change the device b750vio1 maps to b750nl2 (client slot 27)."""
    mapping = next(m for m in vios_facts(facts, P750, "b750vio1")["vscsi_mappings"] if m["client_lpar_name"] == "b750nl2")
    mapping["devices"][0].update(changes)


def no_msp(facts: Facts, system: str) -> None:
    for vios in ("b750vio1", "b750vio2") if system == P750 else ("b740vio1", "b740vio2"):
        set_in(facts, system, vios, "msp", False)


def msp_busy(facts: Facts) -> None:
    vios_facts(facts, P750, "b750vio1")["vioslpm0"]["cfg_msp_lpm_ops"] = 1
    set_in(facts, P750, "b750db1", "migration.state", "Migration In Progress")
    set_in(facts, P750, "b750db1", "migration.source_msp_name", "b750vio1")


def lun_not_on_target(facts: Facts) -> None:
    for vios in ("b740vio1", "b740vio2"):
        disks = vios_facts(facts, P740, vios)["disks"]
        for name in [n for n, d in disks.items() if d["unique_id"] == NL2_LUN]:
            del disks[name]


def no_npiv_ports(facts: Facts) -> None:
    for vios in ("b740vio1", "b740vio2"):
        vios_facts(facts, P740, vios)["fc_ports"] = {}


def vlan_10_gone(facts: Facts) -> None:
    for vios in ("b740vio1", "b740vio2"):
        for sea in vios_facts(facts, P740, vios)["seas"]:
            sea["vlans"] = [v for v in sea["vlans"] if v != 10]


def slots_full(facts: Facts) -> None:
    extras_of(facts, P740, "b740vio1")["max_virtual_slots"] = 4  # b740vio1 uses 5 slots: 0, 1, 11, 12 and 21


CASES: dict[str, Case] = {
    "LPM-RMC-001": Case(lambda f: set_in(f, P750, "b750nl2", "rmc_state", "inactive"), {"rmc_state": "inactive"}, "rmcctrl -z; rmcctrl -A"),
    "LPM-RMC-002": Case(lambda f: set_in(f, P750, "b750vio2", "rmc_state", "inactive"), {"vios": "b750vio2", "system": P750},
                        "oem_setup_env"),
    "LPM-RMC-003": Case(lambda f: set_in(f, P740, "b740vio1", "rmc_state", "none"), {"vios": "b740vio1", "rmc_state": "none"},
                        "lpar_names=b740vio1"),
    "LPM-MSP-001": Case(lambda f: no_msp(f, P750), {"system": P750}, f"chsyscfg -r lpar -m {P750} -i name=b750vio1,msp=1"),
    "LPM-MSP-002": Case(lambda f: no_msp(f, P740), {"system": P740}, "powervm.lpm.vios_msp"),
    "LPM-MSP-003": Case(lambda f: [vios_facts(f, P740, v).update(vasi=False, vasi_devices=[]) for v in ("b740vio1", "b740vio2")],
                        {"vios": "b740vio1", "vasi_devices": []}, "cfgdev"),
    "LPM-MSP-004": Case(msp_busy, {"vios": "b750vio1", "in_progress": 1, "cfg_msp_lpm_ops": 1}, "cfg_msp_lpm_ops=8"),
    "LPM-MSP-005": Case(lambda f: set_in(f, P740, "b740vio1", "time_ref", False), {"system": P740, "msps": ["b740vio1", "b740vio2"]},
                        "time_ref=1"),
    "LPM-STG-001": Case(lambda f: nl2_device(f, backing="rootvg_nl2", kind="lv"), {"vios": "b750vio1", "kind": "lv", "client_slot": 27},
                        "rmvdev -vtd vtscsi0"),
    "LPM-STG-002": Case(lambda f: vios_facts(f, P750, "b750vio1")["disks"]["hdisk4"].update(reserve_policy="single_path"),
                        {"vios": "b750vio1", "disk": "hdisk4", "reserve_policy": "single_path"},
                        f"viosvrcmd -m {P750} -p b750vio1 -c 'chdev -dev hdisk4 -attr reserve_policy=no_reserve'"),
    "LPM-STG-003": Case(lambda f: vios_facts(f, P740, "b740vio1")["disks"]["hdisk2"].update(reserve_policy="PR_exclusive"),
                        {"vios": "b740vio1", "disk": "hdisk2", "system": P740, "unique_id": NL2_LUN},
                        "chdev -dev hdisk2 -attr reserve_policy=no_reserve"),
    "LPM-STG-004": Case(lambda f: nl2_device(f, vtd="vtopt0", backing="/var/vio/VMLibrary/aix.iso", kind="file"), {"vtd": "vtopt0"},
                        "unloadopt -vtd vtopt0"),
    "LPM-STG-005": Case(lun_not_on_target, {"client_slot": 27, "unique_ids": [NL2_LUN]}, "cfgdev"),
    "LPM-STG-006": Case(no_npiv_ports, {"client_slot": 37, "wwpns": ["c0507603a2920084", "c0507603a2920085"]}, "fabric=1"),
    "LPM-STG-007": Case(lambda f: partition(f, P750, "b750vio1")["virtual_scsi"][0].update(is_required=True), {"vios": "b750vio1", "slot": 27},
                        "remote_lpar_name=b750nl2,remote_slot_num=27"),
    "LPM-STG-008": Case(lambda f: set_in(f, P740, "b740vio2", "state", "Not Activated"), {"kind": "virtual SCSI", "target_hosts": ["b740vio1"]},
                        "--mpio 2"),
    "LPM-STG-009": Case(slots_full, {"vios": "b740vio1", "needed": 2, "max_virtual_slots": 4}, "max_virtual_slots="),
    "LPM-NET-001": Case(vlan_10_gone, {"vlan": 10, "vswitch": "ETHERNET0", "slot": 2},
                        f"chhwres -r virtualio --rsubtype eth -m {P740} -o s -p b740vio1 -s 11 -a addl_vlan_ids+=10"),
    "LPM-NET-002": Case(None, hmc=("HSCLA266", "error")),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_only_when_broken(rule_id):
    verify(rule_id, CASES[rule_id])


def test_target_reserve_policy_is_checked_on_every_target_vios_that_sees_the_lun():
    facts = broken(lambda f: [vios_facts(f, P740, v)["disks"]["hdisk2"].update(reserve_policy="single_path") for v in ("b740vio1", "b740vio2")])
    findings, _unknown = check(facts, "LPM-STG-003")
    assert [f["subject"] for f in findings] == ["b740vio1 hdisk2", "b740vio2 hdisk2"]
    assert len({f["fix_key"] for f in findings}) == 2


def test_unread_target_vios_makes_storage_undecided():
    def unread(f):
        for vios in ("b740vio1", "b740vio2"):
            vios_facts(f, P740, vios).update(collected=False, skipped_reason="RMC is inactive, not active")
    facts = broken(unread)
    findings, unknown = check(facts, "LPM-STG-005")
    assert findings == [] and "RMC is inactive" in unknown[0]["reason"]
    findings, unknown = check(facts, "LPM-NET-001")
    assert findings == [] and "VLAN 10" in unknown[0]["reason"]


def test_unread_target_disks_make_hosting_undecided():
    facts = broken(lambda f: [d.update(unique_id=None) for v in ("b740vio1", "b740vio2") for d in vios_facts(f, P740, v)["disks"].values()])
    findings, unknown = check(facts, "LPM-STG-005")
    assert findings == [] and "vios_disks=all" in unknown[0]["reason"]


def test_zoning_is_reported_as_not_checked():
    findings, unknown = check(healthy_facts(), "LPM-STG-006")
    assert findings == []
    assert [u["reason"].split(":")[0] for u in unknown] == [
        "virtual FC slot 37 (WWPNs c0507603a2920084, c0507603a2920085)",
        "virtual FC slot 47 (WWPNs c0507603a2920086, c0507603a2920087)",
    ]
    assert all("only the HMC validation" in u["reason"] for u in unknown)


def test_rmc_of_a_target_vios_the_hmc_would_use_first():
    facts = broken(lambda f: (set_in(f, P740, "b740vio1", "rmc_state", "inactive"),
                              vios_facts(f, P740, "b740vio1").update(collected=False, skipped_reason="RMC inactive")))
    (finding,), _unknown = check(facts, "LPM-RMC-003")
    assert finding["subject"] == "b740vio1" and finding["fix_key"] == f"LPM-RMC-003|{P740}|b740vio1"


def test_partition_without_adapters_involves_only_the_msps():
    facts = broken(lambda f: set_in(f, P740, "b740vio1", "rmc_state", "inactive"))
    findings, _unknown = check(facts, "LPM-RMC-003", "b750nim")
    assert findings == []  # b750nim has no virtual storage; the MSP with RMC active (b740vio2) is chosen
