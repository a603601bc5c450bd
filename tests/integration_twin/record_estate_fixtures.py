# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record the HMC transcripts the estate unit tests replay.

Runs the estate gathering against the twin's command core in-process (frozen clock, so every
command has one answer) and writes, per scenario, every command line with its rc, stdout and
stderr to tests/unit/plugins/module_utils/fixtures/estate/<name>.json. Run it again after a change
to the commands the gathering sends or to the twin's output:

    ANSIBLE_COLLECTIONS_PATH=build python tests/integration_twin/record_estate_fixtures.py

It needs the collection on ANSIBLE_COLLECTIONS_PATH (as scripts/test.sh prepares it in build/) and
the twin (hmcsim) installed.
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import sys
from collections.abc import Callable
from typing import Any

from hmcsim.core import Core, Session
from hmcsim.estate import Estate
from hmcsim.model import Lpar, Scenario, VEth
from hmcsim.scenario import load

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "estate"
P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"


def _collection_on_path() -> None:
    for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build")).split(os.pathsep):
        if (pathlib.Path(base) / "ansible_collections" / "powervm" / "lpm").exists():
            sys.path.insert(0, base)
            return
    raise SystemExit("the collection is not on ANSIBLE_COLLECTIONS_PATH (run scripts/test.sh once, or set it)")


def grown(sc: Scenario) -> Scenario:
    """seed-lab with six more client partitions per system (Ethernet only: no new disks or mappings)."""
    for ms in sc.systems:
        first = max(lp.id for lp in ms.lpars) + 1
        for i in range(6):
            ms.lpars.append(Lpar(name=f"{ms.name[:4]}extra{i}", id=first + i, mem_mb=2048, proc_units=0.2, procs=1,
                                 rmc_ipaddr=f"10.33.6.{first + i}", eth=[VEth(slot=2, port_vlan_id=10)]))
    return sc


def degraded(sc: Scenario) -> Scenario:
    """seed-lab on an HMC V10 with b750vio2's RMC down, b750test1 never activated and p740 not connected."""
    sc.hmcs[0].version = "V10R3.0"
    sc.hmcs[0].service_pack = "1060"
    for ms in sc.systems:
        if ms.name == P740:
            ms.state = "No Connection"
        for lp in ms.lpars:
            if lp.name == "b750vio2":
                lp.rmc_state = "inactive"
            if lp.name == "b750test1":
                lp.ever_activated = False
    return sc


# scenario name -> (mutation, option sets run against it)
SCENARIOS: dict[str, tuple[Callable[[Scenario], Scenario], list[dict[str, Any]]]] = {
    "seed-lab": (lambda sc: sc, [{}, {"vios_disks": "all"}, {"vios_details": False}, {"systems": ["8205-E6B*10934CP"]}]),
    "seed-lab-grown": (grown, [{}]),
    "seed-lab-degraded": (degraded, [{}]),
}


class RecordingClient:
    """Runs commands on the twin core and keeps each command line's answer."""

    connections_opened = 1

    def __init__(self, core: Core) -> None:
        self.core = core
        self.session = Session("bpichmc", "hscroot", "record")
        self.transcript: dict[str, dict[str, Any]] = {}

    def run(self, argv: Any, *, read_only: bool = False, timeout: Any = None, check: bool = True) -> Any:
        from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult  # pylint: disable=import-outside-toplevel

        line = shlex.join(argv)
        result = self.core.execute(self.session, line)
        answer = {"rc": result.rc, "stdout": result.stdout, "stderr": result.stderr}
        known = self.transcript.setdefault(line, answer)
        if known != answer:
            raise RuntimeError(f"{line}: two different answers; the recording is not deterministic")
        return CommandResult(tuple(argv), result.rc, result.stdout, result.stderr, 0.0)


def record(name: str) -> pathlib.Path:
    from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather  # pylint: disable=import-outside-toplevel

    mutate, option_sets = SCENARIOS[name]
    core = Core(Estate(mutate(load("seed-lab")), manual_clock=True))
    client = RecordingClient(core)
    for options in option_sets:
        gather(client, GatherOptions(host="bpichmc", workers=1, **options))
    path = OUT / f"{name}.json"
    entries = [{"command": line, **answer} for line, answer in sorted(client.transcript.items())]
    path.write_text(json.dumps({"scenario": name, "entries": entries}, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> int:
    _collection_on_path()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in SCENARIOS:
        print(record(name).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
