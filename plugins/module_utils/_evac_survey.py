# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Where the planned partitions are now, read from the HMC at the start of a run.

One ``lssyscfg -r lpar`` per system (source and targets) and one ``lslparmigr -r lpar`` per system
holding a planned partition, plus the source's. With the journal this decides what a rerun does:
a partition on a target has moved; one migrating is followed, never sent again; one whose migration
failed is recovered first; one on the source waits for its turn. A migration in progress from the
source that this evacuation did not send means someone else is moving partitions: the run refuses.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import MigrationRecord, PartitionInfo
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import Situation, Survey, decide, read_migrations, survey


class Where(str, enum.Enum):
    ON_SOURCE = "on_source"
    MIGRATING = "migrating"
    NEEDS_RECOVERY = "needs_recovery"
    MOVED = "moved"
    MISSING = "missing"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Placement:
    lpar: str
    where: Where
    system: str = ""  # where it runs, or the source of its migration
    dest: str = ""  # the destination of its migration in progress (or failed)
    partition: PartitionInfo | None = None
    record: MigrationRecord | None = None

    @property
    def kind(self) -> str:
        if self.record is not None and self.record.migration_type in ("active", "inactive", "suspended"):
            return self.record.migration_type
        return self.partition.kind if self.partition is not None else "active"


def read(client: CommandRunner, names: Iterable[str], source: str, systems: Sequence[str]) -> Survey:
    """Partitions of ``systems`` (source first) and migration records, the source's always."""
    found = survey(client, list(names), [source, *[s for s in systems if s != source]])
    if source not in found.records:
        found.records[source] = read_migrations(client, source)
    return found


def place(name: str, source: str, found: Survey) -> Placement:
    status = decide(name, None, found)
    if status.situation == Situation.NOT_FOUND:
        return Placement(name, Where.MISSING)
    if status.situation == Situation.AMBIGUOUS:
        return Placement(name, Where.AMBIGUOUS)
    dest = status.record.dest_sys_name if status.record is not None else ""
    if status.situation == Situation.MIGRATING:
        return Placement(name, Where.MIGRATING, status.source, dest, status.partition, status.record)
    if status.situation == Situation.NEEDS_RECOVERY:
        return Placement(name, Where.NEEDS_RECOVERY, status.source, dest, status.partition, status.record)
    where = Where.ON_SOURCE if status.source == source else Where.MOVED
    return Placement(name, where, status.source, "", status.partition, status.record)


def foreign_migrations(found: Survey, source: str, ours: Iterable[str]) -> list[str]:
    """Partitions migrating from ``source`` now that this evacuation did not send (sorted)."""
    mine = set(ours)
    busy = {name for name, record in found.records.get(source, {}).items() if record.in_progress}
    busy |= {p.name for p in found.partitions.get(source, []) if p.migrating}
    return sorted(busy - mine)


def on_system(found: Survey, system: str) -> list[PartitionInfo]:
    return list(found.partitions.get(system, []))
