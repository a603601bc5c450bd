# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Typed values of an evacuation run: the plan entries it follows, per-partition overrides, its options.

A plan entry is one element of the evacuation planner's ``plan`` list (docs/evacuation_plan.md); the
run keeps the planner's output as it is (in the journal) and reads it through :class:`Entry`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import AdapterMapping

# Events of a planned migration that other migrations may wait for (plan entry ``start_after``).
END, SUSPEND = "end", "suspend"
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(text: str) -> str:
    """A file name part: characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``."""
    return SAFE_NAME.sub("_", text) or "_"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Entry:
    """One planned migration, in the planner's start order."""

    lpar: str
    source: str
    target: str
    kind: str = "active"
    lpar_id: int | None = None
    source_msp: str = ""
    dest_msp: str = ""
    order: int = 0
    start_s: float = 0.0
    end_s: float = 0.0
    start_after: tuple[tuple[str, str], ...] = ()
    memory_mb: int = 0
    predicted_mb: float = 0.0

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    @classmethod
    def from_plan(cls, item: Mapping[str, Any]) -> Entry:
        after = tuple((str(a["lpar"]), str(a.get("event") or END)) for a in item.get("start_after") or () if isinstance(a, Mapping))
        lpar_id = item.get("lpar_id")
        return cls(
            lpar=str(item["lpar"]),
            source=_text(item.get("source_system")),
            target=_text(item.get("target_system")),
            kind=_text(item.get("kind")) or "active",
            lpar_id=lpar_id if isinstance(lpar_id, int) else None,
            source_msp=_text(item.get("source_msp")),
            dest_msp=_text(item.get("dest_msp")),
            order=int(_number(item.get("order"))),
            start_s=_number(item.get("start_s")),
            end_s=_number(item.get("end_s")),
            start_after=after,
            memory_mb=int(_number(item.get("memory_mb"))),
            predicted_mb=_number(item.get("predicted_mb")),
        )


def entries_of(plan: Mapping[str, Any]) -> list[Entry]:
    """The entries of a planner output, in start order (``order``, then their position)."""
    items = [Entry.from_plan(item) for item in plan.get("plan") or () if isinstance(item, Mapping)]
    return sorted(items, key=lambda e: e.order)


@dataclass(frozen=True)
class Overrides:
    """What a migration of one partition must ask for besides the plan (the return home sets these)."""

    shared_proc_pool: str = ""
    dest_lpar_id: int | None = None
    scsi_mappings: tuple[AdapterMapping, ...] = ()
    fc_mappings: tuple[AdapterMapping, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Overrides:
        def mappings(items: Sequence[Mapping[str, Any]] | None) -> tuple[AdapterMapping, ...]:
            return tuple(
                AdapterMapping(
                    client_slot=int(m["client_slot"]),
                    dest_vios=_text(m.get("dest_vios")),
                    dest_vios_id=m.get("dest_vios_id"),
                    dest_vios_slot=m.get("dest_vios_slot"),
                    dest_fc_port=_text(m.get("dest_fc_port")),
                )
                for m in items or ()
            )

        lpar_id = data.get("dest_lpar_id")
        return cls(
            shared_proc_pool=_text(data.get("shared_proc_pool")),
            dest_lpar_id=int(lpar_id) if lpar_id is not None else None,
            scsi_mappings=mappings(data.get("virtual_scsi_mappings")),
            fc_mappings=mappings(data.get("virtual_fc_mappings")),
        )


@dataclass(frozen=True)
class HookGate:
    """Disruption groups whose members wait for the group's pre-hook, and groups with a post-hook."""

    pre: tuple[str, ...] = ()
    post: tuple[str, ...] = ()
    abort_on_failure: tuple[str, ...] = ()  # groups whose failed pre-hook keeps their members on the source


@dataclass(frozen=True)
class Options:
    """How one evacuation runs (module options, typed)."""

    source: str
    name: str
    state_dir: str
    targets: tuple[str, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # group name -> members
    hooks: HookGate = HookGate()
    overrides: Mapping[str, Overrides] = field(default_factory=dict)
    not_ready: Mapping[str, str] = field(default_factory=dict)  # partition -> why the preflight holds it back
    max_attempts: int = 3
    retry_other_target: bool = True
    recover_on_failure: bool = True
    stop_on_failure: bool = False
    deadline: float | None = None  # epoch seconds: no migration starts that would end later
    clock_scale: float = 1.0  # HMC seconds per controller second (a twin's speed factor)
    duration_scale: float = 1.0  # expected actual / predicted duration before any migration ended
    keep_shared_pool: bool = True
    max_concurrent: int | None = DEFAULT_MAX_CONCURRENT  # in all, when the policy sets no cap
    poll_interval: float = 10.0
    migration_timeout: float = 3600.0
    replan: bool = False
    lock_wait: float = 120.0
    hook_wait: float = 3600.0  # seconds a due pre-hook may stay unanswered before its group is left
    watch_pid: int | None = None
    run_token: str = ""
    manifest_path: str = ""
    restore: bool = False  # the manifest is read (the return home), never written
    postchecks: bool = True

    @property
    def file_stem(self) -> str:
        return safe_name(self.name or self.source)
