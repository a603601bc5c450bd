# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Preflight test support: recorded twin transcripts (fixtures/preflight) replayed, and the healthy facts.

The healthy facts are the seed lab as a live preflight reads it (estate of both systems plus the
extra facts, all partitions of the p750 against the p740). Rule tests copy them, break one thing,
and run one rule.
"""

from __future__ import annotations

import copy
import functools
import json
import pathlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import PartitionFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import Pair, PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_hmcval import Message
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_merge import merge
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import Finding, NotChecked
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import RULES, run_batch_rules, run_pair_rules
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules import all_rules
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import PreflightOptions, prepare
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import ReplayClient

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "preflight"
HOST = "bpichmc"
P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
CLIENTS = ("b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1", "b750nim")


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def replay_client(name: str, **kwargs: Any) -> ReplayClient:
    data = load_fixture(name)
    return ReplayClient({entry["command"]: entry for entry in data["entries"]}, **kwargs)


def options(lpars: tuple[str, ...] = ("b750nl2",), targets: tuple[str, ...] = (P740,), **kwargs: Any) -> PreflightOptions:
    return PreflightOptions(host=HOST, lpars=lpars, targets=targets, **kwargs)


@functools.lru_cache(maxsize=1)
def _healthy() -> Facts:
    return prepare(replay_client("seed-lab"), options(CLIENTS)).facts


def healthy_facts() -> Facts:
    """A fresh copy of the seed lab's facts (safe to change)."""
    return copy.deepcopy(_healthy())


def partition(facts: Facts, system: str, name: str) -> PartitionFacts:
    return facts.systems[system]["partitions"][name]


def context(facts: Facts, lpar: str = "b750nl2", target: str = P740) -> PairContext:
    found = facts.locate(lpar)
    src, part = next((s, p) for s, p in found if s["name"] != target) if len(found) > 1 else found[0]
    return PairContext(facts, Pair(lpar, src["name"], target), part, src, facts.systems[target])


def check(facts: Facts, rule_id: str, lpar: str = "b750nl2", target: str = P740) -> tuple[list[Finding], list[NotChecked]]:
    """Run one pair rule on one pair."""
    return run_pair_rules(context(facts, lpar, target), [RULES[rule_id]])


def check_batch(facts: Facts, rule_id: str, lpars: tuple[str, ...], target: str = P740) -> dict[tuple[str, str], list[Finding]]:
    return run_batch_rules([context(facts, lpar, target) for lpar in lpars], [RULES[rule_id]])


def pair_rule_ids() -> list[str]:
    return [r.id for r in all_rules() if r.fn is not None]


def broken(mutate: Callable[[Facts], Any]) -> Facts:
    facts = healthy_facts()
    mutate(facts)
    return facts


@dataclass(frozen=True)
class Case:
    """A rule broken on purpose: ``mutate`` breaks the healthy facts, the finding must show ``evidence`` and ``remediation``.

    ``lpars`` has several partitions for batch rules. ``hmc`` (code, severity) marks a rule only the HMC
    validation can check: its case is an HMC message instead of a mutation.
    """

    mutate: Callable[[Facts], Any] | None
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str = ""
    lpars: tuple[str, ...] = ("b750nl2",)
    target: str = P740
    healthy: tuple[str, ...] = ("b750nl2",)  # pairs (with ``target``) on which the rule stays silent
    hmc: tuple[str, str] | None = None


def set_in(facts: Facts, system: str, lpar: str, path: str, value: Any) -> None:
    """Set ``facts.systems[system].partitions[lpar].<path>`` (dotted) to ``value``."""
    node: Any = partition(facts, system, lpar)
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def extras_of(facts: Facts, system: str, lpar: str) -> dict[str, Any]:
    return facts.extras["systems"][system]["partitions"][lpar]  # type: ignore[return-value]


def _one_rule_findings(facts: Facts, rule_id: str, case: Case, lpar: str) -> list[Finding]:
    if RULES[rule_id].batch is not None:
        return [f for found in check_batch(facts, rule_id, case.lpars, case.target).values() for f in found if f["lpar"] == lpar]
    return check(facts, rule_id, lpar, case.target)[0]


def verify(rule_id: str, case: Case) -> Finding:
    """The rule is silent on the healthy facts and fires on the broken ones; returns the first finding."""
    entry = RULES[rule_id]
    if case.hmc is not None:
        code, severity = case.hmc
        message = Message(code, severity, f"{code} recorded text about b750nl2")
        (finding,) = merge([], [message], "b750nl2", P750, case.target, RULES)
        assert entry.fn is None and entry.hmc_only
        assert (finding["rule"], finding["origin"], finding["hmc_codes"]) == (rule_id, "hmc", [code])
        assert finding["severity"] == severity
        return finding
    healthy = healthy_facts()
    for lpar in case.healthy:
        assert _one_rule_findings(healthy, rule_id, case, lpar) == [], f"{rule_id} fires on the healthy {lpar}"
    assert case.mutate is not None
    facts = broken(case.mutate)
    found = _one_rule_findings(facts, rule_id, case, case.lpars[0])
    assert found, f"{rule_id} does not fire on the broken estate"
    finding = found[0]
    assert finding["rule"] == rule_id and finding["severity"] == entry.severity
    assert (finding["lpar"], finding["target"]) == (case.lpars[0], case.target)
    for key, value in case.evidence.items():
        assert finding["evidence"].get(key) == value, (key, finding["evidence"])
    assert case.remediation in finding["remediation"], finding["remediation"]
    assert finding["fix_key"] and finding["origin"] == "preflight"
    return finding
