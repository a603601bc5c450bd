"""Helpers for the front-end tests: a twin in a thread, SSH clients with TCP_NODELAY, waiting."""
from __future__ import annotations

import io
import socket
import time
from pathlib import Path
from typing import Any, Callable, Optional

import asyncssh
import paramiko

from hmcsim import scenario
from hmcsim.core import COMMANDS, Ctx, Pending, Result, command
from hmcsim.model import Scenario
from hmcsim.service import Twin, TwinOptions, TwinThread

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
PASSWORD = "abc123"
WAIT_COMMAND = "hmcsimtest_wait"


def seed_lab() -> Scenario:
    return scenario.load("seed-lab")


def start_twin(state_dir: Path, sc: Optional[Scenario] = None, **options: Any) -> TwinThread:
    state_dir.mkdir(parents=True, exist_ok=True)
    options.setdefault("port", 0)
    thread = TwinThread(sc or seed_lab(), TwinOptions(state_dir=state_dir, **options))
    thread.start()
    return thread


def port_of(twin: Twin, hmc: str = "bpichmc") -> int:
    return twin.endpoints[hmc].port


def connect(port: int, user: str = "hscroot", password: Optional[str] = PASSWORD,
            pkey: Optional[paramiko.PKey] = None, timeout: float = 5.0) -> paramiko.SSHClient:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=port, username=user, password=password, pkey=pkey, sock=sock,
                   look_for_keys=False, allow_agent=False, timeout=timeout, banner_timeout=timeout,
                   auth_timeout=timeout)
    return client


def run(client: paramiko.SSHClient, line: str, timeout: float = 10.0) -> tuple[int, str, str]:
    _, out, err = client.exec_command(line, timeout=timeout)
    stdout, stderr = out.read().decode(), err.read().decode()
    return out.channel.recv_exit_status(), stdout, stderr


def new_key() -> tuple[paramiko.Ed25519Key, str]:
    """A fresh ed25519 key for paramiko and its OpenSSH public line."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    private = key.export_private_key("openssh").decode()
    public = key.export_public_key("openssh").decode().strip()
    return paramiko.Ed25519Key.from_private_key(io.StringIO(private)), public


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, step: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


class WaitCommand:
    """A blocking test command: ``hmcsimtest_wait S`` finishes S simulated seconds after it started.

    It records polls and disconnects so tests can see what the front end did.
    """

    def __init__(self) -> None:
        self.polls = 0
        self.disconnects = 0
        self.finished = 0

    def __enter__(self) -> "WaitCommand":
        command(WAIT_COMMAND)(self.handler)
        return self

    def __exit__(self, *exc: object) -> None:
        COMMANDS.pop(WAIT_COMMAND, None)

    def handler(self, ctx: Ctx, args: list[str]) -> Pending:
        clock = ctx.estate.clock
        until = clock.now() + float(args[0])

        def poll() -> Optional[Result]:
            self.polls += 1
            if clock.now() + 1e-9 < until:
                return None
            self.finished += 1
            return Result(0, f"waited {args[0]}\n")

        def disconnected() -> None:
            self.disconnects += 1

        return Pending(poll, lambda: until, disconnected)


def log_entries(twin: Twin, name: str) -> list[Any]:
    return [e for e in twin.estate.log.entries if e.argv[:1] == [name]]
