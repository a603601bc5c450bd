# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Merging recorded HMC validation messages into the findings of the rules (deduplication by the code table)."""

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_hmcval import Message, parse_output
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_merge import merge
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import RULES
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import P740, P750, broken, check, load_fixture

pytest.importorskip("paramiko")


def recorded_messages(scenario: str, lpar: str = "b750nl2") -> list[Message]:
    line = f"migrlpar -o v -m {P750} -t {P740} -p {lpar}"
    entry = next(e for e in load_fixture(scenario)["entries"] if e["command"] == line)
    return parse_output(entry["stdout"], entry["rc"])


def reserve_findings(*vios: str):
    def mutate(facts):
        for name in vios:
            facts.systems[P740]["partitions"][name]["vios"]["disks"]["hdisk2"]["reserve_policy"] = "single_path"
    return check(broken(mutate), "LPM-STG-003")[0]


def merged(findings, messages):
    return merge(findings, messages, "b750nl2", P750, P740, RULES)


def test_the_same_cause_becomes_one_finding():
    (finding,) = merged(reserve_findings("b740vio1"), recorded_messages("target-reserve"))
    assert (finding["rule"], finding["origin"], finding["hmc_codes"]) == ("LPM-STG-003", "both", ["HSCLA23B"])
    assert finding["hmc_messages"][0].startswith("HSCLA23B Device hdisk2 on b740vio1")
    assert finding["severity"] == "error" and "reserve_policy=no_reserve" in finding["remediation"]


def test_the_finding_the_hmc_text_names_is_chosen():
    findings = reserve_findings("b740vio1", "b740vio2")
    out = merged(findings, recorded_messages("target-reserve"))
    assert len(out) == 2
    assert [(f["subject"], f["origin"]) for f in out] == [("b740vio1 hdisk2", "both"), ("b740vio2 hdisk2", "preflight")]


def test_ambiguous_candidates_keep_the_message_apart():
    findings = reserve_findings("b740vio1", "b740vio2")
    out = merged(findings, [Message("HSCLA23B", "error", "HSCLA23B a disk has the wrong reserve policy")])
    assert [f["origin"] for f in out] == ["preflight", "preflight", "hmc"]
    assert out[2]["rule"] == "HMC-HSCLA23B" and out[2]["evidence"]["related_rules"] == ["LPM-STG-002", "LPM-STG-003"]


def test_a_message_no_rule_reported_stays_an_hmc_finding_with_its_hint():
    (finding,) = merged([], recorded_messages("target-vios-rmc"))
    assert finding["rule"] == "HMC-HSCLA246" and finding["origin"] == "hmc" and finding["severity"] == "error"
    assert finding["remediation"] == HINTS["HSCLA246"]
    assert finding["evidence"] == {"hmc_code": "HSCLA246", "related_rules": ["LPM-RMC-001", "LPM-RMC-002", "LPM-RMC-003"],
                                   "mapping_source": "docs"}
    assert finding["fix_key"].startswith(f"HMC-HSCLA246|{P750}|b750nl2|{P740}|")


def test_codes_outside_the_table_and_messages_without_code():
    out = merged([], [Message("HSCL9999", "error", "HSCL9999 something new"), Message(None, "error", "no code here")])
    assert [(f["rule"], f["hmc_codes"]) for f in out] == [("HMC-HSCL9999", ["HSCL9999"]), ("HMC-UNKNOWN", [])]
    assert out[0]["remediation"].startswith("read the HMC message")
    assert out[0]["evidence"] == {"hmc_code": "HSCL9999", "related_rules": []}


def test_related_rule_remediation_when_the_code_has_no_hint():
    (finding,) = merged([], [Message("HSCLA22A", "error", "HSCLA22A The logical memory block size differs.")])
    assert finding["rule"] == "HMC-HSCLA22A"
    assert finding["remediation"].startswith("the same cause as LPM-SYS-005")


def test_hmc_only_rules_get_the_message():
    (finding,) = merged([], [Message("HSCLA241", "warning", "HSCLA241 Partition b750nl2 has an open virtual terminal session.")])
    assert (finding["rule"], finding["severity"], finding["origin"]) == ("LPM-LPAR-017", "warning", "hmc")
    assert "rmvterm" in finding["remediation"]


def test_duplicates_are_merged_once_and_detail_is_kept():
    message = Message("HSCLA23B", "error", "HSCLA23B Device hdisk2 on b740vio1 has reserve_policy=single_path", ["VIOS line"])
    (finding,) = merged(reserve_findings("b740vio1"), [message, message])
    assert finding["hmc_messages"] == [message.text] and finding["evidence"]["vios_detail"] == ["VIOS line"]


def test_an_hmc_error_raises_the_severity_of_a_warning():
    warning = check(broken(lambda f: f.systems[P740]["partitions"]["b740vio1"].update(time_ref=False)), "LPM-MSP-005")[0]
    assert warning[0]["severity"] == "warning"
    (finding,) = merged(warning, [Message("HSCLA249", "error", "HSCLA249 no time reference")])
    assert finding["severity"] == "error" and finding["origin"] == "both"


@pytest.mark.parametrize("scenario, rule, code", [
    ("target-vlan", "LPM-NET-001", "HSCLA239"),
    ("lpar-rmc", "LPM-RMC-001", "HSCLA246"),
    ("lmb", "LPM-SYS-005", "HSCLA22A"),
    ("target-memory", "LPM-MEM-001", "HSCLA228"),
])
def test_recorded_messages_of_each_broken_scenario_map_to_the_rule(scenario, rule, code):
    (message,) = recorded_messages(scenario)
    assert message.code == code
    assert rule in RULES and any(rule in m for m in [merged([], [message])[0]["evidence"]["related_rules"]])
