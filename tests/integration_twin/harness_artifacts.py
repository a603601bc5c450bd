# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What an integration session leaves behind for the secrets scan (scripts/secrets_scan.sh).

One directory per session under ``build/integration-artifacts`` (or ``$POWERVM_LPM_TEST_ARTIFACTS``),
named in the file ``latest`` there once the session ends:

- ``ps.txt``: every distinct process line ``ps -e -o pid,args`` showed, sampled every 0.2 s;
- ``playbooks/NNNN.{argv,stdout,stderr}.txt``: each ``ansible-playbook`` run of ``run_playbook``;
- ``transcripts/NNNN.jsonl``: the HMC command transcripts (POWERVM_LPM_TRANSCRIPT) of those runs;
- ``twins/N/``: each twin's command log (``hmcsim ctl log --json``) and state directory, without
  its control socket; the scenario files the twins were started from are not kept;
- ``files/``: a copy of pytest's temporary directories, where tests write reports, journals,
  manifests, preflight JSON and results; files a test declared as deliberate secret inputs
  (``declare_secret_input``, e.g. the credential environment an AWX job gets) are left out and
  listed in ``exempt.txt``.

Under pytest-xdist one session has several processes. The controller owns it: it creates the
directory, samples the process list and names the session ``latest`` at the end. Each worker joins
it (``fresh=False``) and writes under names of its own, prefixed with its id: ``playbooks/gw0-NNNN.*``,
``transcripts/gw0-NNNN.jsonl``, ``twins/gw0-N/``, ``files/gw0/``. Without xdist the one process does
both, with unprefixed names.

The session's secrets live beside it, in ``build/integration-secrets/<session>``, which is never
scanned.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterable

ARTIFACTS_ENV = "POWERVM_LPM_TEST_ARTIFACTS"
SESSION_ENV = "POWERVM_LPM_TEST_SESSION"  # the session's name (scripts/test.sh sets it to scan that very session)
LATEST = "latest"
KEEP_SESSIONS = 3
KEEP_SECONDS = 3600  # sessions younger than this are kept whatever their number
SAMPLE_INTERVAL = 0.2
MAX_COPIED_FILE = 64 * 1024 * 1024


_SECRET_INPUTS: dict[pathlib.Path, str] = {}


def declare_secret_input(path: pathlib.Path, why: str) -> pathlib.Path:
    """Mark a file a test writes as holding a secret on purpose (an input, never an output)."""
    _SECRET_INPUTS[path.resolve()] = why
    return path


def artifacts_base(repo: pathlib.Path) -> pathlib.Path:
    return pathlib.Path(os.environ.get(ARTIFACTS_ENV) or repo / "build" / "integration-artifacts")


def secrets_base(artifacts: pathlib.Path) -> pathlib.Path:
    """Where the secrets of the sessions under ``artifacts`` are kept: beside it, never inside."""
    return artifacts.parent / "integration-secrets"


def session_name() -> str:
    return os.environ.get(SESSION_ENV) or time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"


class ProcessSampler:
    """A thread that keeps every distinct ``pid args`` line of ``ps`` until stopped."""

    def __init__(self, path: pathlib.Path, interval: float = SAMPLE_INTERVAL) -> None:
        self.path = path
        self.interval = interval
        self.samples = 0
        self._seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ps-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sample()  # one last look

    def sample(self) -> None:
        try:
            done = subprocess.run(["ps", "-e", "-ww", "-o", "pid=,args="], capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return
        fresh = [line.strip() for line in done.stdout.splitlines() if line.strip() and line.strip() not in self._seen]
        self.samples += 1
        if fresh:
            self._seen.update(fresh)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write("".join(line + "\n" for line in fresh))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)


def _copy_ignore(skip: Callable[[pathlib.Path], bool]) -> Callable[[str, list[str]], Iterable[str]]:
    def ignore(directory: str, names: list[str]) -> list[str]:
        out = []
        for name in names:
            path = pathlib.Path(directory, name)
            try:
                mode = path.lstat().st_mode
            except OSError:
                out.append(name)
                continue
            special = not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))
            if special or skip(path) or (stat.S_ISREG(mode) and path.stat().st_size > MAX_COPIED_FILE):
                out.append(name)
        return out

    return ignore


class Artifacts:
    """The artifacts directory of one session, as one process of it writes there.

    ``fresh`` (the session's owner) starts the directory afresh; a worker (``worker``: its xdist id)
    joins the owner's directory and prefixes the names of what it writes with its id.
    """

    def __init__(self, base: pathlib.Path, name: str | None = None, *, worker: str = "", fresh: bool = True) -> None:
        self.base = base
        self.name = name or session_name()
        self.root = base / self.name
        self.secrets_dir = secrets_base(base) / self.name
        self.worker = worker
        self.prefix = f"{worker}-" if worker else ""
        self.files = f"files/{worker}" if worker else "files"
        if fresh:
            shutil.rmtree(self.root, ignore_errors=True)  # a name given again starts afresh
            shutil.rmtree(self.secrets_dir, ignore_errors=True)
        elif not self.root.is_dir():
            raise FileNotFoundError(f"the session {self.root} to join does not exist")
        for sub in ("playbooks", "transcripts", "twins", "files"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.sampler = ProcessSampler(self.root / "ps.txt")

    def next_run(self) -> str:
        with self._lock:
            return f"{self.prefix}{next(self._counter):04d}"

    def twin_dir(self, index: int) -> str:
        """Where the ``index``-th twin of this process keeps its command log and state, under the session."""
        return f"twins/{self.prefix}{index}"

    def transcript(self, run: str) -> pathlib.Path:
        return self.root / "transcripts" / f"{run}.jsonl"

    def save_run(self, run: str, argv: list[str], stdout: str, stderr: str) -> None:
        folder = self.root / "playbooks"
        (folder / f"{run}.argv.txt").write_text("\0".join(argv) + "\n", encoding="utf-8")
        (folder / f"{run}.stdout.txt").write_text(stdout, encoding="utf-8")
        (folder / f"{run}.stderr.txt").write_text(stderr, encoding="utf-8")

    def save_tree(self, source: pathlib.Path, name: str) -> None:
        """Copy a directory (regular files, directories and symlinks as links) under this session,
        without the declared secret inputs (listed in ``exempt.txt``)."""
        if not source.is_dir():
            return
        skipped: list[str] = []

        def exempt(path: pathlib.Path) -> bool:
            why = _SECRET_INPUTS.get(path.resolve())
            if why is not None:
                skipped.append(f"{name}/{path.relative_to(source)}: {why}\n")
            return why is not None

        shutil.copytree(source, self.root / name, symlinks=True, ignore=_copy_ignore(exempt), dirs_exist_ok=True)
        if skipped:
            # One write to a file opened for appending: the lines of several workers never interleave.
            fd = os.open(self.root / "exempt.txt", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, "".join(skipped).encode("utf-8"))
            finally:
                os.close(fd)

    def finish(self) -> None:
        """Name this session as the latest and drop the oldest finished ones (and their secrets)."""
        (self.base / LATEST).write_text(self.name + "\n", encoding="utf-8")
        sessions = sorted(p for p in self.base.iterdir() if p.is_dir() and p.name != self.name and not _running(p.name))
        for old in sessions[: max(len(sessions) - (KEEP_SESSIONS - 1), 0)]:
            if time.time() - old.stat().st_mtime < KEEP_SECONDS:
                continue
            shutil.rmtree(old, ignore_errors=True)
            shutil.rmtree(secrets_base(self.base) / old.name, ignore_errors=True)


def _running(session: str) -> bool:
    """Whether the pytest process that named a session (``<time>-<pid>``) still runs."""
    pid = session.rpartition("-")[2]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def latest_session(base: pathlib.Path) -> pathlib.Path | None:
    marker = base / LATEST
    if not marker.is_file():
        return None
    root = base / marker.read_text(encoding="utf-8").strip()
    return root if root.is_dir() else None
