# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ranked fix list: errors first, then by pairs helped, then by pairs made ready; warnings after."""

from __future__ import annotations

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import Finding, PairResult
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rank import fix_lines, rank_fixes, sort_findings, summary_lines


def finding(rule: str, key: str, severity: str = "error", lpar: str = "lp1", target: str = "T1") -> Finding:
    return {
        "rule": rule, "severity": severity, "title": f"title of {rule}", "lpar": lpar, "source": "S", "target": target,
        "subject": key, "message": f"{rule} on {key}", "evidence": {}, "remediation": f"fix {key}", "fix_key": key, "origin": "preflight",
        "hmc_codes": [], "hmc_messages": [],
    }


def pair(lpar: str, target: str, *findings: Finding) -> PairResult:
    own = [dict(f, lpar=lpar, target=target) for f in findings]
    errors = sum(1 for f in own if f["severity"] == "error")
    return {
        "lpar": lpar, "source": "S", "target": target, "kind": "active", "ready": errors == 0, "errors": errors,
        "warnings": sum(1 for f in own if f["severity"] == "warning"), "infos": sum(1 for f in own if f["severity"] == "info"),
        "findings": own, "not_checked": [],  # type: ignore[typeddict-item]
        "hmc_validation": {"ran": True, "command": "migrlpar -o v", "rc": 0, "seconds": 0.1, "reason": None, "output": ""},
    }


def test_ranking():
    vios_rmc = finding("LPM-RMC-003", "vios1-rmc")
    lmb = finding("LPM-SYS-005", "lmb-T2")
    reserve = finding("LPM-STG-003", "hdisk2")
    time_ref = finding("LPM-MSP-005", "time-ref", "warning")
    pool = finding("LPM-TGT-006", "pool", "info")
    pairs = [
        pair("lp1", "T1", vios_rmc, reserve, time_ref),
        pair("lp2", "T1", vios_rmc, time_ref),
        pair("lp3", "T1", vios_rmc, pool),
        pair("lp1", "T2", lmb),
        pair("lp2", "T2", lmb, time_ref),
        pair("lp4", "T1", reserve),
    ]
    fixes = rank_fixes(pairs)
    assert [(f["rank"], f["fix_key"], f["severity"], f["pairs_affected"], f["pairs_ready_after"]) for f in fixes] == [
        (1, "vios1-rmc", "error", 3, 2),   # helps three pairs, lp2 and lp3 become ready
        (2, "lmb-T2", "error", 2, 2),
        (3, "hdisk2", "error", 2, 1),      # lp4 becomes ready; lp1 -> T1 still needs the RMC fix
        (4, "time-ref", "warning", 3, 0),
    ]
    assert fixes[0]["pairs"] == ["lp1 -> T1", "lp2 -> T1", "lp3 -> T1"]
    assert fixes[0]["remediation"] == "fix vios1-rmc" and fixes[0]["title"] == "title of LPM-RMC-003"
    assert fix_lines(fixes)[0] == "1. [error] LPM-RMC-003 vios1-rmc: fix vios1-rmc (helps 3 pair(s), makes 2 ready)"


def test_ties_are_broken_by_rule_then_key_and_a_fix_takes_its_worst_severity():
    a = finding("LPM-STG-002", "b")
    b = finding("LPM-NET-001", "a")
    mixed_warning = finding("LPM-MSP-005", "shared", "warning")
    mixed_error = finding("LPM-MSP-005", "shared", "error")
    fixes = rank_fixes([pair("lp1", "T1", a), pair("lp2", "T1", b), pair("lp3", "T1", mixed_warning), pair("lp4", "T1", mixed_error)])
    assert [(f["fix_key"], f["severity"]) for f in fixes] == [("shared", "error"), ("a", "error"), ("b", "error")]
    assert fixes[0]["pairs_affected"] == 2 and fixes[0]["pairs_ready_after"] == 1


def test_summary_lines_and_sorting():
    findings = sort_findings([finding("LPM-TGT-003", "x", "info"), finding("LPM-MSP-005", "w", "warning"), finding("LPM-STG-003", "e")])
    assert [f["severity"] for f in findings] == ["error", "warning", "info"]
    ready = pair("lp9", "T1")
    ready["hmc_validation"]["ran"] = False
    lines = summary_lines([pair("lp1", "T1", *findings), ready])
    assert lines == [
        "lp1 -> T1 [active]: NOT READY - 1 error(s), 1 warning(s), 0 check(s) not decided",
        "    error: LPM-STG-003 LPM-STG-003 on e",
        "    warning: LPM-MSP-005 LPM-MSP-005 on w",
        "lp9 -> T1 [active]: READY (HMC validation not run) - 0 error(s), 0 warning(s), 0 check(s) not decided",
    ]
    assert rank_fixes([ready]) == []
