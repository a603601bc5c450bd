# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Verdicts per pair and the ranked fix list.

A pair is ready when it has no error finding. Findings with the same ``fix_key`` are fixed by one
action (one reserve_policy change on one VIOS disk helps every partition using that LUN). The fix
list holds one entry per action: errors first, then by the number of pairs whose problem it removes,
then by the number of not-ready pairs it alone makes ready; warnings follow in the same order.
Info findings need no action and are not listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import Finding, Fix, PairResult, pair_label

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    return {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITY_ORDER}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f["severity"]], f["rule"], f["subject"]))


def rank_fixes(pairs: Sequence[PairResult]) -> list[Fix]:
    groups: dict[str, list[tuple[PairResult, Finding]]] = {}
    for pair in pairs:
        for finding in pair["findings"]:
            if finding["severity"] != "info":
                groups.setdefault(finding["fix_key"], []).append((pair, finding))
    blockers = {
        pair_label(p["lpar"], p["target"]): {f["fix_key"] for f in p["findings"] if f["severity"] == "error"} for p in pairs if not p["ready"]
    }
    fixes: list[Fix] = []
    for key, members in groups.items():
        severity = min((f["severity"] for f in (m[1] for m in members)), key=SEVERITY_ORDER.__getitem__)
        labels = list(dict.fromkeys(pair_label(m[0]["lpar"], m[0]["target"]) for m in members))
        first = next(m[1] for m in members if m[1]["severity"] == severity)
        fixes.append({
            "rank": 0, "fix_key": key, "severity": severity, "rule": first["rule"], "title": first["title"], "subject": first["subject"],
            "remediation": first["remediation"], "pairs": labels, "pairs_affected": len(labels),
            "pairs_ready_after": sum(1 for label in labels if blockers.get(label) == {key}),
        })
    fixes.sort(key=lambda f: (SEVERITY_ORDER[f["severity"]], -f["pairs_affected"], -f["pairs_ready_after"], f["rule"], f["fix_key"]))
    for index, fix in enumerate(fixes, start=1):
        fix["rank"] = index
    return fixes


def summary_lines(pairs: Sequence[PairResult]) -> list[str]:
    """One line per pair, then one indented line per error and warning."""
    lines: list[str] = []
    for pair in pairs:
        verdict = "READY" if pair["ready"] else "NOT READY"
        checked = "" if pair["hmc_validation"]["ran"] else " (HMC validation not run)"
        lines.append(f"{pair_label(pair['lpar'], pair['target'])} [{pair['kind'] or 'no migration possible'}]: {verdict}{checked} - "
                     f"{pair['errors']} error(s), {pair['warnings']} warning(s), {len(pair['not_checked'])} check(s) not decided")
        for finding in pair["findings"]:
            if finding["severity"] != "info":
                codes = f" [{', '.join(finding['hmc_codes'])}]" if finding["hmc_codes"] else ""
                lines.append(f"    {finding['severity']}: {finding['rule']}{codes} {finding['message']}")
    return lines


def fix_lines(fixes: Sequence[Fix]) -> list[str]:
    return [
        f"{fix['rank']}. [{fix['severity']}] {fix['rule']} {fix['subject']}: {fix['remediation']} "
        f"(helps {fix['pairs_affected']} pair(s), makes {fix['pairs_ready_after']} ready)"
        for fix in fixes
    ]
