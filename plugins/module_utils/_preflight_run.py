# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""A preflight run: facts, pairs, our rules, the HMC validation, the merge, verdicts and the fix list.

Facts come from the HMC (only the systems involved are read) or from estates given by the caller.
With a connection, preflight also reads its extra facts for the systems that HMC manages and runs
``migrlpar -o v`` for every pair whose source system it manages.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Client, Runner
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import Pair, PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_extras import Scope, gather_extras
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_hmcval import Job, Outcome, validate_all
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_live import gather_involved
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_merge import merge
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_model import Finding, HmcValidation, NotChecked, PairResult
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rank import counts, fix_lines, rank_fixes, sort_findings, summary_lines
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import RULES, run_batch_rules, run_pair_rules
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules import ALREADY_THERE, all_rules


@dataclass(frozen=True)
class PreflightOptions:
    host: str  # the HMC connected to (or that would be)
    lpars: tuple[str, ...]
    targets: tuple[str, ...]
    hmc_validation: bool = True
    remote_user: str = "hscroot"
    workers: int = 8
    validation_timeout: float | None = None
    target_disks: str = "needed"  # which target VIOS disks to read: needed or all (_preflight_disks)


def build_pairs(facts: Facts, options: PreflightOptions) -> list[PairContext]:
    """One context per partition x target, in the order given. Unknown or ambiguous names are input errors."""
    problems: list[str] = []
    located = {}
    for name in options.lpars:
        found = facts.locate(name)
        if len(found) == 1:
            located[name] = found[0]
        else:
            where = ", ".join(system["name"] for system, _partition in found)
            problems.append(f"partition {name} is on several systems ({where})" if found else f"partition {name} is not in the facts")
    targets = {}
    for ref in options.targets:
        system = facts.system(ref)
        if system is None:
            problems.append(f"target system {ref} is not in the facts")
        else:
            targets[ref] = system
    if problems:
        raise HmcInputError("; ".join(problems) + f" (systems known: {', '.join(sorted(facts.systems)) or 'none'})")
    contexts = []
    for name in options.lpars:
        src, lpar = located[name]
        for ref in options.targets:
            dst = targets[ref]
            contexts.append(PairContext(facts, Pair(name, src["name"], dst["name"]), lpar, src, dst, options.remote_user))
    return contexts


def scope_for(facts: Facts, contexts: Sequence[PairContext], options: PreflightOptions) -> Scope:
    """The extra facts to read on the HMC ``options.host``: only systems it manages."""
    scope = Scope(options.host, remote_user=options.remote_user, target_disks=options.target_disks)
    for ctx in contexts:
        src, dst = ctx.pair.source, ctx.pair.target
        if src == dst:
            continue
        if facts.hmc_name(src) == options.host:
            scope.sources.setdefault(src, [])
            if ctx.name not in scope.sources[src]:
                scope.sources[src].append(ctx.name)
            if ctx.remote and facts.hmc_name(dst) not in scope.remotes:
                scope.remotes.append(facts.hmc_name(dst))
        if facts.hmc_name(dst) == options.host and dst not in scope.targets:
            scope.targets.append(dst)
    return scope


def jobs_for(facts: Facts, contexts: Sequence[PairContext], options: PreflightOptions) -> tuple[list[Job], dict[tuple[str, str], str]]:
    """Validation jobs for the pairs whose source the connected HMC manages, and why the others get none."""
    jobs, skipped = [], {}
    for ctx in contexts:
        key = (ctx.pair.lpar, ctx.pair.target)
        if ctx.pair.source == ctx.pair.target:
            skipped[key] = "the partition already runs on the target"
        elif facts.hmc_name(ctx.pair.source) != options.host:
            skipped[key] = f"the source system is managed by {facts.hmc_name(ctx.pair.source)}, not by {options.host}"
        else:
            remote = facts.hmc_name(ctx.pair.target) if ctx.remote else ""
            jobs.append(Job(ctx.name, ctx.lpar["id"], ctx.pair.source, ctx.pair.target, remote, options.remote_user if remote else ""))
    return jobs, skipped


def _evaluate(contexts: Sequence[PairContext]) -> dict[tuple[str, str], tuple[list[Finding], list[NotChecked]]]:
    rules = all_rules()
    moving = [ctx for ctx in contexts if ctx.pair.source != ctx.pair.target]
    batch = run_batch_rules(moving, rules)
    out = {}
    for ctx in contexts:
        key = (ctx.pair.lpar, ctx.pair.target)
        chosen = [RULES[ALREADY_THERE]] if ctx.pair.source == ctx.pair.target else rules
        findings, unknown = run_pair_rules(ctx, chosen)
        out[key] = (findings + batch.get(key, []), unknown)
    return out


def _failed_validation(ctx: PairContext, validation: HmcValidation) -> Finding:
    return {
        "rule": "HMC-FAILED", "severity": "error", "title": "The HMC validation could not be run", "lpar": ctx.name,
        "source": ctx.pair.source, "target": ctx.pair.target, "subject": ctx.name, "message": validation["reason"] or "no answer",
        "evidence": {"command": validation["command"]}, "remediation": "check the HMC connection and run the preflight again",
        "fix_key": f"HMC-FAILED|{ctx.pair.source}", "origin": "hmc", "hmc_codes": [], "hmc_messages": [],
    }


def _not_run(reason: str) -> HmcValidation:
    return {"ran": False, "command": None, "rc": None, "seconds": None, "reason": reason, "output": None}


def assemble(contexts: Sequence[PairContext], evaluated: dict[tuple[str, str], tuple[list[Finding], list[NotChecked]]],
             outcomes: dict[tuple[str, str], Outcome], skipped: dict[tuple[str, str], str]) -> list[PairResult]:
    pairs: list[PairResult] = []
    for ctx in contexts:
        key = (ctx.pair.lpar, ctx.pair.target)
        findings, unknown = evaluated[key]
        outcome = outcomes.get(key)
        if outcome is not None:
            validation = outcome.validation
            findings = merge(findings, outcome.messages, ctx.name, ctx.pair.source, ctx.pair.target, RULES)
            if not validation["ran"] and validation["command"] is not None:
                findings.append(_failed_validation(ctx, validation))
        else:
            validation = _not_run(skipped.get(key, "hmc_validation is false"))
            unknown = unknown + [{"rule": r.id, "reason": f"only the HMC validation checks this: {r.hmc_only}"}
                                 for r in RULES.values() if r.hmc_only and r.applies(ctx.kind) and ctx.pair.source != ctx.pair.target]
        findings = sort_findings(findings)
        tally = counts(findings)
        pairs.append({
            "lpar": ctx.name, "source": ctx.pair.source, "target": ctx.pair.target, "kind": ctx.kind, "ready": tally["error"] == 0,
            "errors": tally["error"], "warnings": tally["warning"], "infos": tally["info"], "findings": findings, "not_checked": unknown,
            "hmc_validation": validation,
        })
    return pairs


def report(pairs: list[PairResult], facts: Facts, commands: list[str], stats: dict[str, Any]) -> dict[str, Any]:
    fixes = rank_fixes(pairs)
    ready = [p for p in pairs if p["ready"]]
    return {
        "ready": len(ready) == len(pairs),
        "pairs": pairs,
        "fixes": fixes,
        "summary": {
            "pairs": len(pairs), "ready": len(ready), "not_ready": len(pairs) - len(ready),
            "errors": sum(p["errors"] for p in pairs), "warnings": sum(p["warnings"] for p in pairs), "infos": sum(p["infos"] for p in pairs),
            "fixes": len(fixes),
        },
        "summary_lines": summary_lines(pairs),
        "fix_lines": fix_lines(fixes),
        "fact_warnings": list(dict.fromkeys(facts.warnings + facts.extras["warnings"])),
        "commands": commands,
        "stats": stats,
    }


@dataclass
class Prepared:
    """The facts of a run, its pairs, and what reading them cost."""

    facts: Facts
    contexts: list[PairContext]
    commands: list[str]
    stats: dict[str, Any]


def prepare(client: Client | None, options: PreflightOptions, estates: list[EstateFacts] | None = None) -> Prepared:
    """Facts (gathered, or the estates given, plus the extra facts when connected) and the pairs."""
    started = time.monotonic()
    commands: list[str] = []
    stats: dict[str, Any] = {}
    if estates is None:
        if client is None:
            raise HmcInputError("without an estate, preflight needs an HMC connection")
        gathered, located = gather_involved(client, options.host, options.lpars, options.targets, options.workers)
        commands += located + gathered.commands
        stats["gather"] = gathered.stats
        estates = [gathered.estate]
    facts = Facts.from_estates(estates)
    contexts = build_pairs(facts, options)
    if client is not None:
        extras_started = time.monotonic()
        runner = Runner(client, options.workers)
        host_major = next((facts.hmc_of[s]["major"] for s in facts.systems if facts.hmc_name(s) == options.host), None)
        gather_extras(runner, facts, scope_for(facts, contexts, options), host_major, contexts)
        commands += runner.commands
        stats.update(extras_commands=len(runner.commands), extras_seconds=round(time.monotonic() - extras_started, 3))
    stats["facts_seconds"] = round(time.monotonic() - started, 3)
    return Prepared(facts, contexts, commands, stats)


def run(client: Client | None, options: PreflightOptions, estates: list[EstateFacts] | None = None) -> dict[str, Any]:
    """The whole preflight. ``client`` None: only the given estates, no extra facts, no HMC validation."""
    started = time.monotonic()
    prepared = prepare(client, options, estates)
    facts, contexts, commands, stats = prepared.facts, prepared.contexts, prepared.commands, prepared.stats
    rules_started = time.monotonic()
    evaluated = _evaluate(contexts)
    stats["rules_seconds"] = round(time.monotonic() - rules_started, 3)
    outcomes: dict[tuple[str, str], Outcome] = {}
    skipped: dict[tuple[str, str], str] = {}
    if options.hmc_validation and client is not None:
        validation_started = time.monotonic()
        jobs, skipped = jobs_for(facts, contexts, options)
        for outcome in validate_all(client, jobs, options.workers, options.validation_timeout):
            outcomes[(outcome.job.lpar, outcome.job.target)] = outcome
            if outcome.validation["command"]:
                commands.append(outcome.validation["command"])
        stats.update(validations=len(jobs), validation_seconds=round(time.monotonic() - validation_started, 3))
    elif options.hmc_validation:
        skipped = {(c.pair.lpar, c.pair.target): "no HMC connection" for c in contexts}
    pairs = assemble(contexts, evaluated, outcomes, skipped)
    stats.update(pairs=len(pairs), commands=len(commands), seconds=round(time.monotonic() - started, 3),
                 connections=getattr(client, "connections_opened", 0) if client is not None else 0)
    return report(pairs, facts, commands, stats)
