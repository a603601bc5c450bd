# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The evacuation record: what one evacuation of one source system planned, did and left behind.

The record is plain JSON data (these TypedDicts only name its shape); docs/report.md describes every
field. ``started`` and ``ended`` are ISO 8601 timestamps in UTC. Every other time in the record
(``start``, ``end``, ``predicted_start``, ``predicted_end``, phase bounds, sample ``t``) is in seconds
relative to ``started``. Byte counts are bytes; the renderers show binary units (GiB, MiB/s).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

RECORD_FORMAT = 1

# Migration outcomes as the report counts them.
MOVED, FAILED, RECOVERED, SKIPPED, LEFT = "moved", "failed", "recovered", "skipped", "left"
STATES = (MOVED, FAILED, RECOVERED, SKIPPED, LEFT)
KINDS = ("active", "inactive", "suspended")
# The lower-bound terms (lpm-model §2.6); ``bottleneck`` names the one equal to ``value``.
LB_TERMS = ("lb_src", "lb_dst", "lb_long", "lb_slot")


class LowerBound(TypedDict):
    """No schedule can evacuate the source faster than ``value`` seconds (max of the four terms)."""

    value: float
    lb_src: float  # total bytes over the source MSPs' egress
    lb_dst: float  # busiest destination's bytes over its ingress
    lb_long: float  # longest single migration at its best rate
    lb_slot: float  # slot-time over the concurrency cap
    bottleneck: str  # one of LB_TERMS


class PlanEntry(TypedDict):
    lpar: str
    target: str
    source_msp: str
    dest_msp: str
    predicted_start: float
    predicted_end: float
    bytes: int  # bytes the model expects on the wire


class Plan(TypedDict):
    eta_seconds: float  # predicted makespan
    lb: LowerBound | None
    entries: list[PlanEntry]


class Phase(TypedDict):
    """An interval in which the HMC showed one migration_state (see ``_report_progress``)."""

    name: str
    start: float
    end: float


class Sample(TypedDict):
    t: float
    bytes_transmitted: int | None
    bytes_remaining: int | None


class MigrationEntry(TypedDict):
    lpar: str
    source: str
    target: str
    kind: str  # one of KINDS
    source_msp: str
    dest_msp: str
    start: float | None  # None: never started (skipped, left)
    end: float | None
    duration: float | None
    bytes: int | None  # bytes transmitted, as the HMC reported them
    state: str  # one of STATES
    code: str | None  # HSCL code of a failure
    message: str
    hint: str | None
    phases: list[Phase]
    samples: list[Sample]


class Unmovable(TypedDict):
    """A partition the planner could not place anywhere; ``reason`` is the planner's code."""

    lpar: str
    reason: str
    detail: str


class Left(TypedDict):
    """A partition still on the source system when the evacuation ended, and why."""

    lpar: str
    reason: str  # see LEFT_REASONS
    detail: str


LEFT_REASONS = ("excluded", "inactive_policy", "unmovable", "failed", "recovered", "skipped", "deadline", "hook_failed", "not_planned")


class Postcheck(TypedDict):
    lpar: str
    check: str
    ok: bool
    detail: str


class EvacuationRecord(TypedDict):
    format: NotRequired[int]  # RECORD_FORMAT
    name: NotRequired[str]  # the maintenance window's name, when there is one
    source_system: str
    targets: list[str]
    started: str
    ended: str | None
    plan: Plan | None
    migrations: list[MigrationEntry]
    unmovable: list[Unmovable]
    left: list[Left]
    postchecks: list[Postcheck]
    manifest_path: str | None
