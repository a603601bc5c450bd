# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Harness for playbooks against a running HMC twin (hmcsim) over real SSH.

Fixtures:

- ``twin``: the twin serving ``seed-lab`` for the whole session (a :class:`Twin`).
- ``twin_factory``: start more twins, from a built-in scenario name, a scenario file, a scenario as
  data, or ``seed-lab`` changed by a function (``twin_factory(mutate=lambda sc: ...)``); all are
  stopped at the end of the session.
- ``run_playbook``: ``run_playbook(playbook, extra_vars=None, *, twin=None, check=False)`` runs
  ``ansible-playbook`` against a twin (default: ``twin``) and returns ``(rc, results)``.

Playbooks may be given three ways:

- a list of tasks (Python data or YAML text): they run in one play on localhost with
  ``module_defaults`` for ``group/powervm.lpm.hmc`` pointing at the twin; each task's result is
  registered, and ``results`` is the list of them (None for a task that did not run);
- plays (Python data or YAML text): the same ``module_defaults`` are added to each play that has
  none for the group; the plays write what they want to ``{{ results_file }}`` as JSON;
- the path of a playbook file: run as is; it gets the extra vars ``twin_hmc`` (the connection
  options, usable as ``module_defaults``) and ``results_file``.

The collection is found on ANSIBLE_COLLECTIONS_PATH (scripts/test.sh points it at its fresh copy in
build/); otherwise a temporary ``ansible_collections/powervm/lpm`` link to this checkout is used.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
HMC_USER, HMC_PASSWORD = "hscroot", "abc123"  # seed-lab's HMC user
SERVE_TIMEOUT = 30
PLAYBOOK_TIMEOUT = 300
HMCSIM = [sys.executable, "-m", "hmcsim.cli"]


class Twin:
    """One ``hmcsim serve`` process with its state directory, started and stopped by the harness."""

    def __init__(self, scenario: str, state_dir: pathlib.Path, hmc: str | None = None) -> None:
        self.scenario = scenario
        self.state_dir = state_dir
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._output = open(state_dir / "serve.out", "wb")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            HMCSIM + ["serve", "--scenario", scenario, "--port", "0", "--state-dir", str(state_dir)],
            stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT,
        )
        self.info = self._wait_ready()
        self.hmc = hmc or next(iter(self.info["hmcs"]))
        endpoint = self.info["hmcs"][self.hmc]
        self.host, self.port = endpoint["host"], int(endpoint["port"])
        self.fingerprint: str = self.info["host_key_fingerprint"]
        self.known_hosts = state_dir / "known_hosts"
        self.known_hosts.write_text(endpoint.get("known_hosts_line", self.info["known_hosts_line"]) + "\n", encoding="ascii")

    def _wait_ready(self) -> dict[str, Any]:
        path = self.state_dir / "serve.json"
        deadline = time.monotonic() + SERVE_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hmcsim serve {self.scenario} exited with {self.process.returncode}: {self.output()}")
            try:
                info = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                info = None
            if info and info.get("hmcs") and info.get("pid") == self.process.pid:
                return info
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"hmcsim serve {self.scenario} was not ready after {SERVE_TIMEOUT} s: {self.output()}")

    def output(self) -> str:
        return (self.state_dir / "serve.out").read_text(encoding="utf-8", errors="replace")

    def ctl(self, *args: str) -> str:
        done = subprocess.run(HMCSIM + ["ctl", "--state-dir", str(self.state_dir), *args], capture_output=True, text=True, check=True, timeout=60)
        return done.stdout

    def log(self, since: int = 0) -> list[dict[str, Any]]:
        """The twin's command log after sequence number ``since``: seq, argv, rc, session, ..."""
        return [json.loads(line) for line in self.ctl("log", "--json", "--since", str(since)).splitlines() if line.strip()]

    def last_seq(self) -> int:
        entries = self.log()
        return entries[-1]["seq"] if entries else 0

    def module_defaults(self, known_hosts: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The connection options of ``group/powervm.lpm.hmc`` for this twin."""
        return {
            "hmc_host": self.host, "hmc_port": self.port, "hmc_user": HMC_USER, "hmc_password": HMC_PASSWORD,
            "known_hosts": str(known_hosts or self.known_hosts),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.ctl("shutdown")
            except (subprocess.SubprocessError, OSError):
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.terminate()
                self.process.wait(10)
        self._output.close()


def connection_of(entry: dict[str, Any]) -> str:
    """The SSH connection of a log entry: its session id is ``HMC/sshN/CHANNEL``."""
    return entry["session"].rsplit("/", 1)[0]


def load_builtin(name: str = "seed-lab") -> dict[str, Any]:
    """A built-in scenario of the twin as plain data, to change and serve."""
    from hmcsim.scenario import load, to_dict  # pylint: disable=import-outside-toplevel

    return to_dict(load(name))


@pytest.fixture(scope="session")
def _twin_root() -> Iterator[pathlib.Path]:
    with tempfile.TemporaryDirectory(prefix="twin-it-") as root:
        yield pathlib.Path(root)


@pytest.fixture(scope="session")
def twin_factory(_twin_root: pathlib.Path) -> Iterator[Callable[..., Twin]]:
    started: list[Twin] = []

    def start(scenario: str | dict[str, Any] | pathlib.Path = "seed-lab", mutate: Callable[[dict[str, Any]], Any] | None = None) -> Twin:
        index = len(started)
        if mutate is not None or isinstance(scenario, dict):
            data = load_builtin(str(scenario)) if not isinstance(scenario, dict) else scenario
            if mutate is not None:
                data = mutate(data) or data
            path = _twin_root / f"scenario-{index}.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            scenario = path
        twin = Twin(str(scenario), _twin_root / f"state-{index}")
        started.append(twin)
        return twin

    yield start
    for twin in started:
        twin.stop()


@pytest.fixture(scope="session")
def twin(twin_factory: Callable[..., Twin]) -> Twin:
    return twin_factory("seed-lab")


@pytest.fixture(scope="session")
def collections_path(_twin_root: pathlib.Path) -> str:
    for base in filter(None, os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep)):
        if (pathlib.Path(base) / "ansible_collections" / "powervm" / "lpm" / "galaxy.yml").exists():
            return os.environ["ANSIBLE_COLLECTIONS_PATH"]
    link = _twin_root / "collections" / "ansible_collections" / "powervm" / "lpm"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO, target_is_directory=True)
    return str(_twin_root / "collections")


def _ansible_playbook() -> str:
    local = pathlib.Path(sys.executable).parent / "ansible-playbook"
    return str(local) if local.exists() else "ansible-playbook"


def _parse(playbook: Any) -> Any:
    return yaml.safe_load(playbook) if isinstance(playbook, str) else playbook


def _is_plays(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and all(isinstance(p, dict) and "hosts" in p for p in data)


def _wrap_tasks(tasks: list[dict[str, Any]], defaults: dict[str, Any]) -> list[dict[str, Any]]:
    names = [f"_task_result_{i}" for i in range(len(tasks))]
    registered = [dict(task, register=name) for task, name in zip(tasks, names)]
    collect = "[" + ", ".join(f"{name} | default(None)" for name in names) + "] | to_json"
    return [{
        "name": "tasks against the HMC twin",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/powervm.lpm.hmc": defaults},
        "tasks": [{
            "block": registered,
            "always": [{
                "name": "write the task results",
                "ansible.builtin.copy": {"content": "{{ " + collect + " }}", "dest": "{{ results_file }}", "mode": "0600"},
                "check_mode": False,
            }],
        }],
    }]


@pytest.fixture(scope="session")
def run_playbook(twin: Twin, collections_path: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[int, Any]]:
    def run(playbook: Any, extra_vars: dict[str, Any] | None = None, *, twin: Twin = twin, check: bool = False,
            known_hosts: str | os.PathLike[str] | None = None) -> tuple[int, Any]:
        defaults = twin.module_defaults(known_hosts)
        tmp_path = tmp_path_factory.mktemp("playbook")
        results_file = tmp_path / f"results-{time.monotonic_ns()}.json"
        if isinstance(playbook, (str, pathlib.Path)) and pathlib.Path(str(playbook)).suffix in (".yml", ".yaml") and pathlib.Path(str(playbook)).is_file():
            path = pathlib.Path(playbook)
        else:
            data = _parse(playbook)
            if _is_plays(data):
                for play in data:
                    play.setdefault("module_defaults", {}).setdefault("group/powervm.lpm.hmc", defaults)
            else:
                data = _wrap_tasks(list(data), defaults)
            path = tmp_path / f"playbook-{time.monotonic_ns()}.yml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        variables = {"results_file": str(results_file), "twin_hmc": defaults, "ansible_python_interpreter": sys.executable}
        variables.update(extra_vars or {})
        argv = [_ansible_playbook(), "-i", "localhost,", "-c", "local", "-e", json.dumps(variables), str(path)]
        if check:
            argv.append("--check")
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                   ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_LOCALHOST_WARNING="0")
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
        print(done.stdout)  # shown by pytest when the test fails
        print(done.stderr, file=sys.stderr)
        results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else None
        return done.returncode, results

    return run
