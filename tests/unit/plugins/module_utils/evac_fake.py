# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A small scriptable HMC for the evacuation tests, built from estate facts.

It answers the commands an evacuation run sends - ``lssyscfg -r sys|lpar``, ``lslparmigr -r lpar|sys``,
``lsrefcode -r lpar``, ``lshwres -r virtualio --rsubtype slot`` (``max_slots``, 64 by default),
``migrlpar -o m|r`` - in the HMC's formats. ``migrlpar -o m`` takes the next
scripted outcome of the partition: ``ok`` (it moves), ``fail`` (the migration fails and needs
recovery, HSCLA24B), ``refuse:CODE`` (validation refuses it) or ``hold`` (it stays in progress until
``release``).
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError


class FakeEvacHmc:
    def __init__(self, estate: dict[str, Any]) -> None:
        self.lock = threading.Lock()
        self.calls: list[list[str]] = []
        self.where: dict[str, str] = {}
        self.parts: dict[str, dict[str, Any]] = {}
        for system, facts in estate["systems"].items():
            for name, part in facts["partitions"].items():
                self.where[name] = system
                self.parts[name] = {"id": part["id"], "state": part["state"], "env": part["env"], "rmc": part["rmc_state"] or "active"}
        self.systems = list(estate["systems"])
        self.records: dict[str, dict[str, str]] = {}  # partition -> lslparmigr attributes while migrating or failed
        self.outcomes: dict[str, list[str]] = {}
        self.gates: dict[str, threading.Event] = {}
        self.max_slots: dict[str, int] = {}  # VIOS -> curr_max_virtual_slots (default 64)

    # ----- test helpers -----
    def script(self, lpar: str, *outcomes: str) -> None:
        self.outcomes[lpar] = list(outcomes)

    def migrating(self, lpar: str, target: str) -> None:
        """Put ``lpar`` in a migration in progress started by someone (or an earlier run); ``release`` ends it."""
        self.gates[lpar] = threading.Event()
        self.records[lpar] = self._record(lpar, "Migration In Progress", target)

    def release(self, lpar: str) -> None:
        self.gates[lpar].set()
        with self.lock:
            record = self.records.pop(lpar, None)
            if record is not None:
                self.where[lpar] = record["dest_sys_name"]

    def sent(self, op: str = "m") -> list[str]:
        with self.lock:
            return [c[c.index("-p") + 1] for c in self.calls if c[:3] == ["migrlpar", "-o", op]]

    def migrlpar_calls(self, op: str = "m") -> list[list[str]]:
        with self.lock:
            return [list(c) for c in self.calls if c[:3] == ["migrlpar", "-o", op]]

    # ----- the client interface -----
    def run(self, argv: Sequence[str], *, read_only: bool = False, timeout: float | None = None, check: bool = True,
            secrets: Iterable[str] = ()) -> CommandResult:  # fmt: skip
        args = list(argv)
        with self.lock:
            self.calls.append(args)
        rc, out = self._answer(args)
        if check and rc != 0:
            raise HmcCommandError(shlex.join(args), rc, out, "")
        return CommandResult(tuple(args), rc, out, "", 0.0)

    def _answer(self, argv: list[str]) -> tuple[int, str]:
        opts = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("-")}
        if argv[:3] == ["lssyscfg", "-r", "sys"]:
            return 0, "".join(f"{s},Operating\n" for s in self.systems)
        if argv[:3] == ["lssyscfg", "-r", "lpar"]:
            return 0, self._lpars(opts["-m"], opts["-F"].split(","))
        if argv[:3] == ["lsrefcode", "-r", "lpar"]:
            return 0, "".join(f"{n},\n" for n, s in sorted(self.where.items()) if s == opts["-m"])
        if argv[:3] == ["lslparmigr", "-r", "lpar"]:
            return 0, self._migrations(opts["-m"])
        if argv[:3] == ["lslparmigr", "-r", "sys"]:
            busy = sum(1 for r in self.records.values() if r["migration_state"] == "Migration In Progress")
            return 0, ("inactive_lpar_mobility_capable=1,num_inactive_migrations_supported=4,num_inactive_migrations_in_progress=0,"
                       f"active_lpar_mobility_capable=1,num_active_migrations_supported=8,num_active_migrations_in_progress={busy}\n")  # fmt: skip
        if argv[:2] == ["migrlpar", "-o"]:
            return self._migrlpar(argv[2], opts)
        if argv[:5] == ["lshwres", "-r", "virtualio", "--rsubtype", "slot"]:
            return 0, self._slots(opts["-m"], opts.get("--filter", ""), opts["-F"].split(","))
        raise AssertionError(f"unexpected command {shlex.join(argv)}")

    def _lpars(self, system: str, fields: list[str]) -> str:
        lines = []
        with self.lock:
            for name, at in sorted(self.where.items()):
                part = self.parts[name]
                state = "Migrating - Running" if name in self.records and self.records[name]["migration_state"] == "Migration In Progress" else part["state"]
                if at != system and not (name in self.records and self.records[name]["dest_sys_name"] == system):
                    continue
                values = {"name": name, "lpar_id": str(part["id"]), "state": state, "lpar_env": part["env"], "rmc_state": part["rmc"]}
                lines.append(",".join(values[f] for f in fields))
        return "".join(line + "\n" for line in lines)

    def _slots(self, system: str, filters: str, fields: list[str]) -> str:
        names = filters.strip('"').split("=", 1)[1].split(",") if filters.startswith(('"lpar_names=', "lpar_names=")) else None
        lines = []
        with self.lock:
            for name, at in sorted(self.where.items()):
                if at != system or self.parts[name]["env"] != "vioserver" or (names is not None and name not in names):
                    continue
                values = {"lpar_name": name, "lpar_id": str(self.parts[name]["id"]), "curr_max_virtual_slots": str(self.max_slots.get(name, 64))}
                lines.append(",".join(values[f] for f in fields))
        return "".join(line + "\n" for line in lines) or "No results were found.\n"

    def _record(self, lpar: str, state: str, target: str) -> dict[str, str]:
        return {"name": lpar, "lpar_id": str(self.parts[lpar]["id"]), "migration_state": state, "migration_type": "active",
                "dest_sys_name": target, "source_msp_name": "", "dest_msp_name": "", "bytes_transmitted": "100", "bytes_remaining": "0"}  # fmt: skip

    def _migrations(self, system: str) -> str:
        lines = []
        with self.lock:
            for name, at in sorted(self.where.items()):
                if at != system:
                    continue
                record = self.records.get(name) or {"name": name, "lpar_id": str(self.parts[name]["id"]), "migration_state": "Not Migrating"}
                lines.append(",".join(f"{k}={v}" for k, v in record.items() if v != ""))
        return "".join(line + "\n" for line in lines)

    def _migrlpar(self, op: str, opts: dict[str, str]) -> tuple[int, str]:
        lpar = opts["-p"]
        if op == "r":
            with self.lock:
                self.records.pop(lpar, None)
            return 0, ""
        target = opts["-t"]
        with self.lock:
            outcome = (self.outcomes.get(lpar) or ["ok"]).pop(0) if self.outcomes.get(lpar) else "ok"
        if outcome.startswith("refuse:"):
            code = outcome.split(":", 1)[1]
            return 1, f"Errors:\n{code} The destination managed system {target} cannot host the partition {lpar}.\n"
        if outcome == "fail":
            with self.lock:
                self.records[lpar] = self._record(lpar, "Migration Failed", target)
            return 1, f"HSCLA24B The migration of partition {lpar} failed: the MSP link was lost. Run migrlpar -o r to recover the partition.\n"
        if outcome == "hold":
            self.migrating(lpar, target)
            self.gates[lpar].wait(10)
            return 0, ""
        with self.lock:
            self.where[lpar] = target
        return 0, ""
