# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record the HMC answers the migration unit tests replay.

Drives the twin's command core in-process on seed-lab with a manual clock, so every answer is
deterministic: the listings before, during and after eight migrations to the p740 (one of them
failing at 40 % of its memory copy), the migrlpar answers of each outcome and the refusals
(already migrating, needs recovery, nothing to stop or recover). Writes
tests/unit/plugins/module_utils/fixtures/migration/seed-lab.json. Run it again after a change to
the twin's output:

    python tests/integration_twin/record_migration_fixtures.py

It needs the twin (hmcsim) installed; it does not need the collection.
"""

from __future__ import annotations

import json
import pathlib
import shlex
import sys
from typing import Any

from hmcsim.core import Core, Pending, Result, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.faults import Fault
from hmcsim.scenario import load

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "migration"
P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"
MOVABLE = ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1"]
FAILING = "b750db1"
STOPPED = "b750db2"
LPAR_FIELDS = "name,lpar_id,state,lpar_env"
ADAPTER_FIELDS = "lpar_name,slot_num,adapter_type,remote_lpar_id,remote_lpar_name"


class Recorder:
    def __init__(self) -> None:
        self.estate = Estate(load("seed-lab"), manual_clock=True)
        self.core = Core(self.estate)
        self.engine = attach(self.estate)
        self.session = Session("bpichmc", "hscroot", "record")
        self.samples: dict[str, dict[str, Any]] = {}

    def run(self, argv: list[str]) -> Result | Pending:
        return self.core.execute(self.session, shlex.join(argv))

    def keep(self, name: str, argv: list[str]) -> None:
        outcome = self.run(argv)
        if isinstance(outcome, Pending):
            raise RuntimeError(f"{name}: {shlex.join(argv)} blocks")
        self.keep_result(name, argv, outcome)

    def keep_result(self, name: str, argv: list[str], result: Result) -> None:
        self.samples[name] = {"argv": argv, "rc": result.rc, "stdout": result.stdout, "stderr": result.stderr}

    def listings(self, when: str) -> None:
        for tag, system in (("p750", P750), ("p740", P740)):
            self.keep(f"{tag}_lpars_{when}", ["lssyscfg", "-r", "lpar", "-m", system, "-F", LPAR_FIELDS])
            self.keep(f"{tag}_migr_{when}", ["lslparmigr", "-r", "lpar", "-m", system])
            self.keep(f"{tag}_sys_{when}", ["lslparmigr", "-r", "sys", "-m", system])

    def advance(self, seconds: float) -> None:
        self.estate.clock.advance(seconds)
        self.engine.advance(self.estate.clock.now())


def record() -> pathlib.Path:
    rec = Recorder()
    rec.keep("systems", ["lssyscfg", "-r", "sys", "-F", "name,state"])
    rec.listings("idle")
    names = ",".join(MOVABLE)
    for subtype in ("scsi", "fc"):
        argv = ["lshwres", "-r", "virtualio", "--rsubtype", subtype, "-m", P750, "--level", "lpar"]
        rec.keep(f"p750_{subtype}_clients", argv + ["--filter", f'"lpar_names={names}"', "-F", ADAPTER_FIELDS])
    migrate = ["migrlpar", "-o", "m", "-m", P750, "-t", P740, "-p"]
    validate = ["migrlpar", "-o", "v", "-m", P750, "-t", P740, "-p"]
    rec.keep("validate_ok_b750web1", validate + ["b750web1"])
    rec.keep("validate_physical_io_b750nim", validate + ["b750nim"])
    rec.keep("stop_not_migrating_b750web1", ["migrlpar", "-o", "s", "-m", P750, "-p", "b750web1"])
    rec.keep("recover_nothing_b750web1", ["migrlpar", "-o", "r", "-m", P750, "-p", "b750web1"])

    with rec.estate.lock:
        rec.estate.faults.append(Fault("migration_failure", target=FAILING, at_percent=40.0))
    pending: dict[str, Pending] = {}
    for lpar in MOVABLE:
        outcome = rec.run(migrate + [lpar])
        if not isinstance(outcome, Pending):
            raise RuntimeError(f"migrlpar -o m {lpar} did not start: {outcome}")
        pending[lpar] = outcome
    rec.advance(75.0)
    rec.listings("running")
    rec.keep(f"migrate_already_migrating_{STOPPED}", migrate + [STOPPED])
    rec.keep(f"stop_{STOPPED}", ["migrlpar", "-o", "s", "-m", P750, "-p", STOPPED])
    rec.advance(3600.0)
    for lpar, outcome in pending.items():
        result = outcome.poll()
        if result is None:
            raise RuntimeError(f"migrlpar -o m {lpar} still runs after an hour")
        outcome_name = {FAILING: "failed", STOPPED: "stopped"}.get(lpar, "done")
        rec.keep_result(f"migrate_{outcome_name}_{lpar}", migrate + [lpar], result)
    rec.listings("after")
    rec.keep("migrate_needs_recovery_b750db1", migrate + [FAILING])
    rec.keep("recover_b750db1", ["migrlpar", "-o", "r", "-m", P750, "-p", FAILING])
    rec.listings("recovered")

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "seed-lab.json"
    path.write_text(json.dumps({"scenario": "seed-lab", "samples": rec.samples}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main() -> int:
    print(record().relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
