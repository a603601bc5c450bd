# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SSH ports for the twins, unique across every integration test process on this machine.

A twin started on port 0 gets a free port from the kernel, and that alone is race-free. But an HMC
restart or refused connections close a twin's listener and open the same port again later, and a
test may restart a twin on the port it had (a changed host key): in the kernel's ephemeral range,
the outgoing connection of any process, or another twin started on port 0 - an xdist worker beside
this one, another test run - may have taken the port meanwhile.

So the harness gives each twin ports below the ephemeral range, where no outgoing connection and no
port-0 listener ever lands. A port is handed out only while this process holds an exclusive lock
(``fcntl.flock``) on its file in a directory every process shares, and only if it can be bound at
that moment; the lock is kept until the process ends (the kernel drops it then, even after a
crash), so no two test processes ever hold the same port and a port a twin had stays reserved for
its restarts.
"""

from __future__ import annotations

import fcntl
import os
import pathlib
import random
import socket
import tempfile
import threading

LOCK_DIR = pathlib.Path(tempfile.gettempdir()) / "powervm-lpm-twin-ports"
FIRST_PORT = 20000
EPHEMERAL_RANGE = pathlib.Path("/proc/sys/net/ipv4/ip_local_port_range")


def ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (32768 when it cannot be read)."""
    try:
        return int(EPHEMERAL_RANGE.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the twin binds: TIME_WAIT does not count
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class PortBook:
    """Ports this process holds, each locked in ``lock_dir`` for the life of the process."""

    def __init__(self, lock_dir: pathlib.Path = LOCK_DIR, first: int = FIRST_PORT, end: int | None = None,
                 host: str = "127.0.0.1") -> None:
        self.lock_dir = lock_dir
        self.ports = range(first, ephemeral_start() if end is None else end)
        self.host = host
        self._held: dict[int, int] = {}  # port -> file descriptor of its lock
        self._lock = threading.Lock()

    def _take(self, port: int) -> bool:
        if port in self._held:
            return False
        fd = os.open(self.lock_dir / f"{port}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._held[port] = fd
        return True

    def _give_back(self, port: int) -> None:
        os.close(self._held.pop(port))  # closing the descriptor releases the lock

    def reserve(self, count: int = 1) -> int:
        """The first of ``count`` consecutive ports, locked and bindable now; 0 (the kernel's choice) when
        the range below the ephemeral ports is too small to search."""
        if len(self.ports) < 100 * count:
            return 0
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._lock:
            start = random.randrange(len(self.ports))  # processes starting together rarely collide
            for offset in range(len(self.ports)):
                first = self.ports[(start + offset) % len(self.ports)]
                block = list(range(first, first + count))
                if block[-1] not in self.ports:
                    continue
                taken: list[int] = []
                for port in block:
                    if not self._take(port):
                        break
                    taken.append(port)
                    if not _bindable(self.host, port):
                        break
                else:
                    return first
                for port in taken:
                    self._give_back(port)
        raise RuntimeError(f"no {count} free consecutive ports in {self.ports.start}-{self.ports.stop - 1}")

    def holds(self, port: int) -> bool:
        with self._lock:
            return port in self._held
