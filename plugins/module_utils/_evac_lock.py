# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""One evacuation of a system at a time: a lock file in the state directory.

The lock is an ``flock`` on ``STATE_DIR/NAME.lock``, which the kernel releases when the process dies,
even by SIGKILL; the file holds who has it (pid, host, start time, the process it watches) for the
message the next run shows. A run that finds the lock held refuses, unless the holder is a run whose
controller (``watch_pid``) has ended on this host: such a run stops by itself within a poll interval,
so the new run waits for it (at most ``wait`` seconds).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Mapping
from typing import Any


class LockHeld(Exception):
    """Another evacuation of the same system holds the lock."""


def pid_alive(pid: int | None) -> bool:
    """Whether a process runs (a zombie does not count)."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def owner_info(watch_pid: int | None, token: str) -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time(), "watch_pid": watch_pid, "token": token}


def describe(owner: Mapping[str, Any], path: str) -> str:
    started = owner.get("started")
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(started))) if isinstance(started, (int, float)) else "an unknown time"
    return f"pid {owner.get('pid', '?')} on host {owner.get('host', '?')} since {when} (lock file {path})"


class EvacLock:
    """``acquire`` takes the lock or raises LockHeld; ``release`` (or process exit) gives it back."""

    def __init__(self, path: str, info: Mapping[str, Any]) -> None:
        self.path = path
        self.info = dict(info)
        self._fd: int | None = None

    def _owner(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _orphan(self, owner: Mapping[str, Any]) -> bool:
        """The holder runs on this host but the controller it belongs to has ended: it is stopping."""
        watched = owner.get("watch_pid")
        return owner.get("host") == socket.gethostname() and isinstance(watched, int) and not pid_alive(watched)

    def acquire(self, what: str, wait: float = 0.0) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                owner = self._owner()
                if not self._orphan(owner) or time.monotonic() >= deadline:
                    os.close(fd)
                    note = "" if not self._orphan(owner) else f" (it was still stopping after {wait:g} s)"
                    raise LockHeld(f"{what} is already running: {describe(owner, self.path)}{note}; wait for it to end or stop it first") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(self.info, sort_keys=True).encode("utf-8"))
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> EvacLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
