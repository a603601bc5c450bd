# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""One thread that follows every migration of a run: one ``lslparmigr -r lpar`` per source system per round.

Workers register the partitions they migrate (``watch``); each round reads each source system once,
keeps the records, wakes workers waiting for a migration to settle and reports progress to an optional
callback. A failing read is kept as the system's error and retried next round.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_log import CommandRunner
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import MigrationRecord
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import read_migrations


READ_TIMEOUT = 60.0


@dataclass(frozen=True)
class Observation:
    """What one poll round saw of one partition on its source system."""

    generation: int
    present: bool                     # still listed on the source system
    record: MigrationRecord | None

    @property
    def settled(self) -> bool:
        """No migration in progress any more: it moved away, failed, stopped, or never began."""
        return not self.present or self.record is None or not self.record.in_progress


@dataclass(frozen=True)
class ProgressEntry:
    lpar: str
    source: str
    target: str
    migration_state: str
    bytes_transmitted: int | None
    bytes_remaining: int | None
    elapsed: float

    @property
    def percent(self) -> float | None:
        if self.bytes_transmitted is None or self.bytes_remaining is None:
            return None
        total = self.bytes_transmitted + self.bytes_remaining
        return round(100.0 * self.bytes_transmitted / total, 1) if total else None


ProgressCallback = Callable[[list[ProgressEntry]], None]


@dataclass
class _Watch:
    source: str
    target: str
    since: float


class Poller:
    """Polls the source systems of watched partitions every ``interval`` seconds until stopped."""

    def __init__(self, client: CommandRunner, interval: float, on_progress: ProgressCallback | None = None) -> None:
        self.client = client
        self.interval = max(interval, 0.01)
        # A read that hangs must not hold up the round (or stop()) for a whole command timeout.
        self.read_timeout = max(READ_TIMEOUT, 3 * self.interval)
        self.on_progress = on_progress
        self.rounds = 0
        self.errors: dict[str, str] = {}
        self._watches: dict[str, _Watch] = {}
        self._snapshots: dict[str, dict[str, MigrationRecord]] = {}
        self._generation: dict[str, int] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="lpm-poller", daemon=True)

    # ----- lifecycle -----
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    # ----- registration and reading -----
    def watch(self, lpar: str, source: str, target: str) -> None:
        with self._cond:
            self._watches[lpar] = _Watch(source, target, time.monotonic())

    def unwatch(self, lpar: str) -> None:
        with self._cond:
            self._watches.pop(lpar, None)

    def generation(self, system: str) -> int:
        with self._cond:
            return self._generation.get(system, 0)

    def observe(self, system: str, lpar: str) -> Observation | None:
        """The latest round's view of ``lpar`` on ``system`` (None before the first round)."""
        with self._cond:
            return self._observe(system, lpar)

    def _observe(self, system: str, lpar: str) -> Observation | None:
        if system not in self._snapshots:
            return None
        records = self._snapshots[system]
        return Observation(self._generation[system], lpar in records, records.get(lpar))

    def wait_settled(self, system: str, lpar: str, after: int, deadline: float, cancelled: Callable[[], bool] = lambda: False) -> Observation | None:
        """Block until a round newer than ``after`` sees ``lpar`` settled; None at ``deadline`` (monotonic)."""
        with self._cond:
            while not self._stop and not cancelled():
                seen = self._observe(system, lpar)
                if seen is not None and seen.generation > after and seen.settled:
                    return seen
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(min(remaining, 1.0))
        return None

    # ----- the loop -----
    def _loop(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
                systems = sorted({w.source for w in self._watches.values()})
            for system in systems:
                self._poll(system)
            if systems:
                self._report()
            with self._cond:
                if self._stop:
                    return
                self._cond.wait(self.interval)

    def _poll(self, system: str) -> None:
        try:
            records = read_migrations(self.client, system, timeout=self.read_timeout)
        except HmcError as exc:
            with self._cond:
                self.errors[system] = exc.message
            return
        with self._cond:
            self._snapshots[system] = records
            self._generation[system] = self._generation.get(system, 0) + 1
            self.rounds += 1
            self.errors.pop(system, None)
            self._cond.notify_all()

    def _report(self) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        with self._cond:
            entries = []
            for lpar, watch in sorted(self._watches.items()):
                seen = self._observe(watch.source, lpar)
                record = seen.record if seen is not None else None
                entries.append(
                    ProgressEntry(
                        lpar,
                        watch.source,
                        watch.target,
                        record.migration_state if record is not None else "",
                        record.bytes_transmitted if record is not None else None,
                        record.bytes_remaining if record is not None else None,
                        round(now - watch.since, 1),
                    )
                )
        self.on_progress(entries)
