# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The preflight rule registry: each rule is a row of data plus a small function.

A pair rule reads one PairContext and yields a Hit per problem, or Unknown when the facts cannot
decide it. A batch rule reads every pair of a run at once (totals per target). A rule without a
function checks what only the HMC validation can see: it gets findings through the HMC merge
(``_preflight_merge``). ``RULES`` keeps registration order, which is the order of the rule modules
imported by ``_preflight_rules``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import KINDS, SEVERITIES, Finding, NotChecked

RULE_ID_PREFIX = "LPM-"


@dataclass(frozen=True)
class Hit:
    """One problem a rule found. ``system`` is where ``subject`` lives (the default fix key uses both)."""

    subject: str
    message: str
    remediation: str
    evidence: dict[str, Any] = field(default_factory=dict)
    system: str = ""
    fix_key: str = ""


@dataclass(frozen=True)
class Unknown:
    """The facts do not allow the rule to decide (not read, or not visible to the HMC listings)."""

    reason: str


Outcome = Union[Hit, Unknown]
PairFn = Callable[[PairContext], Iterable[Outcome]]
BatchFn = Callable[[Sequence[PairContext]], Iterable[tuple[PairContext, Hit]]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    kinds: tuple[str, ...]
    guide: str  # where the field guide (or the reference) asks for the check
    fn: PairFn | None = None
    batch: BatchFn | None = None
    hmc_only: str = ""  # for rules without a function: why only the HMC validation can see it

    def applies(self, kind: str | None) -> bool:
        """Rules for every kind also run when the state allows no migration at all (kind None)."""
        return kind in self.kinds if kind is not None else set(self.kinds) == set(KINDS)


RULES: dict[str, Rule] = {}


def _register(entry: Rule) -> None:
    if entry.id in RULES:
        raise ValueError(f"preflight rule {entry.id} registered twice")
    if not entry.id.startswith(RULE_ID_PREFIX) or entry.severity not in SEVERITIES:
        raise ValueError(f"preflight rule {entry.id}: bad id or severity {entry.severity!r}")
    if not set(entry.kinds) <= set(KINDS):
        raise ValueError(f"preflight rule {entry.id}: unknown kinds {entry.kinds}")
    RULES[entry.id] = entry


def rule(rule_id: str, title: str, *, guide: str, severity: str = "error", kinds: tuple[str, ...] = KINDS) -> Callable[[PairFn], PairFn]:
    """Register a pair rule."""

    def register(fn: PairFn) -> PairFn:
        _register(Rule(rule_id, title, severity, kinds, guide, fn=fn))
        return fn

    return register


def batch_rule(rule_id: str, title: str, *, guide: str, severity: str, kinds: tuple[str, ...] = KINDS) -> Callable[[BatchFn], BatchFn]:
    """Register a rule that looks at all pairs of a run together."""

    def register(fn: BatchFn) -> BatchFn:
        _register(Rule(rule_id, title, severity, kinds, guide, batch=fn))
        return fn

    return register


def hmc_only_rule(rule_id: str, title: str, *, guide: str, reason: str, severity: str = "error", kinds: tuple[str, ...] = KINDS) -> None:
    """Register a check that only the HMC validation can make (its findings come from the merge)."""
    _register(Rule(rule_id, title, severity, kinds, guide, hmc_only=reason))


def make_finding(entry: Rule, ctx: PairContext, hit: Hit) -> Finding:
    return {
        "rule": entry.id,
        "severity": entry.severity,
        "title": entry.title,
        "lpar": ctx.pair.lpar,
        "source": ctx.pair.source,
        "target": ctx.pair.target,
        "subject": hit.subject,
        "message": hit.message,
        "evidence": dict(hit.evidence),
        "remediation": hit.remediation,
        "fix_key": hit.fix_key or f"{entry.id}|{hit.system}|{hit.subject}",
        "origin": "preflight",
        "hmc_codes": [],
        "hmc_messages": [],
    }


def run_pair_rules(ctx: PairContext, rules: Iterable[Rule]) -> tuple[list[Finding], list[NotChecked]]:
    """Run every pair rule that applies to the pair's kind of migration."""
    findings: list[Finding] = []
    unknown: list[NotChecked] = []
    for entry in rules:
        if entry.fn is None or not entry.applies(ctx.kind):
            continue
        reasons: list[str] = []
        for outcome in entry.fn(ctx):
            if isinstance(outcome, Unknown):
                reasons.append(outcome.reason)
            else:
                findings.append(make_finding(entry, ctx, outcome))
        for reason in dict.fromkeys(reasons):
            unknown.append({"rule": entry.id, "reason": reason})
    return findings, unknown


def run_batch_rules(contexts: Sequence[PairContext], rules: Iterable[Rule]) -> dict[tuple[str, str], list[Finding]]:
    """Findings of the batch rules, by (lpar, target)."""
    out: dict[tuple[str, str], list[Finding]] = {}
    for entry in rules:
        if entry.batch is None:
            continue
        chosen = [ctx for ctx in contexts if entry.applies(ctx.kind)]
        for ctx, hit in entry.batch(chosen):
            out.setdefault((ctx.pair.lpar, ctx.pair.target), []).append(make_finding(entry, ctx, hit))
    return out


def rule_table(rules: Iterable[Rule]) -> list[dict[str, Any]]:
    """The rules as plain data (for docs/preflight-rules.md and the module's ``rules`` return)."""
    return [
        {
            "id": r.id, "title": r.title, "severity": r.severity, "kinds": list(r.kinds), "guide": r.guide,
            "scope": "batch" if r.batch is not None else ("hmc" if r.fn is None else "pair"), "hmc_only": r.hmc_only,
        }
        for r in rules
    ]
