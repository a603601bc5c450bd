# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A fake HMC for the migration code, answering from answers recorded on the twin.

fixtures/migration/seed-lab.json holds seed-lab's listings in four phases (idle, running, after,
recovered) and the migrlpar answers of each outcome (tests/integration_twin/record_migration_fixtures.py
records them). The fake keeps a phase per partition and builds each listing line by line from the
sample of that partition's phase, so partitions can be at different points of their migration.
``migrlpar -o m`` blocks until the test releases it (or at once), counts concurrency and moves the
partition to its outcome.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError, HmcConnectionError, HmcTimeout

SAMPLES_FILE = pathlib.Path(__file__).parent.parent / "fixtures" / "migration" / "seed-lab.json"
P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
TAGS = {P750: "p750", P740: "p740"}
PHASES = ("idle", "running", "after", "recovered")
MOVABLE = ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1"]


def load_samples() -> dict[str, dict[str, Any]]:
    return json.loads(SAMPLES_FILE.read_text(encoding="utf-8"))["samples"]


def _line_name(kind: str, line: str) -> str:
    if kind == "migr":
        return line.split(",", 1)[0].partition("=")[2]
    return line.split(",", 1)[0]


class FakeHmc:
    """Thread-safe stand-in for HmcClient.run over the recorded seed-lab answers."""

    def __init__(self, samples: dict[str, dict[str, Any]]) -> None:
        self.samples = samples
        self.lock = threading.Lock()
        self.calls: list[list[str]] = []
        self.phase: dict[str, str] = {}
        self.outcome: dict[str, str] = {}              # lpar -> done | failed | stopped (default: from the samples)
        self.gates: dict[str, threading.Event] = {}    # lpar -> released when set; absent: returns at once
        self.drop: set[str] = set()                    # lpars whose migrlpar -o m loses its channel
        self.timeout: set[str] = set()                 # lpars whose migrlpar -o m times out
        self.validate_answers: dict[str, str] = {}     # lpar -> sample name for migrlpar -o v
        self.migrate_answers: dict[str, str] = {}      # lpar -> sample name answered at once (refusals)
        self.sys_phase = "idle"
        self.in_flight = 0
        self.max_in_flight = 0
        self.started: list[str] = []
        self.triggers: list[tuple[tuple[str, ...], int, Callable[[], object]]] = []
        self.lines: dict[tuple[str, str, str], dict[str, str]] = {}
        self.order: dict[tuple[str, str], list[str]] = {}
        for system, tag in TAGS.items():
            for kind in ("lpars", "migr"):
                names: list[str] = []
                for phase in PHASES:
                    text = samples[f"{tag}_{kind}_{phase}"]["stdout"]
                    by_name = {_line_name(kind, line): line for line in text.splitlines() if line.strip()}
                    self.lines[(system, kind, phase)] = by_name
                    names += [n for n in by_name if n not in names]
                self.order[(system, kind)] = names

    # ----- test helpers -----
    def commands(self, *prefix: str) -> list[list[str]]:
        with self.lock:
            return [list(c) for c in self.calls if c[: len(prefix)] == list(prefix)]

    def count(self, *prefix: str) -> int:
        return len(self.commands(*prefix))

    def hold(self, *lpars: str) -> None:
        for lpar in lpars:
            self.gates[lpar] = threading.Event()

    def release(self, *lpars: str) -> None:
        for lpar in lpars or tuple(self.gates):
            self.gates[lpar].set()

    def on_call(self, prefix: Sequence[str], nth: int, action: Callable[[], object]) -> None:
        """Run ``action`` when the ``nth`` command starting with ``prefix`` arrives, before it is answered."""
        self.triggers.append((tuple(prefix), nth, action))

    def set_phase(self, phase: str, lpars: Iterable[str]) -> None:
        with self.lock:
            for lpar in lpars:
                self.phase[lpar] = phase

    # ----- the client interface -----
    def run(
        self,
        argv: Sequence[str],
        *,
        read_only: bool = False,
        timeout: float | None = None,
        check: bool = True,
        secrets: Iterable[str] = (),
    ) -> CommandResult:
        args = list(argv)
        with self.lock:
            self.calls.append(args)
            due = [action for prefix, nth, action in self.triggers if args[: len(prefix)] == list(prefix) and self._seen(prefix) == nth]
        for action in due:
            action()
        rc, out, err = self._answer(args)
        result = CommandResult(tuple(args), rc, out, err, 0.0)
        if check and rc != 0:
            raise HmcCommandError(shlex.join(args), rc, out, err)
        return result

    def _seen(self, prefix: tuple[str, ...]) -> int:
        return sum(1 for call in self.calls if tuple(call[: len(prefix)]) == prefix)

    def _answer(self, argv: list[str]) -> tuple[int, str, str]:
        if argv[:3] == ["lssyscfg", "-r", "sys"]:
            return self._sample("systems")
        if argv[:3] == ["lssyscfg", "-r", "lpar"]:
            return 0, self._listing(argv[4], "lpars"), ""
        if argv[:3] == ["lslparmigr", "-r", "lpar"]:
            return 0, self._listing(argv[4], "migr"), ""
        if argv[:3] == ["lslparmigr", "-r", "sys"]:
            return self._sample(f"{TAGS[argv[4]]}_sys_{self.sys_phase}")
        if argv[:1] == ["lshwres"]:
            return self._sample(f"{TAGS[argv[argv.index('-m') + 1]]}_{argv[argv.index('--rsubtype') + 1]}_clients")
        if argv[:1] == ["migrlpar"]:
            return self._migrlpar(argv[2], argv[argv.index("-p") + 1])
        raise AssertionError(f"unexpected command {shlex.join(argv)}")

    def _sample(self, name: str) -> tuple[int, str, str]:
        sample = self.samples[name]
        return sample["rc"], sample["stdout"], sample["stderr"]

    def _listing(self, system: str, kind: str) -> str:
        with self.lock:
            lines = []
            for name in self.order[(system, kind)]:
                line = self.lines[(system, kind, self.phase.get(name, "idle"))].get(name)
                if line is not None:
                    lines.append(line)
        return "\n".join(lines) + "\n"

    def _migrlpar(self, op: str, lpar: str) -> tuple[int, str, str]:
        if op == "v":
            name = self.validate_answers.get(lpar)
            return self._sample(name) if name else (0, "", "")
        if op == "r":
            self.set_phase("recovered", [lpar])
            return 0, "", ""
        if op == "s":
            with self.lock:
                self.outcome[lpar] = "stopped"
            return 0, "", ""
        return self._migrate(lpar)

    def _outcome(self, lpar: str) -> str:
        if lpar in self.outcome:
            return self.outcome[lpar]
        for outcome in ("failed", "stopped"):
            if f"migrate_{outcome}_{lpar}" in self.samples:
                return outcome
        return "done"

    def _migrate(self, lpar: str) -> tuple[int, str, str]:
        if lpar in self.migrate_answers:
            return self._sample(self.migrate_answers[lpar])
        with self.lock:
            self.started.append(lpar)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.phase[lpar] = "running"
        gate = self.gates.get(lpar)
        try:
            if lpar in self.drop:
                finisher = threading.Thread(target=self._finish_later, args=(lpar, gate), daemon=True)
                finisher.start()
                raise HmcConnectionError(f"connection lost during migrlpar -o m ... -p {lpar}")
            if lpar in self.timeout:
                raise HmcTimeout(f"migrlpar -o m ... -p {lpar} did not finish within 1 s; it may still be running on the HMC")
            if gate is not None and not gate.wait(10):
                raise AssertionError(f"{lpar}: never released")
            return self._finish(lpar)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _finish_later(self, lpar: str, gate: threading.Event | None) -> None:
        if gate is not None:
            gate.wait(10)
        self._finish(lpar)

    def _finish(self, lpar: str) -> tuple[int, str, str]:
        outcome = self._outcome(lpar)
        self.set_phase("after", [lpar])
        return self._sample(f"migrate_{outcome}_{lpar}") if f"migrate_{outcome}_{lpar}" in self.samples else (0, "", "")
