# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Merging the HMC's validation messages into the findings of our rules.

HMC_CODE_RULES maps an HSCL code to the rules of ours that check the same cause. A message whose
code maps to a finding our rules already made for the pair is folded into it (the finding then
carries the code and the HMC text, origin "both"). When several findings could match, the one whose
subject (VIOS, disk, partition) the HMC text names is chosen. A message of a check only the HMC can
make becomes a finding of that rule; any other message becomes a finding ``HMC-<code>``.

Sources of the table: "docs" codes are in IBM documentation or public captures; "reference" codes
are commonly associated with the cause but unconfirmed; "twin" codes are
the ones the HMC twin prints, whose texts have no public capture: a real HMC may use other codes,
and then its messages simply stay separate ``HMC-<code>`` findings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_hmcval import Message
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import Finding
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Rule

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
UNKNOWN_CODE = "UNKNOWN"


@dataclass(frozen=True)
class CodeMapping:
    rules: tuple[str, ...]
    source: str  # docs | reference | twin


def _m(source: str, *rules: str) -> CodeMapping:
    return CodeMapping(tuple(rules), source)


HMC_CODE_RULES: dict[str, CodeMapping] = {
    # documented or captured
    "HSCLA246": _m("docs", "LPM-RMC-001", "LPM-RMC-002", "LPM-RMC-003"),
    "HSCLA319": _m("docs", "LPM-STG-006"),
    "HSCL3653": _m("docs", "LPM-HMC-001"),
    "HSCLA4C0": _m("docs", "LPM-SYS-008"),
    # commonly associated, unconfirmed
    "HSCLA24E": _m("reference", "LPM-STG-005"),
    "HSCLA27C": _m("reference", "LPM-STG-002", "LPM-STG-003", "LPM-STG-005"),
    # the HMC twin's validation codes
    "HSCLA253": _m("twin", "LPM-SYS-001"),
    "HSCLA250": _m("twin", "LPM-SYS-002", "LPM-SYS-003"),
    "HSCLA259": _m("twin", "LPM-SYS-004"),
    "HSCLA22A": _m("twin", "LPM-SYS-005"),
    "HSCLA233": _m("twin", "LPM-SYS-006"),
    "HSCLA23C": _m("twin", "LPM-SYS-008", "LPM-MEM-002", "LPM-MEM-004"),
    "HSCLA25D": _m("twin", "LPM-HMC-002"),
    "HSCLA258": _m("twin", "LPM-HMC-001"),
    "HSCLA235": _m("twin", "LPM-LPAR-001"),
    "HSCLA236": _m("twin", "LPM-LPAR-002"),
    "HSCLA237": _m("twin", "LPM-LPAR-003"),
    "HSCLA245": _m("twin", "LPM-LPAR-004"),
    "HSCLA254": _m("twin", "LPM-LPAR-004"),
    "HSCLA238": _m("twin", "LPM-LPAR-005"),
    "HSCLA25E": _m("twin", "LPM-LPAR-006"),
    "HSCLA22F": _m("twin", "LPM-LPAR-007"),
    "HSCLA25F": _m("twin", "LPM-LPAR-008"),
    "HSCLA240": _m("twin", "LPM-LPAR-009", "LPM-LPAR-010"),
    "HSCLA230": _m("twin", "LPM-LPAR-011"),
    "HSCLA231": _m("twin", "LPM-LPAR-012"),
    "HSCLA232": _m("twin", "LPM-LPAR-013"),
    "HSCLA260": _m("twin", "LPM-LPAR-014"),
    "HSCLA261": _m("twin", "LPM-LPAR-015"),
    "HSCLA23F": _m("twin", "LPM-LPAR-016"),
    "HSCLA241": _m("twin", "LPM-LPAR-017"),
    "HSCLA247": _m("twin", "LPM-LPAR-018"),
    "HSCLA22C": _m("twin", "LPM-TGT-001"),
    "HSCLA262": _m("twin", "LPM-TGT-002"),
    "HSCLA22E": _m("twin", "LPM-TGT-004"),
    "HSCLA265": _m("twin", "LPM-TGT-005"),
    "HSCLA228": _m("twin", "LPM-MEM-001"),
    "HSCLA243": _m("twin", "LPM-MEM-002"),
    "HSCLA24A": _m("twin", "LPM-MEM-003"),
    "HSCLA242": _m("twin", "LPM-MEM-004"),
    "HSCLA229": _m("twin", "LPM-CPU-001"),
    "HSCLA248": _m("twin", "LPM-CPU-002"),
    "HSCLA22B": _m("twin", "LPM-CPU-003"),
    "HSCLA234": _m("twin", "LPM-MSP-001", "LPM-MSP-002", "LPM-MSP-003"),
    "HSCLA25B": _m("twin", "LPM-MSP-001", "LPM-MSP-002", "LPM-MSP-003"),
    "HSCLA249": _m("twin", "LPM-MSP-005"),
    "HSCLA23A": _m("twin", "LPM-STG-001"),
    "HSCLA23B": _m("twin", "LPM-STG-002", "LPM-STG-003"),
    "HSCLA23E": _m("twin", "LPM-STG-004"),
    "HSCLA251": _m("twin", "LPM-STG-007"),
    "HSCLA23D": _m("twin", "LPM-STG-008"),
    "HSCLA255": _m("twin", "LPM-STG-008"),
    "HSCLA252": _m("twin", "LPM-STG-009"),
    "HSCLA239": _m("twin", "LPM-NET-001"),
    "HSCLA266": _m("twin", "LPM-NET-002"),
}


def _named(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text) is not None


# Words of a subject that say what kind of thing it is, not which one.
FILLER_WORDS = frozenset({"slot", "VLAN", "MAC"})


def _choose(candidates: list[Finding], text: str, implied: set[str]) -> list[Finding]:
    """The candidates the HMC text is about.

    The partition and the two systems of the pair are implied (one validation per pair), and filler
    words do not count. Of the rest, the words that tell the candidates apart must all be named by the
    text ("b740vio1" of "b740vio1 hdisk2" against "b740vio2 hdisk2", "27" of "b750nl2 slot 27"). A
    subject left with no telling word (a system, the partition itself) matches any message of its code.
    """
    words = {f["subject"]: set(f["subject"].split()) - FILLER_WORDS - implied for f in candidates}
    common = set.intersection(*words.values()) if len(words) > 1 else set()
    return [f for f in candidates if all(_named(text, w) for w in words[f["subject"]] - common)]


def _fold(finding: Finding, message: Message) -> None:
    finding["origin"] = "both"
    if message.code and message.code not in finding["hmc_codes"]:
        finding["hmc_codes"].append(message.code)
    finding["hmc_messages"].append(message.text)
    if message.detail:
        finding["evidence"].setdefault("vios_detail", []).extend(message.detail)
    if SEVERITY_ORDER[message.severity] < SEVERITY_ORDER[finding["severity"]]:
        finding["severity"] = message.severity


def _digest(text: str) -> str:
    """A short stable key for an HMC message text (messages repeat per pair; their text is in the finding)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _hmc_finding(message: Message, lpar: str, source: str, target: str, rules: Mapping[str, Rule]) -> Finding:
    code = message.code or UNKNOWN_CODE
    mapping = HMC_CODE_RULES.get(code)
    related = list(mapping.rules) if mapping else []
    owner = next((rules[r] for r in related if r in rules and rules[r].hmc_only), None)
    hint = HINTS.get(code)
    if owner is not None:
        rule_id, title = owner.id, owner.title
        remediation = hint or owner.hmc_only
    else:
        rule_id, title = f"HMC-{code}", "Reported by the HMC validation (migrlpar -o v)"
        if hint:
            remediation = hint
        elif related and related[0] in rules:
            remediation = f"the same cause as {related[0]} ({rules[related[0]].title}); fix it and validate again"
        else:
            remediation = "read the HMC message, fix its cause, and validate again (migrlpar -o v)"
    evidence: dict[str, object] = {"hmc_code": message.code, "related_rules": related}
    if mapping:
        evidence["mapping_source"] = mapping.source
    if message.detail:
        evidence["vios_detail"] = list(message.detail)
    return {
        "rule": rule_id, "severity": message.severity, "title": title, "lpar": lpar, "source": source, "target": target,
        "subject": lpar, "message": message.text, "evidence": evidence, "remediation": remediation,
        "fix_key": f"{rule_id}|{source}|{lpar}|{target}|{_digest(message.text)}", "origin": "hmc",
        "hmc_codes": [message.code] if message.code else [], "hmc_messages": [message.text],
    }


def merge(findings: list[Finding], messages: Sequence[Message], lpar: str, source: str, target: str,
          rules: Mapping[str, Rule]) -> list[Finding]:
    """``findings`` with the HMC ``messages`` folded in or added (each message once)."""
    out = list(findings)
    seen: set[tuple[str | None, str]] = set()
    for message in messages:
        if (message.code, message.text) in seen:
            continue
        seen.add((message.code, message.text))
        mapping = HMC_CODE_RULES.get(message.code or "")
        candidates = [f for f in out if mapping and f["rule"] in mapping.rules and f["origin"] != "hmc"]
        chosen = _choose(candidates, " ".join([message.text, *message.detail]), {lpar, source, target}) if candidates else []
        if chosen:
            for finding in chosen:
                _fold(finding, message)
        else:
            out.append(_hmc_finding(message, lpar, source, target, rules))
    return out
