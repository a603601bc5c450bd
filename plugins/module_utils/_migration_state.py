# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Where many partitions are and whether they are migrating, and what that means for a request.

Reading costs one ``lssyscfg -r lpar`` per system looked at and one ``lslparmigr -r lpar`` per system
holding a requested partition, whatever the number of partitions. ``decide`` is pure.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import lslparmigr, lssyscfg
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import (
    PARTITION_FIELDS,
    MigrationRecord,
    PartitionInfo,
    SystemCapacity,
    SystemInfo,
    parse_capacity,
    parse_migrations,
    parse_partitions,
    parse_systems,
)


class Situation(str, enum.Enum):
    """What a partition's placement and migration state mean for a request to have it on a target."""

    ON_TARGET = "on_target"            # runs on the target, no migration in progress
    MIGRATING = "migrating"            # a migration is in progress: attach to it, never start another
    NEEDS_RECOVERY = "needs_recovery"  # a migration failed and waits for migrlpar -o r
    MOVABLE = "movable"                # on another system, not migrating
    NOT_FOUND = "not_found"            # on none of the systems looked at
    AMBIGUOUS = "ambiguous"            # a partition of that name on several systems, none the target


@dataclass(frozen=True)
class LparStatus:
    """The decision for one partition and the facts behind it."""

    name: str
    situation: Situation
    source: str = ""                      # the system it runs on (or migrates from)
    partition: PartitionInfo | None = None
    record: MigrationRecord | None = None
    systems: tuple[str, ...] = ()         # every system listing a partition of that name

    @property
    def kind(self) -> str:
        if self.record is not None and self.record.migration_type in ("active", "inactive", "suspended"):
            return self.record.migration_type
        return self.partition.kind if self.partition is not None else "active"

    @property
    def lpar_id(self) -> int | None:
        return self.partition.lpar_id if self.partition is not None else None

    @property
    def migrating_to(self) -> str:
        return self.record.dest_sys_name if self.record is not None else ""


@dataclass
class Survey:
    """What the HMC said: partitions and migration records per system."""

    partitions: dict[str, list[PartitionInfo]] = field(default_factory=dict)
    records: dict[str, dict[str, MigrationRecord]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)   # system -> why it could not be read

    def found(self, name: str) -> dict[str, PartitionInfo]:
        return {system: p for system, parts in self.partitions.items() for p in parts if p.name == name}


def list_systems(client: CommandRunner) -> list[SystemInfo]:
    return parse_systems(client.run(lssyscfg("sys", fields=("name", "state")), read_only=True).stdout)


def read_partitions(client: CommandRunner, system: str) -> list[PartitionInfo]:
    """All partitions of a system with one ``lssyscfg -r lpar -F name,lpar_id,state,lpar_env``."""
    return parse_partitions(system, client.run(lssyscfg("lpar", system, fields=PARTITION_FIELDS), read_only=True).stdout)


def read_migrations(client: CommandRunner, system: str, names: Sequence[str] = (), timeout: float | None = None) -> dict[str, MigrationRecord]:
    """Migration records of a system's partitions with one ``lslparmigr -r lpar`` (optionally filtered;
    the HMC then fails when a named partition is not on the system)."""
    filters = {"lpar_names": list(names)} if names else None
    return parse_migrations(system, client.run(lslparmigr("lpar", system, filters=filters), read_only=True, timeout=timeout).stdout)


def read_capacity(client: CommandRunner, system: str) -> SystemCapacity:
    return parse_capacity(system, client.run(lslparmigr("sys", system), read_only=True).stdout)


def survey(client: CommandRunner, names: Iterable[str], systems: Sequence[str] | None = None) -> Survey:
    """Read the partitions of ``systems`` (default: every system of the HMC) and the migration
    records of those holding one of ``names``. A system whose partitions cannot be listed (for
    example one that is powered off) is skipped and reported in ``Survey.skipped``."""
    wanted = set(names)
    result = Survey()
    explicit = systems is not None
    chosen = list(systems) if systems is not None else [s.name for s in list_systems(client)]
    for system in dict.fromkeys(chosen):
        try:
            result.partitions[system] = read_partitions(client, system)
        except HmcCommandError as exc:
            if explicit:
                raise
            result.skipped[system] = exc.details.message
    for system, parts in result.partitions.items():
        if any(p.name in wanted for p in parts):
            result.records[system] = read_migrations(client, system)
    return result


def _migration_side(found: dict[str, PartitionInfo], records: dict[str, MigrationRecord], test: str) -> str | None:
    """The source system of an in-progress (``test='in_progress'``) or failed migration, if any.

    During a migration the partition is listed on the source and, as a shell, on the destination;
    the source is the system whose record names another system as destination.
    """
    sides = [system for system, record in records.items() if system in found and getattr(record, test)]
    if not sides:
        return None
    for system in sides:
        if records[system].dest_sys_name and records[system].dest_sys_name != system:
            return system
    return sides[0]


def decide(name: str, target: str | None, survey_result: Survey) -> LparStatus:
    """Classify one partition; ``target`` None means no target is asked for (stop, recover)."""
    found = survey_result.found(name)
    records = {system: survey_result.records.get(system, {}).get(name) for system in found}
    known = {system: r for system, r in records.items() if r is not None}
    systems = tuple(found)
    if not found:
        return LparStatus(name, Situation.NOT_FOUND)
    for test, situation in (("in_progress", Situation.MIGRATING), ("failed", Situation.NEEDS_RECOVERY)):
        side = _migration_side(found, known, test)
        if side is not None:
            return LparStatus(name, situation, side, found[side], known[side], systems)
    shown_migrating = sorted((s for s, p in found.items() if p.migrating), key=lambda s: s == target)
    if shown_migrating:
        # The partition state says migrating but no record says so yet (or any more): hands off.
        side = shown_migrating[0]
        return LparStatus(name, Situation.MIGRATING, side, found[side], known.get(side), systems)
    if target is not None and target in found:
        return LparStatus(name, Situation.ON_TARGET, target, found[target], known.get(target), systems)
    others = [s for s in found if s != target]
    if len(others) > 1:
        return LparStatus(name, Situation.AMBIGUOUS, "", None, None, systems)
    side = others[0]
    return LparStatus(name, Situation.MOVABLE, side, found[side], known.get(side), systems)
