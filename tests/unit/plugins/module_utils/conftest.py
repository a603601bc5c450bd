# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures: recorded HMC output samples and a small in-process SSH server that answers exec requests."""

from __future__ import annotations

import asyncio
import inspect
import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

try:
    import asyncssh
except ImportError:  # the client tests skip; parser and command tests still run
    asyncssh = None

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
USER = "hscroot"
PASSWORD = "Pw-for-tests-7731"
KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa")


@pytest.fixture
def fixture_text() -> Callable[[str], str]:
    """Read a recorded sample from the fixtures directory."""

    def load(name: str) -> str:
        return (FIXTURES / name).read_text(encoding="utf-8")

    return load


class DropConnection(Exception):
    """Raised by a handler to make the server abort the whole TCP connection."""


Handler = Callable[[str], Any]


class SshTestServer:
    """asyncssh server on 127.0.0.1 run in a background thread with its own event loop.

    ``handler(command)`` returns ``(rc, stdout, stderr)`` (optionally as a coroutine) or raises
    ``Drop``. Every accepted TCP connection and every command is counted.
    """

    Drop = DropConnection
    user = USER
    password = PASSWORD
    key_types = KEY_TYPES

    def __init__(self) -> None:
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_keys = {alg: asyncssh.generate_private_key(alg) for alg in KEY_TYPES}
        self.authorized = [key.public_data for key in self.client_keys.values()]
        self.handler: Handler = lambda command: (0, f"ran: {command}\n", "")
        self.connections = 0
        self.auth_attempts = 0
        self.commands: list[str] = []
        self.active = 0
        self.max_active = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def reset(self) -> None:
        self.handler = lambda command: (0, f"ran: {command}\n", "")
        self.authorized = [key.public_data for key in self.client_keys.values()]
        self.connections = 0
        self.auth_attempts = 0
        self.commands = []
        self.active = 0
        self.max_active = 0

    def known_hosts_line(self, key: Any = None) -> str:
        public = (key or self.host_key).export_public_key("openssh").decode().split()
        return f"[127.0.0.1]:{self.port} {public[0]} {public[1]}\n"

    def private_key_text(self, alg: str, fmt: str = "openssh") -> str:
        """A client key as text: ``openssh``, ``pkcs1-pem`` or ``pkcs8-pem``."""
        return self.client_keys[alg].export_private_key(fmt).decode()

    async def _listen(self) -> Any:
        owner = self

        class Server(asyncssh.SSHServer):
            def connection_made(self, conn: Any) -> None:
                owner.connections += 1

            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                owner.auth_attempts += 1
                return username == USER and password == PASSWORD

            def public_key_auth_supported(self) -> bool:
                return True

            def validate_public_key(self, username: str, key: Any) -> bool:
                owner.auth_attempts += 1
                return username == USER and key.public_data in owner.authorized

        return await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[self.host_key], process_factory=self._handle, keepalive_interval=0
        )

    async def _handle(self, process: Any) -> None:
        command = process.command or ""
        self.commands.append(command)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            answer = self.handler(command)
            if inspect.isawaitable(answer):
                answer = await answer
        except DropConnection:
            process.get_extra_info("connection").abort()
            return
        finally:
            self.active -= 1
        rc, out, err = answer
        process.stdout.write(out)
        process.stderr.write(err)
        process.exit(rc)


@pytest.fixture(scope="module")
def _ssh_server() -> Iterator[SshTestServer]:
    if asyncssh is None:
        pytest.skip("asyncssh is needed for the SSH test server")
    server = SshTestServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ssh_server(_ssh_server: SshTestServer) -> SshTestServer:
    """The shared server, with counters and handler reset for each test."""
    _ssh_server.reset()
    return _ssh_server


@pytest.fixture
def known_hosts(tmp_path: pathlib.Path, ssh_server: SshTestServer) -> pathlib.Path:
    """A known_hosts file that trusts the test server."""
    path = tmp_path / "known_hosts"
    path.write_text(ssh_server.known_hosts_line(), encoding="ascii")
    return path
