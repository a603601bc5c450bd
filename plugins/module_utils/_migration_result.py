# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The outcome of one partition's migration (or validation, stop, recovery), as returned to users."""

from __future__ import annotations

import dataclasses
import datetime
import enum
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import ErrorDetails, parse_error_text


class Status(str, enum.Enum):
    MIGRATED = "migrated"                      # moved to the target by this run (or followed to it)
    ON_TARGET = "on_target"                    # already there: nothing to do
    STARTED = "started"                        # wait=false: the HMC is carrying the migration on
    WOULD_MIGRATE = "would_migrate"            # check mode: validation passed, would migrate
    WOULD_WAIT = "would_wait"                  # check mode: a migration to the target is in progress
    VALIDATED = "validated"                    # migrlpar -o v passed
    MIGRATING = "migrating"                    # a migration is in progress (validate/stop/recover left it alone)
    STOPPED = "stopped"                        # migrlpar -o s ran
    WOULD_STOP = "would_stop"
    NOT_MIGRATING = "not_migrating"            # nothing to stop
    RECOVERED = "recovered"                    # migrlpar -o r ran for a failed migration
    WOULD_RECOVER = "would_recover"
    NOTHING_TO_RECOVER = "nothing_to_recover"
    SKIPPED = "skipped"                        # not started: another migration failed and stop_on_failure is set
    FAILED = "failed"


CHANGED = frozenset(
    {
        Status.MIGRATED,
        Status.STARTED,
        Status.STOPPED,
        Status.RECOVERED,
        Status.WOULD_MIGRATE,
        Status.WOULD_WAIT,
        Status.WOULD_STOP,
        Status.WOULD_RECOVER,
    }
)


def iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).isoformat(timespec="seconds")


@dataclass
class MigrationResult:
    """Per-partition result. ``started``/``ended`` are epoch seconds; ``to_dict`` renders them ISO 8601."""

    name: str
    source: str = ""
    target: str = ""
    kind: str = "active"
    status: Status = Status.FAILED
    source_msp: str = ""
    dest_msp: str = ""
    started: float | None = None
    ended: float | None = None
    bytes_transmitted: int | None = None
    bytes_remaining: int | None = None
    migration_state: str = ""
    attached: bool = False              # the migration was already in progress when the run began
    hscl_code: str | None = None
    message: str = ""
    hint: str | None = None
    recovered: bool = False             # a failed migration was recovered with migrlpar -o r
    recovery_message: str = ""
    command: str = ""                   # the migrlpar command that acted on this partition

    @property
    def failed(self) -> bool:
        return self.status == Status.FAILED

    @property
    def changed(self) -> bool:
        return self.status in CHANGED or self.recovered

    @property
    def duration(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return round(self.ended - self.started, 1)

    def fail(self, message: str, details: ErrorDetails | None = None) -> None:
        self.status = Status.FAILED
        self.message = message
        if details is not None:
            self.hscl_code = details.code
            self.hint = details.hint

    def fail_from_output(self, prefix: str, output: str) -> None:
        details = parse_error_text(output)
        self.fail(f"{prefix}: {details.message}" if details.message else prefix, details)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["started"] = iso(self.started)
        data["ended"] = iso(self.ended)
        data["duration"] = self.duration
        data["changed"] = self.changed
        data["failed"] = self.failed
        return data
