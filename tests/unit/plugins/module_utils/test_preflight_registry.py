# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rule table: every rule has a broken case, a documentation row and an HMC code where one is known."""

from __future__ import annotations

import pathlib
import re

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_merge import HMC_CODE_RULES
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import RULES, Hit, rule, rule_table
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules import all_rules, table
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils import test_preflight_rules_capacity as capacity
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils import test_preflight_rules_system as system
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils import test_preflight_rules_vios as vios
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.preflight_support import CLIENTS, P740, check, healthy_facts

pytest.importorskip("paramiko")

DOC = pathlib.Path(__file__).resolve().parents[4] / "docs" / "preflight-rules.md"


def test_every_rule_has_a_broken_case():
    cases = {**system.CASES, **capacity.CASES, **vios.CASES}
    assert sorted(cases) == sorted(RULES)
    assert len(RULES) == 63


def test_rule_ids_are_stable_and_grouped():
    ids = [r.id for r in all_rules()]
    assert all(re.fullmatch(r"LPM-(HMC|SYS|LPAR|TGT|MEM|CPU|RMC|MSP|STG|NET)-\d{3}", i) for i in ids)
    assert ids[:3] == ["LPM-HMC-001", "LPM-HMC-002", "LPM-SYS-001"] and ids[-1] == "LPM-NET-002"
    rows = table()
    assert {r["scope"] for r in rows} == {"pair", "batch", "hmc"}
    assert [r["id"] for r in rows if r["scope"] == "hmc"] == ["LPM-SYS-004", "LPM-LPAR-017", "LPM-NET-002"]
    assert all(r["guide"] for r in rows)


def test_documentation_lists_every_rule_with_its_severity():
    text = DOC.read_text(encoding="utf-8")
    for entry in RULES.values():
        row = next((line for line in text.splitlines() if line.startswith(f"| {entry.id} |")), None)
        assert row is not None, f"{entry.id} is not in docs/preflight-rules.md"
        assert f"| {entry.severity} |" in row, row
    for code in HMC_CODE_RULES:
        assert code in text, f"{code} of the HMC code table is not documented"


def test_hmc_codes_map_to_registered_rules():
    for code, mapping in HMC_CODE_RULES.items():
        assert re.fullmatch(r"HSCL[0-9A-F]{4}", code)
        assert mapping.source in ("docs", "reference", "twin")
        assert all(r in RULES for r in mapping.rules), code
    assert {r.id for r in RULES.values() if r.hmc_only} <= {r for m in HMC_CODE_RULES.values() for r in m.rules}


def test_registering_twice_or_a_bad_rule_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        rule("LPM-SYS-001", "again", guide="x")(lambda ctx: iter(()))
    with pytest.raises(ValueError, match="bad id or severity"):
        rule("X-1", "bad", guide="x")(lambda ctx: iter(()))
    with pytest.raises(ValueError, match="bad id or severity"):
        rule("LPM-ZZZ-001", "bad", guide="x", severity="fatal")(lambda ctx: iter(()))
    assert "LPM-ZZZ-001" not in RULES and "X-1" not in RULES


def test_kinds_decide_which_rules_run():
    huge = RULES["LPM-LPAR-011"]
    assert huge.applies("active") and huge.applies("suspended") and not huge.applies("inactive")
    assert not huge.applies(None)  # a partition that cannot migrate gets only the rules of every kind
    assert RULES["LPM-LPAR-003"].applies(None)


@pytest.mark.parametrize("lpar", [c for c in CLIENTS if c != "b750nim"])
def test_the_seed_lab_has_no_finding_but_kept_ids(lpar):
    facts = healthy_facts()
    for entry in all_rules():
        if entry.fn is None:
            continue
        findings, _unknown = check(facts, entry.id, lpar, P740)
        assert [f for f in findings if f["severity"] != "info"] == [], (entry.id, findings)


def test_rule_table_is_plain_data():
    rows = rule_table(all_rules())
    assert rows[0] == {
        "id": "LPM-HMC-001", "title": "SSH key trust from the source HMC to the target's HMC", "severity": "error",
        "kinds": ["active", "inactive", "suspended"], "guide": "slides 17-18 (remote migration)", "scope": "pair", "hmc_only": "",
    }
    assert Hit("s", "m", "r").evidence == {}
