# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Running the read-only commands of an estate gathering: once each, in parallel, counted.

A Listing is an HMC ``ls*`` command with an explicit ``-F`` list. Its optional fields are ones that
older HMC releases do not know; when the HMC answers "The invalid attribute is X" for an optional X,
the listing is run again without X (and the fields it could not read are None in the facts).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError, HmcParseError, parse_error_text
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_fields

_INVALID_ATTR_RE = re.compile(r"[Tt]he invalid attribute is\s+([A-Za-z0-9_]+)")
T = TypeVar("T")
R = TypeVar("R")


class Client(Protocol):
    """What the gathering needs from HmcClient."""

    connections_opened: int

    def run(self, argv: Sequence[str], *, read_only: bool = False, timeout: float | None = None, check: bool = True) -> CommandResult: ...


@dataclass(frozen=True)
class Listing:
    """An HMC listing: ``build(fields)`` returns the argv for a ``-F`` list.

    ``min_major``/``max_major`` map optional fields to the HMC major versions that know them, so
    they are not even asked for on other releases. ``empty_codes`` are HSCL codes that mean
    "nothing of this kind here" (HSCLA4C0: no virtual FC on this system) rather than a failure.
    """

    key: str
    build: Callable[[Sequence[str]], list[str]]
    fields: tuple[str, ...]
    optional: tuple[str, ...] = ()
    min_major: dict[str, int] = field(default_factory=dict)
    max_major: dict[str, int] = field(default_factory=dict)
    empty_codes: tuple[str, ...] = ()

    def wanted(self, major: int | None) -> list[str]:
        """Fields to ask for on an HMC of this major version (all when the version is unknown)."""
        chosen = list(self.fields)
        for name in self.optional:
            if major is not None and (major < self.min_major.get(name, 0) or major > self.max_major.get(name, 999)):
                continue
            chosen.append(name)
        return chosen


@dataclass
class Fetched:
    """Records of a listing (missing optional fields are absent from the dicts), or why not."""

    records: list[dict[str, str]]
    error: str | None = None


class CommandFailed(HmcError):
    """A command of the gathering returned a non-zero status; ``text`` is its output."""

    def __init__(self, result: CommandResult) -> None:
        text = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
        super().__init__(f"{result.command} failed with rc={result.rc}: {text or '(no output)'}")
        self.result = result
        self.text = text
        self.code = parse_error_text(text).code


class Runner:
    """Runs commands through one client, records them (redacted), and runs work in parallel."""

    def __init__(self, client: Client, workers: int = 8, timeout: float | None = None) -> None:
        self.client = client
        self.workers = max(1, workers)
        self.timeout = timeout
        self.commands: list[str] = []
        self.failed = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        self.started = time.monotonic()

    def run(self, argv: Sequence[str]) -> CommandResult:
        """Run a read-only command; raise CommandFailed when it exits non-zero."""
        try:
            result = self.client.run(argv, read_only=True, timeout=self.timeout, check=False)
        except HmcError:
            with self._lock:
                self.failed += 1
            raise
        job_log: list[str] | None = getattr(self._local, "log", None)
        with self._lock:
            (self.commands if job_log is None else job_log).append(result.command)
            if result.rc != 0:
                self.failed += 1
        if result.rc != 0:
            raise CommandFailed(result)
        return result

    def listing(self, listing: Listing, major: int | None) -> Fetched:
        """Run a listing, dropping optional fields the HMC rejects. Never raises HmcCommand errors."""
        wanted = listing.wanted(major)
        while True:
            try:
                result = self.run(listing.build(wanted))
            except CommandFailed as exc:
                bad = _invalid_attribute(exc.text)
                if bad in listing.optional and bad in wanted:
                    wanted.remove(bad)
                    continue
                if exc.code is not None and exc.code in listing.empty_codes:
                    return Fetched([])
                return Fetched([], exc.message)
            except HmcError as exc:
                return Fetched([], exc.message)
            try:
                return Fetched(parse_fields(result.stdout, wanted))
            except HmcParseError as exc:
                return Fetched([], f"{result.command}: {exc.message}")

    def parallel(self, func: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``[func(item) for item in items]``, run on up to ``workers`` threads (the client limits channels).

        The commands are recorded in the order of ``items``, not in the order they finished.
        """
        todo = list(items)

        def call(item: T) -> tuple[R, list[str]]:
            self._local.log = []
            try:
                return func(item), self._local.log
            finally:
                self._local.log = None

        if len(todo) <= 1:
            done = [call(item) for item in todo]
        else:
            with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
                done = list(pool.map(call, todo))
        for _result, log in done:
            self.commands.extend(log)
        return [result for result, _log in done]

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.started, 3)


def _invalid_attribute(text: str) -> str | None:
    match = _INVALID_ATTR_RE.search(text)
    return match.group(1) if match else None
