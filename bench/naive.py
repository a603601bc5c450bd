"""The command pattern of typical per-partition tooling, run on the twin for its command log.

Modelled on modules that wrap one HMC command per call (ibm.power_hmc's style): every command opens
its own SSH connection; per partition, one ``lssyscfg -r lpar --filter lpar_names=...`` to find it
and one ``migrlpar -o m``; while it migrates, one ``lslparmigr -r lpar --filter lpar_names=...`` every
poll interval, until a poll sees it done. At most ``cap`` migrations run at once (the HMC's default
concurrency, 4). It runs in-process on the twin's manual clock, so each poll happens at its simulated
time; every command is logged by the twin under a session of its own (one connection each).
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_commands import lslparmigr, lssyscfg
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar
from hmcsim.core import Core, Pending, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.model import Scenario

MAX_STEPS = 5_000_000


@dataclass(frozen=True)
class Move:
    lpar: str
    lpar_id: int
    target: str


class _Naive:
    def __init__(self, scenario: Scenario, source: str, interval: float) -> None:
        self.estate = Estate(scenario, manual_clock=True)
        self.core = Core(self.estate)
        self.engine = attach(self.estate)
        self.source = source
        self.hmc = next(s.hmc for s in scenario.systems if s.name == source)
        self.interval = interval
        self.connections = 0

    def send(self, argv: Sequence[str]) -> Any:
        self.connections += 1
        session = Session(self.hmc, "hscroot", f"{self.hmc}/naive{self.connections}/1")
        return self.core.execute(session, shlex.join(argv))

    def run(self, moves: Sequence[Move], cap: int) -> float:
        queue = list(moves)
        flights: dict[str, tuple[Any, float]] = {}  # partition -> (its migration, next poll time)
        clock = self.estate.clock
        for _ in range(MAX_STEPS):
            while queue and len(flights) < cap:
                move = queue.pop(0)
                self.send(lssyscfg("lpar", self.source, filters={"lpar_names": [move.lpar]}, fields=("name", "state")))
                before = len(self.estate.migrations)
                out = self.send(migrlpar("m", self.source, LparRef(move.lpar, move.lpar_id), MigrationSpec(move.target)))
                if isinstance(out, Pending) and len(self.estate.migrations) > before:
                    flights[move.lpar] = (self.estate.migrations[before], clock.now() + self.interval)
            if not flights:
                return clock.now()
            when = min(t for _m, t in flights.values())
            clock.advance(max(0.0, when - clock.now()))
            self.engine.advance(clock.now())
            for lpar, (migration, due) in list(flights.items()):
                if due > clock.now() + 1e-9:
                    continue
                self.send(lslparmigr("lpar", self.source, filters={"lpar_names": [lpar]}))
                if migration.in_progress:
                    flights[lpar] = (migration, due + self.interval)
                else:
                    del flights[lpar]
        raise RuntimeError("the naive loop did not finish")


def naive_evacuation(scenario: Scenario, source: str, moves: Sequence[Move], *, cap: int = 4, interval: float = 10.0) -> dict[str, Any]:
    """Run the naive loop for ``moves`` and count its commands and connections from the twin's log."""
    naive = _Naive(scenario, source, interval)
    start = naive.estate.clock.now()
    end = naive.run(moves, cap)
    entries = naive.estate.log.entries
    kinds = Counter(e.argv[0] for e in entries if e.argv)
    sessions = {e.session.rsplit("/", 1)[0] for e in entries}
    moved = sum(1 for m in naive.estate.migrations if m.status == "complete")
    return {
        "commands": len(entries),
        "connections": len(sessions),
        "by_command": dict(sorted(kinds.items())),
        "migrlpar": sum(1 for e in entries if e.argv[:3] == ["migrlpar", "-o", "m"]),
        "polls": sum(1 for e in entries if e.argv[:3] == ["lslparmigr", "-r", "lpar"]),
        "moved": moved,
        "simulated_s": round(end - start, 1),
    }
