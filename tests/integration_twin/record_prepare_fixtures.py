# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Record the HMC transcripts the vios_msp, vios_device and hmc_trust unit tests replay.

Each case runs the module logic (check mode and real runs, in order) against the twin's command
core in-process and writes the commands in the order they were sent, with rc, stdout and stderr,
to tests/unit/plugins/module_utils/fixtures/prepare/<case>.json. A command may appear several
times with different answers (before and after a change); the replay answers each line in order.

    ANSIBLE_COLLECTIONS_PATH=build python tests/integration_twin/record_prepare_fixtures.py

It needs the collection on ANSIBLE_COLLECTIONS_PATH (as scripts/test.sh prepares it in build/) and
the twin (hmcsim) installed.
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hmcsim.core import Core, Session
from hmcsim.estate import Estate
from hmcsim.model import Hmc, Scenario, User
from hmcsim.scenario import load

REPO = pathlib.Path(__file__).resolve().parents[2]
OUT = REPO / "tests" / "unit" / "plugins" / "module_utils" / "fixtures" / "prepare"
P740 = "p740-Server-8205-E6B-SN10934CP"
P750 = "p750-Server-8233-E8B-SN069348P"
REMOTE_ADDRESS, REMOTE_PASSWORD = "127.0.0.2", "Remote-Pw-4417"


def _collection_on_path() -> None:
    for base in os.environ.get("ANSIBLE_COLLECTIONS_PATH", str(REPO / "build")).split(os.pathsep):
        if (pathlib.Path(base) / "ansible_collections" / "powervm" / "lpm").exists():
            sys.path.insert(0, base)
            return
    raise SystemExit("the collection is not on ANSIBLE_COLLECTIONS_PATH (run scripts/test.sh once, or set it)")


# ----- scenarios -----

def _lpar(sc: Scenario, name: str) -> Any:
    return next(lp for ms in sc.systems for lp in ms.lpars if lp.name == name)


def vios2_not_msp(sc: Scenario) -> Scenario:
    lp = _lpar(sc, "b740vio2")
    lp.msp = False
    lp.time_ref = False
    return sc


def single_path(sc: Scenario) -> Scenario:
    """hdisk2 of b740vio2 (not mapped) and hdisk6 of b740vio1 (backs the running b740lp1) on single_path."""
    for vios, disk in (("b740vio2", "hdisk2"), ("b740vio1", "hdisk6")):
        next(d for d in _lpar(sc, vios).vios.disks if d.name == disk).reserve_policy = "single_path"
    return sc


def two_hmcs(sc: Scenario) -> Scenario:
    sc.hmcs.append(Hmc(name="hmc740", ipaddr=REMOTE_ADDRESS, version="V7R7.8.0", service_pack="2",
                       users=[User(name="hscroot", password=REMOTE_PASSWORD)]))
    next(ms for ms in sc.systems if ms.name == P740).hmc = "hmc740"
    return sc


# ----- the client that records -----

class RecordingClient:
    """Runs commands on the twin core, like HmcClient.run, and keeps every exchange in order."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.session = Session("bpichmc", "hscroot", "record")
        self.steps: list[dict[str, Any]] = []
        self._lock = threading.Lock()  # reads run in parallel; the twin core answers one at a time

    def run(self, argv: Sequence[str], *, read_only: bool = False, timeout: Any = None, check: bool = True,
            secrets: Iterable[str] = ()) -> Any:
        from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult, display_command  # pylint: disable=import-outside-toplevel
        from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError  # pylint: disable=import-outside-toplevel

        line = shlex.join(argv)
        with self._lock:
            result = self.core.execute(self.session, line)
            self.steps.append({"command": line, "rc": result.rc, "stdout": result.stdout, "stderr": result.stderr})
        if check and result.rc != 0:
            raise HmcCommandError(display_command(argv, secrets), result.rc, result.stdout, result.stderr)
        return CommandResult(tuple(argv), result.rc, result.stdout, result.stderr, 0.0)


def _attempt(func: Callable[[], Any]) -> None:
    from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError  # pylint: disable=import-outside-toplevel

    try:
        func()
    except HmcError:
        pass  # the failure is what the case records


# ----- cases: (scenario mutation, runs against one client) -----

def msp_runs(client: RecordingClient) -> None:
    from ansible_collections.powervm.lpm.plugins.module_utils._vios_msp import MspRequest, ensure  # pylint: disable=import-outside-toplevel

    request = MspRequest(P740, "b740vio2", msp=True, time_ref=True)
    for check_mode in (True, False, True, False):
        ensure(client, request, check_mode)
    _attempt(lambda: ensure(client, MspRequest(P740, "b740lp1", msp=True), False))
    _attempt(lambda: ensure(client, MspRequest(P740, "nosuchvios", msp=True), False))


def _device(client: RecordingClient, vios: str, check_mode: bool = False, system: str = P740, **options: Any) -> None:
    from ansible_collections.powervm.lpm.plugins.module_utils._vios_device import DeviceRequest, ensure  # pylint: disable=import-outside-toplevel
    from ansible_collections.powervm.lpm.plugins.module_utils._vios_device_select import Selection  # pylint: disable=import-outside-toplevel

    selection = Selection(devices=tuple(options.pop("devices", ())), backing_of_lpars=options.pop("backing_of_lpars", None),
                          disk_type=options.pop("disk_type", None))
    _attempt(lambda: ensure(client, DeviceRequest(system, vios, selection, **options), check_mode))


def device_free_runs(client: RecordingClient) -> None:
    for check_mode in (True, False, True, False):
        _device(client, "b740vio2", check_mode, devices=("hdisk2",), attributes={"reserve_policy": "no_reserve"})


def device_busy_runs(client: RecordingClient) -> None:
    for check_mode in (True, False, False):
        _device(client, "b740vio1", check_mode, backing_of_lpars=("b740lp1",), attributes={"reserve_policy": "no_reserve"})


def device_busy_no_perm_runs(client: RecordingClient) -> None:
    _device(client, "b740vio1", devices=("hdisk6", "hdisk2"), attributes={"queue_depth": "16"}, allow_perm=False)


def device_vioslpm0_runs(client: RecordingClient) -> None:
    for check_mode in (True, False, False):
        _device(client, "b740vio1", check_mode, devices=("vioslpm0",), attributes={"cfg_msp_lpm_ops": 4, "concurrency_lvl": "2"})


def device_refused_runs(client: RecordingClient) -> None:
    for attributes in ({"no_such_attr": "1"}, {"pvid": "none"}, {"queue_depth": "999"}, {"max_transfer": "262144"}):
        _device(client, "b740vio2", devices=("hdisk2", "hdisk3"), attributes=attributes)


def device_selection_runs(client: RecordingClient) -> None:
    _device(client, "b750vio1", True, system=P750, backing_of_lpars=("b750nl2", "b750db1", "b750db2"),
            attributes={"reserve_policy": "no_reserve"})
    _device(client, "b750vio2", True, system=P750, disk_type="san_disk", attributes={"queue_depth": "20"})


def trust_runs(client: RecordingClient) -> None:
    from ansible_collections.powervm.lpm.plugins.module_utils._hmc_trust import TrustRequest, ensure  # pylint: disable=import-outside-toplevel

    _attempt(lambda: ensure(client, TrustRequest(REMOTE_ADDRESS, "hscroot", "Wrong-Pw-0093"), False))
    request = TrustRequest(REMOTE_ADDRESS, "hscroot", REMOTE_PASSWORD)
    for check_mode in (True, False, False):
        ensure(client, request, check_mode)
    _attempt(lambda: ensure(client, TrustRequest(REMOTE_ADDRESS, "otheruser", state="tested"), False))


CASES: dict[str, tuple[Callable[[Scenario], Scenario], Callable[[RecordingClient], None]]] = {
    "msp": (vios2_not_msp, msp_runs),
    "device_free": (single_path, device_free_runs),
    "device_busy": (single_path, device_busy_runs),
    "device_busy_no_perm": (single_path, device_busy_no_perm_runs),
    "device_vioslpm0": (lambda sc: sc, device_vioslpm0_runs),
    "device_refused": (lambda sc: sc, device_refused_runs),
    "device_selection": (lambda sc: sc, device_selection_runs),
    "trust": (two_hmcs, trust_runs),
}


def record(name: str) -> pathlib.Path:
    mutate, runs = CASES[name]
    client = RecordingClient(Core(Estate(mutate(load("seed-lab")), manual_clock=True)))
    runs(client)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"case": name, "steps": client.steps}, indent=1) + "\n", encoding="utf-8")
    return path


def main() -> int:
    _collection_on_path()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CASES:
        print(record(name).relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
