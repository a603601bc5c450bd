# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Running ``ansible-playbook powervm.lpm.evacuate`` (and ``return_home``) against a twin, and reading the outcome.

:class:`Evacuation` builds the command line for one twin: the HMC connection variables of the
playbook, the planner's physics of the twin's scenario (the HMC reports neither workloads nor MSP
link speeds), ``evacuate_clock_scale`` set to the twin's speed factor so that plans and reports are in
HMC seconds, and a private state directory. ``run`` waits for the playbook; ``start`` returns the
process (in a session of its own, so that a test can signal its whole process group).
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from conftest import HMC_PASSWORD, HMC_USER, SECRETS, Twin

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
SEED_MOVABLE = ["b750app1", "b750app2", "b750batch1", "b750db1", "b750db2", "b750nl2", "b750test1", "b750web1"]
RUN_TIMEOUT = 600


def scenario_of(twin: Twin) -> Any:
    from hmcsim.scenario import load  # pylint: disable=import-outside-toplevel

    return load(twin.scenario)


def fleet(seed: int, targets: int, lpars: int, **options: Any) -> tuple[dict[str, Any], str]:
    """A generated estate: one source system holding every client partition, ``targets`` empty systems of its group."""
    from hmcsim.generator import generate  # pylint: disable=import-outside-toplevel
    from hmcsim.scenario import to_dict  # pylint: disable=import-outside-toplevel

    options.setdefault("memory_range_gb", (4, 64))
    scenario = generate(seed=seed, systems=targets + 1, lpars=lpars, target_share=targets / (targets + 1), **options)
    (source,) = [s.name for s in scenario.systems if any(lp.vios is None for lp in s.lpars)]
    return to_dict(scenario), source


def scenario_physics(scenario: Any) -> dict[str, Any]:
    """The planner's physics of a twin scenario: timings, link tables, MSP link speeds and workloads."""
    p = scenario.physics
    workloads, links = {}, {}
    for system in scenario.systems:
        for lp in system.lpars:
            if lp.vios is not None:
                links[f"{system.name}/{lp.name}"] = lp.vios.msp_link_gbps
            elif lp.workload is not None:
                w = lp.workload
                workloads[lp.name] = {"dirty_rate_mbs": w.dirty_rate_mbs, "wws_pct": w.wws_pct, "touched_fraction": w.touched_fraction}
    keys = ("t_validate_s", "t_create_s", "t_msp_setup_s", "t_cleanup_s", "t_suspend_s", "t_inactive_copy_s", "v_th_seconds", "n_max")
    return {**{k: getattr(p, k) for k in keys}, "link_payload_mbs": dict(p.link_payload_mbs), "stream_mbs": dict(p.stream_mbs),
            "msp_links": links, "workloads": workloads}  # fmt: skip


def _speed(twin: Twin) -> float:
    text = twin.ctl("clock")  # "t=12.3 2014-05-12T09:00:12 speed=60 manual=off"
    return float(next(part.split("=", 1)[1] for part in text.split() if part.startswith("speed=")))


def placement(twin: Twin, systems: Iterable[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """Every partition and the (system, state) it is listed on, read with lssyscfg."""
    if systems is None:
        systems = [line for line in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, "lssyscfg -r sys -F name").splitlines() if line]
    where: dict[str, list[tuple[str, str]]] = {}
    for system in systems:
        argv = ["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]
        for line in twin.ctl("exec", "--hmc", twin.hmc, "--user", HMC_USER, shlex.join(argv)).splitlines():
            name, _sep, state = line.partition(",")
            if name:
                where.setdefault(name, []).append((system, state))
    return where


def layouts(twin: Twin) -> dict[str, list[tuple[Any, ...]]]:
    """Per client partition, where it is as the twin holds it: (system, ID, state, shared pool, client adapters with the
    VIOS, server slot and - for vFC - physical port serving each)."""
    import yaml  # pylint: disable=import-outside-toplevel
    from hmcsim.scenario import from_dict  # pylint: disable=import-outside-toplevel

    scenario = from_dict(yaml.safe_load(twin.ctl("scenario")))
    out: dict[str, list[tuple[Any, ...]]] = {}
    for system in scenario.systems:
        vios = {lp.name: lp for lp in system.lpars if lp.env == "vioserver"}
        for lp in system.lpars:
            if lp.env == "vioserver":
                continue
            adapters = []
            for kind, items in (("scsi", lp.scsi), ("fc", lp.fc)):
                for a in items:
                    if a.adapter_type != "client":
                        continue
                    server = vios.get(a.remote_lpar)
                    servers = getattr(server, "fc", []) if kind == "fc" else []
                    port = next((x.fc_port for x in servers if x.adapter_type == "server" and x.slot == a.remote_slot), "")
                    adapters.append((kind, a.slot, a.remote_lpar, a.remote_slot, port))
            out.setdefault(lp.name, []).append((system.name, lp.id, lp.state, lp.shared_proc_pool, tuple(sorted(adapters))))
    return out


def migrations_sent(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``migrlpar -o m`` entries of a command log."""
    return [e for e in log if e["argv"][:3] == ["migrlpar", "-o", "m"]]


def lpar_of(entry: dict[str, Any]) -> str:
    argv = entry["argv"]
    return argv[argv.index("-p") + 1]


def journal_events(path: pathlib.Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


@dataclass
class Run:
    rc: int
    stdout: str
    seconds: float


@dataclass
class Evacuation:
    """ansible-playbook runs of the evacuation (or return home) playbooks against one twin."""

    twin: Twin
    collections_path: str
    workdir: pathlib.Path
    extra: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state_dir = self.workdir / "state"
        self.speed = _speed(self.twin)
        self.physics = scenario_physics(scenario_of(self.twin))

    def variables(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        variables = {
            "powervm_hmc_host": self.twin.host, "powervm_hmc_port": self.twin.port, "powervm_hmc_user": HMC_USER,
            "powervm_hmc_password": HMC_PASSWORD, "powervm_known_hosts": str(self.twin.known_hosts),
            "ansible_python_interpreter": sys.executable,
            "evacuate_state_dir": str(self.state_dir), "evacuate_physics": self.physics, "evacuate_clock_scale": self.speed,
            "evacuate_poll_interval": 0.5, "evacuate_progress_interval": 2, "evacuate_preflight_hmc_validation": False,
            "return_home_state_dir": str(self.state_dir), "return_home_physics": self.physics, "return_home_clock_scale": self.speed,
            "return_home_poll_interval": 0.5, "return_home_progress_interval": 2,
        }  # fmt: skip
        variables.update(self.extra)
        variables.update(extra or {})
        return variables

    def argv(self, playbook: str, extra: dict[str, Any] | None = None) -> list[str]:
        path = self.workdir / f"vars-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(SECRETS.scrub(self.variables(extra))), encoding="utf-8")   # secrets as environment lookups
        name, *flags = playbook.split()  # e.g. "powervm.lpm.evacuate --check"
        return [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", "-e", f"@{path}", name, *flags]

    def env(self) -> dict[str, str]:
        return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections_path, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                    ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_LOCAL_TEMP=str(self.workdir / "ansible-tmp"),
                    ANSIBLE_ASYNC_DIR=str(self.workdir / "async"), **SECRETS.env())  # fmt: skip

    def run(self, extra: dict[str, Any] | None = None, playbook: str = "powervm.lpm.evacuate", timeout: float = RUN_TIMEOUT) -> Run:
        started = time.monotonic()
        done = subprocess.run(self.argv(playbook, extra), env=self.env(), capture_output=True, text=True, timeout=timeout, check=False)
        print(done.stdout[-20000:])
        print(done.stderr[-5000:], file=sys.stderr)
        return Run(done.returncode, done.stdout, time.monotonic() - started)

    def start(self, extra: dict[str, Any] | None = None, playbook: str = "powervm.lpm.evacuate") -> subprocess.Popen[bytes]:
        out = open(self.workdir / f"out-{time.monotonic_ns()}.txt", "wb")  # pylint: disable=consider-using-with
        return subprocess.Popen(self.argv(playbook, extra), env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def journal(self, name: str = P750) -> pathlib.Path:
        return self.state_dir / f"{self.name or name}.journal.jsonl"

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 120.0, name: str = P750) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(journal_events(self.journal(name))):
                return True
            time.sleep(0.02)
        return False


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Signal the playbook's whole process group and reap it."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def report_json(stdout: str) -> dict[str, Any]:
    """The JSON report the playbook wrote (its path is printed in the outcome)."""
    for line in stdout.splitlines():
        if "Report (JSON):" in line:
            path = line.split("Report (JSON):", 1)[1].strip().rstrip('",')
            return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    raise AssertionError("the playbook printed no report path")
