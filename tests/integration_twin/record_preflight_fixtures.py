# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record the HMC transcripts the preflight unit tests replay.

Runs whole preflights (estate gathering, extra facts, ``migrlpar -o v``) against the twin's command
core in-process, clock frozen, and writes per scenario every command line with its rc, stdout and
stderr to tests/unit/plugins/module_utils/fixtures/preflight/<name>.json, with the runs made. Run it
again after a change to the commands preflight sends or to the twin's output:

    ANSIBLE_COLLECTIONS_PATH=build python tests/integration_twin/record_preflight_fixtures.py
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import sys
import threading
from collections.abc import Callable
from typing import Any

from hmcsim.core import Core, Session
from hmcsim.estate import Estate
from hmcsim.model import Lpar, ManagedSystem, Scenario
from hmcsim.scenario import load

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "preflight"
P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"
CLIENTS = ["b750nl2", "b750db1", "b750db2", "b750app1", "b750app2", "b750web1", "b750test1", "b750batch1", "b750nim"]


def _system(sc: Scenario, name: str) -> ManagedSystem:
    return next(ms for ms in sc.systems if ms.name == name)


def _lpar(sc: Scenario, system: str, name: str) -> Lpar:
    return next(lp for lp in _system(sc, system).lpars if lp.name == name)


def target_reserve(sc: Scenario) -> None:
    """hdisk2 of b740vio1 (the LUN of b750nl2's rootvg) with reserve_policy=single_path."""
    vios = _lpar(sc, P740, "b740vio1").vios
    assert vios is not None
    next(d for d in vios.disks if d.name == "hdisk2").reserve_policy = "single_path"


def target_vlan(sc: Scenario) -> None:
    """VLAN 10 no longer bridged on the p740 (removed from both SEA trunk adapters)."""
    for name in ("b740vio1", "b740vio2"):
        trunk = next(a for a in _lpar(sc, P740, name).eth if a.is_trunk)
        trunk.addl_vlan_ids = [v for v in trunk.addl_vlan_ids if v != 10]


def lpar_rmc(sc: Scenario) -> None:
    _lpar(sc, P750, "b750nl2").rmc_state = "inactive"


def lmb(sc: Scenario) -> None:
    _system(sc, P740).lmb_mb = 128


def target_memory(sc: Scenario) -> None:
    _system(sc, P740).installed_mem_mb = 30000


def target_vios_rmc(sc: Scenario) -> None:
    _lpar(sc, P740, "b740vio1").rmc_state = "inactive"


# Each run is recorded with one worker (target VIOS disks read one at a time until the LUNs are found)
# and with the default eight.
WORKERS = (1, 8)
Mutation = Callable[[Scenario], None]
# scenario -> (mutation, runs as (partitions, targets))
SCENARIOS: dict[str, tuple[Mutation, list[tuple[list[str], list[str]]]]] = {
    "seed-lab": (lambda sc: None, [(["b750nl2"], [P740]), (CLIENTS, [P740])]),
    "target-reserve": (target_reserve, [(["b750nl2"], [P740])]),
    "target-vlan": (target_vlan, [(["b750nl2"], [P740])]),
    "lpar-rmc": (lpar_rmc, [(["b750nl2"], [P740])]),
    "lmb": (lmb, [(["b750nl2"], [P740])]),
    "target-memory": (target_memory, [(["b750nl2"], [P740])]),
    "target-vios-rmc": (target_vios_rmc, [(CLIENTS, [P740])]),
}


def _collection_on_path() -> None:
    for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build")).split(os.pathsep):
        if (pathlib.Path(base) / "ansible_collections" / "powervm" / "lpm").exists():
            sys.path.insert(0, base)
            return
    raise SystemExit("the collection is not on ANSIBLE_COLLECTIONS_PATH (run scripts/test.sh once, or set it)")


class RecordingClient:
    """Runs commands on the twin core and keeps each command line's answer."""

    connections_opened = 1

    def __init__(self, core: Core) -> None:
        self.core = core
        self.session = Session("bpichmc", "hscroot", "record")
        self.transcript: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def run(self, argv: Any, *, read_only: bool = False, timeout: Any = None, check: bool = True) -> Any:
        from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult  # pylint: disable=import-outside-toplevel

        del read_only, timeout, check
        line = shlex.join(argv)
        with self.lock:
            result = self.core.execute(self.session, line)
        answer = {"rc": result.rc, "stdout": result.stdout, "stderr": result.stderr}
        known = self.transcript.setdefault(line, answer)
        if known != answer:
            raise RuntimeError(f"{line}: two different answers; the recording is not deterministic")
        return CommandResult(tuple(argv), result.rc, result.stdout, result.stderr, 0.0)


def record(name: str) -> pathlib.Path:
    from ansible_collections.powervm.lpm.plugins.module_utils._preflight_run import PreflightOptions, run  # pylint: disable=import-outside-toplevel

    mutate, runs = SCENARIOS[name]
    scenario = load("seed-lab")
    mutate(scenario)
    client = RecordingClient(Core(Estate(scenario, manual_clock=True)))
    for lpars, targets in runs:
        for workers in WORKERS:
            run(client, PreflightOptions(host="bpichmc", lpars=tuple(lpars), targets=tuple(targets), workers=workers))
    path = OUT / f"{name}.json"
    entries = [{"command": line, **answer} for line, answer in sorted(client.transcript.items())]
    data = {"scenario": name, "workers": list(WORKERS), "runs": [{"lpars": lpars, "targets": targets} for lpars, targets in runs],
            "entries": entries}
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> int:
    _collection_on_path()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SCENARIOS:
        print(record(name).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
