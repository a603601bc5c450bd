"""A twin served over real SSH from its own process, for the measurements that go through SSH.

The twin runs as ``python -m hmcsim.cli serve`` in a child process, so this process's CPU time and
memory are the controller's alone. Its command log is read back through ``hmcsim ctl log``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient, HmcConnectionParams
from hmcsim import scenario as scenario_io
from hmcsim.model import Scenario

HMCSIM = [sys.executable, "-m", "hmcsim.cli"]
READY_TIMEOUT = 120.0


class ServedTwin:
    """``with ServedTwin(scenario, speed=1000) as twin: twin.client("hmc01")``."""

    def __init__(self, scenario: Scenario, *, speed: float) -> None:
        self.scenario = scenario
        self.speed = speed
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-twin-")
        self.dir = Path(self._tmp.name)
        self.state = self.dir / "state"
        self.process: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.password = scenario.hmcs[0].users[0].password
        self.user = scenario.hmcs[0].users[0].name

    def __enter__(self) -> ServedTwin:
        path = self.dir / "scenario.yaml"
        path.write_text(scenario_io.dump(self.scenario), encoding="utf-8")
        with open(self.dir / "serve.out", "wb") as out:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [*HMCSIM, "serve", "--scenario", str(path), "--port", "0", "--state-dir", str(self.state), "--speed", str(self.speed)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the twin exited: {(self.dir / 'serve.out').read_text(errors='replace')}")
            try:
                info = json.loads((self.state / "serve.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                info = {}
            if info.get("pid") == self.process.pid and info.get("hmcs"):
                self.info = info
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the twin was not ready in time")

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._tmp.cleanup()

    def client(self, hmc: str, max_channels: int = 8) -> HmcClient:
        """A new client (its own SSH connection) to one HMC of the twin."""
        endpoint = self.info["hmcs"][hmc]
        known = self.dir / f"known_hosts-{hmc}"
        known.write_text(endpoint["known_hosts_line"] + "\n", encoding="ascii")
        params = HmcConnectionParams(host=endpoint["host"], port=int(endpoint["port"]), user=self.user, password=self.password, known_hosts=str(known))
        return HmcClient(params, max_channels=max_channels)

    def ctl(self, *args: str) -> str:
        done = subprocess.run([*HMCSIM, "ctl", "--state-dir", str(self.state), *args], capture_output=True, text=True, check=True, timeout=300)
        return done.stdout

    def log(self, since: int = 0) -> list[dict[str, Any]]:
        """The command log after sequence number ``since``: seq, time (simulated), session, argv, rc, duration."""
        return [json.loads(line) for line in self.ctl("log", "--json", "--since", str(since)).splitlines() if line.strip()]

    def last_seq(self) -> int:
        entries = self.log()
        return int(entries[-1]["seq"]) if entries else 0

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.ctl("shutdown")
            self.process.wait(30)
        except (subprocess.SubprocessError, OSError):
            self.process.terminate()
            self.process.wait(30)


def connections(entries: list[dict[str, Any]]) -> int:
    """SSH connections in log entries: a session id is ``HMC/sshN/CHANNEL``."""
    return len({e["session"].rsplit("/", 1)[0] for e in entries})
