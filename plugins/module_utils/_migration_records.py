# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Typed records read from ``lssyscfg`` and ``lslparmigr`` for migrations, with their parsers (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_attributes, parse_fields

# migration_state values (CLI spelling of the REST enum PartitionMigrationState, hmc-cli-facts.md §3.2).
NOT_MIGRATING = "Not Migrating"
IN_PROGRESS_STATES = frozenset(
    {
        "Migration Starting",
        "Migration Waiting",
        "Migration Dispatch In Progress",
        "Migration Dispatched",
        "Migration Waiting For Retry",
        "Migration In Progress",
    }
)
FAILED_STATES = frozenset({"Migration Failed"})
COMPLETE_STATE = "Migration Complete"
STOPPED_STATE = "Migration Stopped"
# Past validation: the memory copy (or, inactive, the configuration copy) runs.
TRANSFER_STATE = "Migration In Progress"

PARTITION_FIELDS = ("name", "lpar_id", "state", "lpar_env")
KIND_BY_STATE = {"Not Activated": "inactive", "Suspended": "suspended"}
MIGRATING_PREFIX = "Migrating - "


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class SystemInfo:
    """One line of ``lssyscfg -r sys -F name,state``."""

    name: str
    state: str


@dataclass(frozen=True)
class PartitionInfo:
    """One line of ``lssyscfg -r lpar -m SYS -F name,lpar_id,state,lpar_env``."""

    system: str
    name: str
    lpar_id: int | None
    state: str
    env: str

    @property
    def is_vios(self) -> bool:
        return self.env == "vioserver"

    @property
    def migrating(self) -> bool:
        return self.state.startswith(MIGRATING_PREFIX)

    @property
    def kind(self) -> str:
        """active, inactive or suspended: the kind of migration this partition state leads to."""
        state = self.state[len(MIGRATING_PREFIX):] if self.migrating else self.state
        return KIND_BY_STATE.get(state, "active")


@dataclass(frozen=True)
class MigrationRecord:
    """One line of ``lslparmigr -r lpar -m SYS`` (extra attributes exist only during or after a migration)."""

    system: str
    name: str
    lpar_id: int | None
    migration_state: str
    migration_type: str = ""
    dest_sys_name: str = ""
    dest_lpar_id: int | None = None
    source_msp: str = ""
    dest_msp: str = ""
    bytes_transmitted: int | None = None
    bytes_remaining: int | None = None

    @property
    def in_progress(self) -> bool:
        return self.migration_state in IN_PROGRESS_STATES

    @property
    def failed(self) -> bool:
        return self.migration_state in FAILED_STATES

    @property
    def transferring(self) -> bool:
        return self.migration_state == TRANSFER_STATE


@dataclass(frozen=True)
class SystemCapacity:
    """``lslparmigr -r sys``: concurrent migrations supported and in progress, active and inactive."""

    system: str
    active_supported: int
    active_in_progress: int
    inactive_supported: int
    inactive_in_progress: int

    def free(self, kind: str) -> int:
        if kind == "inactive":
            return self.inactive_supported - self.inactive_in_progress
        return self.active_supported - self.active_in_progress

    def in_progress(self, kind: str) -> int:
        return self.inactive_in_progress if kind == "inactive" else self.active_in_progress

    def supported(self, kind: str) -> int:
        return self.inactive_supported if kind == "inactive" else self.active_supported


def parse_systems(text: str) -> list[SystemInfo]:
    return [SystemInfo(r["name"], r["state"]) for r in parse_fields(text, ("name", "state"))]


def parse_partitions(system: str, text: str) -> list[PartitionInfo]:
    return [
        PartitionInfo(system, r["name"], _int(r["lpar_id"]), r["state"], r["lpar_env"])
        for r in parse_fields(text, PARTITION_FIELDS)
    ]


def record_from_attributes(system: str, attrs: dict[str, str]) -> MigrationRecord:
    def text(name: str) -> str:
        value = attrs.get(name, "")
        return "" if value in ("unavailable", "none", "null") else value

    return MigrationRecord(
        system=system,
        name=attrs.get("name", attrs.get("lpar_name", "")),
        lpar_id=_int(attrs.get("lpar_id")),
        migration_state=attrs.get("migration_state", NOT_MIGRATING),
        migration_type=text("migration_type"),
        dest_sys_name=text("dest_sys_name"),
        dest_lpar_id=_int(attrs.get("dest_lpar_id")),
        source_msp=text("source_msp_name"),
        dest_msp=text("dest_msp_name"),
        bytes_transmitted=_int(attrs.get("bytes_transmitted")),
        bytes_remaining=_int(attrs.get("bytes_remaining")),
    )


def parse_migrations(system: str, text: str) -> dict[str, MigrationRecord]:
    """``lslparmigr -r lpar`` default output, keyed by partition name."""
    records = (record_from_attributes(system, attrs) for attrs in parse_attributes(text))
    return {r.name: r for r in records}


def parse_capacity(system: str, text: str) -> SystemCapacity:
    """``lslparmigr -r sys`` default output; a missing counter reads as 0."""
    found = parse_attributes(text)
    attrs = found[0] if found else {}

    def number(name: str) -> int:
        return _int(attrs.get(name)) or 0

    return SystemCapacity(
        system=system,
        active_supported=number("num_active_migrations_supported"),
        active_in_progress=number("num_active_migrations_in_progress"),
        inactive_supported=number("num_inactive_migrations_supported"),
        inactive_in_progress=number("num_inactive_migrations_in_progress"),
    )
