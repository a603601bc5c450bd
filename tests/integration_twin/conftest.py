# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Harness for playbooks against a running HMC twin (hmcsim) over real SSH.

Fixtures:

- ``twin``: the twin serving ``seed-lab`` for the whole session (a :class:`Twin`).
- ``twin_factory``: start more twins, from a built-in scenario name, a scenario file, a scenario as
  data, or ``seed-lab`` changed by a function (``twin_factory(mutate=lambda sc: ...)``); all are
  stopped at the end of the session.
- ``run_playbook``: ``run_playbook(playbook, extra_vars=None, *, twin=None, check=False, known_hosts=None,
  auth="password")`` runs ``ansible-playbook`` against a twin (default: ``twin``) and returns
  ``(rc, results)``; ``auth`` is ``password``, ``key_file`` or ``key_content``.
- ``hmc_key_file``: the session's private key file (its public key is authorized for ``hscroot``).

Secrets (harness_secrets.py): the HMC password, the remote HMC password and the SSH key pair come
from the environment when set, else they are drawn for the session. The harness patches them into
every scenario it loads (each ``hscroot`` user gets the password and the public key) before a test's
``mutate`` runs. Playbooks get them through environment lookups: ``run_playbook`` replaces every
secret value in the playbook and the extra vars, so neither a file nor a command line holds one.

Parallel runs (pytest-xdist, ``-n 2``): the controller owns the session. In ``pytest_configure``,
before any worker starts, it creates the artifacts directory, writes the key and the secrets
manifest once and exports the session's name and secrets to its environment, which every worker
inherits: all workers log in with the same password and key and write into the same session, under
names prefixed with their id. Each worker starts its own twins, on ports no other process holds
(harness_ports.py). Without xdist the one process does both.

Artifacts (harness_artifacts.py): the process list sampled all session long, the output of every
``run_playbook``, the HMC command transcripts (POWERVM_LPM_TRANSCRIPT is set for each run), the
twins' command logs and state directories and a copy of pytest's temporary files are kept under
``build/integration-artifacts/<session>`` for scripts/secrets_scan.sh. A test that must write a
secret into a file on purpose (an input, such as the credential environment of an AWX job) declares
it with ``secret_input(path, why)``; the scan lists it instead of reading it.

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

import copy
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import yaml
from hmcsim.control import ControlClient, ControlError

from harness_artifacts import ARTIFACTS_ENV, SESSION_ENV, Artifacts, artifacts_base, declare_secret_input
from harness_ports import PortBook
from harness_secrets import SessionSecrets

REPO = pathlib.Path(__file__).resolve().parents[2]
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... in a pytest-xdist worker, else ""
SHARED_ENV = "POWERVM_LPM_TEST_SHARED_SESSION"  # set by the session's owner for the workers it starts
SECRETS = SessionSecrets()  # in a worker: the owner's, from the environment
PORTS = PortBook()
HMC_USER = "hscroot"
HMC_PASSWORD = SECRETS.password.value
REMOTE_HMC_PASSWORD = SECRETS.remote_password.value
AUTH_MODES = ("password", "key_file", "key_content")
SERVE_TIMEOUT = 30
PLAYBOOK_TIMEOUT = 300
HMCSIM = [sys.executable, "-m", "hmcsim.cli"]
TRANSCRIPT_ENV = "POWERVM_LPM_TRANSCRIPT"


class Twin:
    """One ``hmcsim serve`` process with its state directory, started and stopped by the harness."""

    def __init__(self, scenario: str, state_dir: pathlib.Path, hmc: str | None = None, *, port: int = 0,
                 on_stop: Callable[[Twin], None] | None = None) -> None:
        self.scenario = scenario
        self.state_dir = state_dir
        self.on_stop = on_stop
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._output = open(state_dir / "serve.out", "wb")  # pylint: disable=consider-using-with
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            HMCSIM + ["serve", "--scenario", scenario, "--port", str(port), "--state-dir", str(state_dir)],
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

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        """One request over the twin's control socket from this process (the fields of the answer), without
        starting an ``hmcsim ctl`` process."""
        with ControlClient(self.state_dir / "control.sock", timeout=60) as client:
            return client.request(op, **fields)

    def log(self, since: int = 0) -> list[dict[str, Any]]:
        """The twin's command log after sequence number ``since``: seq, argv, rc, session, ..."""
        return list(self.request("log", since=since)["entries"])

    def last_seq(self) -> int:
        entries = self.log()
        return entries[-1]["seq"] if entries else 0

    def module_defaults(self, known_hosts: str | os.PathLike[str] | None = None, auth: str = "password",
                        key_file: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The connection options of ``group/powervm.lpm.hmc`` for this twin, logging in with ``auth``."""
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, not {auth!r}")
        credentials: dict[str, Any] = {
            "password": {"hmc_password": HMC_PASSWORD},
            "key_file": {"hmc_private_key": str(key_file)},
            "key_content": {"hmc_private_key_content": SECRETS.key.private},
        }[auth]
        return {
            "hmc_host": self.host, "hmc_port": self.port, "hmc_user": HMC_USER, **credentials,
            "known_hosts": str(known_hosts or self.known_hosts),
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.on_stop is not None:
                self.on_stop(self)
            try:
                self.request("shutdown")
            except (ControlError, OSError):
                pass  # the twin may close the connection before it answers
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
    """A built-in scenario of the twin (or a scenario file) as plain data, to change and serve."""
    from hmcsim.scenario import load, to_dict  # pylint: disable=import-outside-toplevel

    return to_dict(load(name))


def secret_input(path: pathlib.Path, why: str) -> pathlib.Path:
    """Declare a file that holds a secret on purpose (an input): the secrets scan leaves it out."""
    return declare_secret_input(path, why)


def with_session_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a scenario whose ``hscroot`` users have the session's password and public key."""
    data = copy.deepcopy(data)
    for hmc in data.get("hmcs", []):
        for user in hmc.get("users", []):
            if user.get("name") == HMC_USER:
                user["password"] = HMC_PASSWORD
                user["authorized_keys"] = [*user.get("authorized_keys", []), SECRETS.key.public]
    return data


_ARTIFACTS = pytest.StashKey[Artifacts]()
_OWNER = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    """Own the session (create it, write and export its secrets, sample processes) or, in an xdist worker, join it."""
    if config.option.collectonly or config.option.help:
        return  # no test runs: no session
    base = artifacts_base(REPO)
    if WORKER:
        name = os.environ.get(SHARED_ENV)
        if not name:
            raise pytest.UsageError(
                "tests/integration_twin runs under pytest-xdist only when its conftest is loaded by the controller: "
                "name tests/integration_twin (or files in it) on the command line")
        found = Artifacts(base, name, worker=WORKER, fresh=False)
        SECRETS.join(found.secrets_dir, WORKER)
        config.stash[_OWNER] = False
    else:
        found = Artifacts(base)
        key_file = SECRETS.write(found.secrets_dir)
        os.environ.update(SECRETS.shared_env(key_file))
        os.environ.update({SHARED_ENV: found.name, SESSION_ENV: found.name, ARTIFACTS_ENV: str(base)})
        found.sampler.start()
        config.stash[_OWNER] = True
    config.stash[_ARTIFACTS] = found


def pytest_unconfigure(config: pytest.Config) -> None:
    """The owner, once every test (and every worker) is done: a last process sample, then the session is the latest."""
    found = config.stash.get(_ARTIFACTS, None)
    if found is not None and config.stash.get(_OWNER, False):
        found.sampler.stop()
        found.finish()


_FILE_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up the time of each test file (setup, call and teardown); the xdist controller gets its workers' reports."""
    if not WORKER:
        path = report.nodeid.split("::", 1)[0]
        _FILE_SECONDS[path] = _FILE_SECONDS.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The time of each test file, longest first (under xdist the files overlap: the sum exceeds the wall time)."""
    if WORKER or len(_FILE_SECONDS) < 2:
        return
    terminalreporter.section("time per test file")
    for path, seconds in sorted(_FILE_SECONDS.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f}s  {path}")
    terminalreporter.write_line(f"{sum(_FILE_SECONDS.values()):8.1f}s  in all")


@pytest.fixture(scope="session", autouse=True)
def artifacts(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Artifacts]:
    """The session's artifacts directory as this process writes there; its temporary files are copied at the end."""
    found = pytestconfig.stash[_ARTIFACTS]
    yield found
    found.save_tree(tmp_path_factory.getbasetemp(), found.files)


@pytest.fixture(scope="session")
def hmc_key_file(artifacts: Artifacts) -> pathlib.Path:
    return artifacts.secrets_dir / "hmc_key"


@pytest.fixture(scope="session")
def _twin_root() -> Iterator[pathlib.Path]:
    with tempfile.TemporaryDirectory(prefix="twin-it-") as root:
        yield pathlib.Path(root)


def _keep_log(artifacts: Artifacts, index: int) -> Callable[[Twin], None]:
    def keep(twin: Twin) -> None:
        folder = artifacts.root / artifacts.twin_dir(index)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            text = "".join(json.dumps(entry) + "\n" for entry in twin.log())
        except (ControlError, OSError) as exc:
            text = json.dumps({"error": f"the command log could not be read: {exc}"}) + "\n"
        (folder / "command-log.jsonl").write_text(text, encoding="utf-8")

    return keep


@pytest.fixture(scope="session")
def twin_factory(_twin_root: pathlib.Path, artifacts: Artifacts) -> Iterator[Callable[..., Twin]]:
    """``start(scenario="seed-lab", mutate=None, *, port=0)``: serve a scenario (a built-in name, a file or data).

    The session's secrets are patched into the scenario first, then ``mutate`` changes it. With
    ``port`` 0 the HMCs get consecutive ports this process reserved (harness_ports.py), held until it
    ends, so that a twin may be started again on the port it had; an HMC's own ``ssh_port`` is ignored.
    """
    started: list[Twin] = []

    def start(scenario: str | dict[str, Any] | pathlib.Path = "seed-lab", mutate: Callable[[dict[str, Any]], Any] | None = None,
              *, port: int = 0) -> Twin:
        index = len(started)
        data = with_session_secrets(scenario if isinstance(scenario, dict) else load_builtin(str(scenario)))
        if mutate is not None:
            data = mutate(data) or data
        for hmc in data.get("hmcs", []):
            hmc.pop("ssh_port", None)
        if port == 0:
            port = PORTS.reserve(max(len(data.get("hmcs", [])), 1))
        path = _twin_root / f"scenario-{index}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        twin = Twin(str(path), _twin_root / f"state-{index}", port=port, on_stop=_keep_log(artifacts, index))
        started.append(twin)
        return twin

    yield start
    with ThreadPoolExecutor(max_workers=8) as pool:  # each stop mostly waits for a process to end
        list(pool.map(Twin.stop, started))
    for index, twin in enumerate(started):
        artifacts.save_tree(twin.state_dir, artifacts.twin_dir(index))


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


def playbook_env(collections_path: str, tmp_path: pathlib.Path, transcript: pathlib.Path | None = None) -> dict[str, str]:
    """The environment of an ansible-playbook run: the collection, quiet output, the secrets, the transcript."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_LOCALHOST_WARNING="0", **SECRETS.env())
    if transcript is not None:
        env[TRANSCRIPT_ENV] = str(transcript)
    return env


@pytest.fixture(scope="session")
def run_playbook(twin: Twin, collections_path: str, tmp_path_factory: pytest.TempPathFactory, artifacts: Artifacts,
                 hmc_key_file: pathlib.Path) -> Callable[..., tuple[int, Any]]:
    def run(playbook: Any, extra_vars: dict[str, Any] | None = None, *, twin: Twin = twin, check: bool = False,
            known_hosts: str | os.PathLike[str] | None = None, auth: str = "password") -> tuple[int, Any]:
        defaults = twin.module_defaults(known_hosts, auth, hmc_key_file)
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
            path.write_text(yaml.safe_dump(SECRETS.scrub(data), sort_keys=False), encoding="utf-8")
        variables = {"results_file": str(results_file), "twin_hmc": defaults, "ansible_python_interpreter": sys.executable}
        variables.update(extra_vars or {})
        argv = [_ansible_playbook(), "-i", "localhost,", "-c", "local", "-e", json.dumps(SECRETS.scrub(variables)), str(path)]
        if check:
            argv.append("--check")
        name = artifacts.next_run()
        env = playbook_env(collections_path, tmp_path, artifacts.transcript(name))
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=PLAYBOOK_TIMEOUT, check=False)
        artifacts.save_run(name, argv, done.stdout, done.stderr)
        print(done.stdout)  # shown by pytest when the test fails
        print(done.stderr, file=sys.stderr)
        results = json.loads(results_file.read_text(encoding="utf-8")) if results_file.exists() else None
        return done.returncode, results

    return run
