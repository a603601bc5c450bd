# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The shape of a preflight report: findings per partition x target pair, verdicts and the fix list.

Everything is plain JSON data so the ``preflight`` module can return it and the role can write it
to a file unchanged. docs/preflight-rules.md describes the rule IDs.
"""

from __future__ import annotations

from typing import Any, TypedDict

SEVERITIES = ("error", "warning", "info")
# The migration a partition's state calls for: Running -> active, Not Activated -> inactive.
KINDS = ("active", "inactive", "suspended")
KIND_OF_STATE = {"Running": "active", "Not Activated": "inactive", "Suspended": "suspended"}

# Where a finding comes from: our rules, the HMC's own validation, or both (deduplicated).
ORIGINS = ("preflight", "hmc", "both")


class Finding(TypedDict):
    """One problem (or note) for one partition and one target system."""

    rule: str  # LPM-XXX-NNN for our rules, HMC-<code> for HMC messages no rule of ours covers
    severity: str  # one of SEVERITIES
    title: str
    lpar: str
    source: str
    target: str
    subject: str  # what the problem is about: the partition, "VIOS hdisk", a system, ...
    message: str
    evidence: dict[str, Any]  # the values seen
    remediation: str
    fix_key: str  # findings with the same key are fixed by the same action
    origin: str  # one of ORIGINS
    hmc_codes: list[str]  # HSCL codes of the HMC messages merged into this finding
    hmc_messages: list[str]


class NotChecked(TypedDict):
    """A rule that could not be decided from the facts for a pair, and why."""

    rule: str
    reason: str


class HmcValidation(TypedDict):
    """What ``migrlpar -o v`` said for one pair (``ran`` False when it was not run)."""

    ran: bool
    command: str | None
    rc: int | None
    seconds: float | None
    reason: str | None  # why it did not run, or why its answer could not be used
    output: str | None


class PairResult(TypedDict):
    """The verdict for moving one partition to one target system."""

    lpar: str
    source: str
    target: str
    kind: str | None  # active, inactive, suspended; None when the state allows no migration
    ready: bool
    errors: int
    warnings: int
    infos: int
    findings: list[Finding]
    not_checked: list[NotChecked]
    hmc_validation: HmcValidation


class Fix(TypedDict):
    """One action of the ranked fix list and the pairs it helps."""

    rank: int
    fix_key: str
    severity: str
    rule: str
    title: str
    subject: str
    remediation: str
    pairs: list[str]  # "lpar -> target"
    pairs_affected: int  # pairs where this fix removes a problem of this severity
    pairs_ready_after: int  # not-ready pairs this fix alone makes ready


def pair_label(lpar: str, target: str) -> str:
    return f"{lpar} -> {target}"
