# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The faults of the fault matrix and the invariants every run under a fault must keep.

A :class:`FaultCase` arms one twin fault, either before the run or - for faults that act at once when
armed (an HMC restart, capacity taken) - from a thread as soon as a partition is migrating. The
invariants are read from the twin's state and command log, never from the module's own account.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conftest import HMC_USER, Twin

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
ARM_TIMEOUT = 240.0  # an evacuation reads facts and plans before its first migration


@dataclass(frozen=True)
class FaultCase:
    """One fault class of the twin: the ``hmcsim ctl fault arm`` arguments and when to arm it."""

    name: str
    kind: str
    options: dict[str, str] = field(default_factory=dict)
    mid_run: bool = False  # arm once a partition is migrating (faults that act when armed)
    expect_failure: bool = False  # the first run must report a failure
    speed: str = "300"  # the twin's clock speed; slower for faults armed mid-run, so that a migration is seen running

    def argv(self) -> list[str]:
        args = ["fault", "arm", self.kind]
        for key, value in self.options.items():
            args += [f"--{key}", value]
        return args


def _migrating(twin: Twin, systems: Iterable[str]) -> bool:
    for system in systems:
        argv = ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]
        if "Migrating" in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)):
            return True
    return False


class Arming:
    """Arms a case's fault now, or from a thread once a migration runs (``join`` then tells whether it fired)."""

    def __init__(self, twin: Twin, case: FaultCase, systems: Iterable[str] = (P750, P740)) -> None:
        self.twin, self.case, self.systems = twin, case, list(systems)
        self.armed = threading.Event()
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if case.mid_run:
            self._thread = threading.Thread(target=self._wait_and_arm, daemon=True)
            self._thread.start()
        else:
            twin.ctl(*case.argv())
            self.armed.set()

    def _wait_and_arm(self) -> None:
        deadline = time.monotonic() + ARM_TIMEOUT
        try:
            while time.monotonic() < deadline:
                if _migrating(self.twin, self.systems):
                    self.twin.ctl(*self.case.argv())
                    self.armed.set()
                    return
                time.sleep(0.05)
        except BaseException as exc:  # pylint: disable=broad-exception-caught
            self.error = exc

    def join(self) -> bool:
        if self._thread is not None:
            self._thread.join(ARM_TIMEOUT + 5)
        if self.error is not None:
            raise self.error
        return self.armed.is_set()


def placement(twin: Twin, lpars: Iterable[str], systems: Iterable[str] = (P750, P740)) -> dict[str, list[tuple[str, str]]]:
    """Every named partition and the (system, state) pairs it is listed with, read with lssyscfg."""
    wanted = set(lpars)
    where: dict[str, list[tuple[str, str]]] = {name: [] for name in wanted}
    for system in systems:
        argv = ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]
        for line in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)).splitlines():
            name, _sep, state = line.partition(",")
            if name in wanted:
                where[name].append((system, state))
    return where


def running_once(where: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Violations of "every partition is Running on exactly one system"."""
    return [f"{name}: {places}" for name, places in sorted(where.items()) if len(places) != 1 or places[0][1] != "Running"]


def _lpar(argv: list[str]) -> str:
    return argv[argv.index("-p") + 1] if "-p" in argv else ""


def duplicate_migrations(log: list[dict[str, Any]]) -> list[str]:
    """Violations of "no second ``migrlpar -o m`` for a partition while one is in flight, and none after a success".

    A command is in flight from its start (``time``) until it ends (``time + duration``, in simulated
    seconds); one that never ended (no rc) is in flight for ever.
    """
    by_lpar: dict[str, list[dict[str, Any]]] = {}
    for entry in log:
        if entry["argv"][:3] == ["migrlpar", "-o", "m"]:
            by_lpar.setdefault(_lpar(entry["argv"]), []).append(entry)
    problems = []
    for name, entries in sorted(by_lpar.items()):
        entries.sort(key=lambda e: e["seq"])
        for first, second in zip(entries, entries[1:]):
            end = float("inf") if first.get("rc") is None else first["time"] + first.get("duration", 0.0)
            if first.get("rc") == 0:
                problems.append(f"{name}: migrlpar -o m #{second['seq']} after #{first['seq']} had succeeded")
            elif second["time"] < end:
                problems.append(f"{name}: migrlpar -o m #{second['seq']} while #{first['seq']} was in flight")
    return problems


def unexplained_failures(result: dict[str, Any]) -> list[str]:
    """Violations of "every failure is reported with its HSCL code and a hint"."""
    problems = []
    for entry in result.get("results", []):
        if entry.get("status") != "failed":
            continue
        if not entry.get("hscl_code"):
            problems.append(f"{entry.get('name')}: failed without an HSCL code: {entry.get('message')!r}")
        if not entry.get("hint"):
            problems.append(f"{entry.get('name')}: failed without a hint: {entry.get('message')!r}")
    return problems
