"""The SSH front end: one asyncssh listener per HMC, password and public-key login, exec and shell.

Each exec request runs one HMC command through the twin (``Twin.run_command``); the exit status is the
command's rc. A shell channel gives the HMC prompt (``hscroot@bpichmc:~> ``) and runs one command per
line until ``exit``. The host key is ed25519, kept in the state directory and reused on restart so that
clients can pin it.

A connection may have ``Hmc.ssh_max_sessions`` session channels open at once; the next is refused with
a channel open failure, text ``open failed``, reason ``Hmc.ssh_session_refusal`` (connect failed, as
OpenSSH 9.2's sshd answers beyond MaxSessions, or administratively prohibited, as older releases did).
A channel counts until either side has closed it.
"""
from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import asyncssh

from .core import Result, Session
from .model import SSH_SESSION_REFUSALS, Hmc

if TYPE_CHECKING:
    from .service import Twin

LOG = logging.getLogger("hmcsim.server")

HOST_KEY_FILE = "ssh_host_ed25519_key"
SHELL_EXIT_WORDS = ("exit", "logout")


# ----- host key -----

def load_or_create_host_key(state_dir: Path) -> asyncssh.SSHKey:
    """The twin's ed25519 host key, generated on first use and kept (mode 0600) in ``state_dir``."""
    path = state_dir / HOST_KEY_FILE
    if path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519", comment="hmcsim host key")
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key("openssh"))
    os.replace(tmp, path)
    (state_dir / (HOST_KEY_FILE + ".pub")).write_bytes(key.export_public_key("openssh"))
    return key


def fingerprint(key: asyncssh.SSHKey) -> str:
    """``SHA256:...`` as ``ssh-keygen -l`` prints it."""
    return key.get_fingerprint("sha256")


def known_hosts_line(key: asyncssh.SSHKey, endpoints: list[tuple[str, int]]) -> str:
    """One OpenSSH known_hosts line naming every ``(host, port)`` the key answers on."""
    names = ",".join(host if port == 22 else f"[{host}]:{port}" for host, port in endpoints)
    algorithm, blob = key.export_public_key("openssh").decode().split()[:2]
    return f"{names} {algorithm} {blob}"


def key_matches(authorized: list[str], key: asyncssh.SSHKey) -> bool:
    """Whether ``key`` is one of the OpenSSH public key lines in ``authorized``."""
    wanted = key.public_data
    for line in authorized:
        try:
            candidate = asyncssh.import_public_key(line.strip())
        except (asyncssh.KeyImportError, ValueError):
            LOG.warning("ignoring an authorized key that does not parse: %.40s", line)
            continue
        if candidate.public_data == wanted:
            return True
    return False


# ----- one SSH connection -----

class HmcConnection(asyncssh.SSHServer):
    """Authentication and session creation for one client connection to one HMC."""

    def __init__(self, endpoint: "HmcEndpoint") -> None:
        self.endpoint = endpoint
        self.conn: Optional[asyncssh.SSHServerConnection] = None
        self.number = next(endpoint.twin.connection_numbers)
        self.channels = itertools.count(1)
        self.sessions: set["HmcSession"] = set()

    @property
    def twin(self) -> "Twin":
        return self.endpoint.twin

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        if self.twin.take_refusal(self.endpoint.hmc):
            LOG.info("%s: refusing a connection (fault refuse_connections)", self.endpoint.hmc)
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        self.endpoint.connections.add(conn)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        if self.conn is not None:
            self.endpoint.connections.discard(self.conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        user = self.twin.estate.user(self.endpoint.hmc, username)
        if user is None or user.password is None:
            return False
        return hmac.compare_digest(user.password.encode(), password.encode())

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        user = self.twin.estate.user(self.endpoint.hmc, username)
        return user is not None and key_matches(user.authorized_keys, key)

    def session_requested(self) -> "HmcSession":
        assert self.conn is not None
        limit = self.endpoint.max_sessions
        open_now = sum(1 for s in self.sessions if s.is_open)
        if open_now >= limit:
            self.endpoint.sessions_refused += 1
            LOG.info("%s: refusing a session channel on connection ssh%d: %d open, ssh_max_sessions %d",
                     self.endpoint.hmc, self.number, open_now, limit)
            raise asyncssh.ChannelOpenError(self.endpoint.refusal_code, "open failed")
        username = self.conn.get_extra_info("username")
        session_id = f"{self.endpoint.hmc}/ssh{self.number}/{next(self.channels)}"
        session = HmcSession(self.twin, Session(self.endpoint.hmc, username, session_id), self.sessions)
        self.sessions.add(session)
        self.endpoint.peak_sessions = max(self.endpoint.peak_sessions, open_now + 1)
        return session


class HmcSession(asyncssh.SSHServerSession):  # type: ignore[type-arg]
    """One channel: an exec request (one command) or a shell (one command per line)."""

    def __init__(self, twin: "Twin", session: Session, siblings: Optional[set["HmcSession"]] = None) -> None:
        self.twin = twin
        self.session = session
        self.siblings = siblings if siblings is not None else set()   # the open sessions of its connection
        self.chan: Optional[asyncssh.SSHServerChannel] = None  # type: ignore[type-arg]
        self.command: Optional[str] = None
        self.gone = asyncio.Event()
        self.lines: asyncio.Queue[Optional[str]] = asyncio.Queue()
        self.buffer = ""
        self.task: Optional[asyncio.Task[None]] = None

    @property
    def is_open(self) -> bool:
        """Until either side closed the channel (a close from the client is seen as soon as it arrives)."""
        return not self.gone.is_set() and (self.chan is None or not self.chan.is_closing())

    @property
    def prompt(self) -> str:
        return f"{self.session.user}@{self.session.hmc}:~> "

    # asyncssh callbacks
    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:  # type: ignore[override,type-arg]
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: dict[int, int]) -> bool:
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        self.command = command
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def session_started(self) -> None:
        if self.command is not None:
            self.task = self.twin.spawn(self._run_exec(self.command))
        else:
            self.task = self.twin.spawn(self._run_shell())

    def data_received(self, data: str, datatype: asyncssh.DataType) -> None:
        if self.command is not None:
            return
        self.buffer += data
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.lines.put_nowait(line.rstrip("\r"))

    def eof_received(self) -> bool:
        if self.command is None:
            if self.buffer:
                self.lines.put_nowait(self.buffer)
                self.buffer = ""
            self.lines.put_nowait(None)
        return True   # keep the channel half-open until the answer is out

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.gone.set()
        self.siblings.discard(self)
        self.lines.put_nowait(None)
        self.twin.nudge()

    # work
    def _drop(self) -> None:
        """Drop the channel without an exit status, as a broken connection would."""
        self.gone.set()
        if self.chan is not None:
            self.chan.close()
        self.twin.nudge()

    def _send(self, result: Result) -> None:
        if self.gone.is_set() or self.chan is None:
            return
        if result.stdout:
            self.chan.write(result.stdout)
        if result.stderr:
            self.chan.write_stderr(result.stderr)

    async def _run_exec(self, command: str) -> None:
        result = await self.twin.run_command(self.session, command, drop=self._drop, gone=self.gone)
        if result is None or self.gone.is_set() or self.chan is None:
            return
        self._send(result)
        self.chan.exit(result.rc)

    async def _run_shell(self) -> None:
        assert self.chan is not None
        self.chan.write(self.prompt)
        while True:
            line = await self.lines.get()
            if line is None or self.gone.is_set():
                break
            if line.strip() in SHELL_EXIT_WORDS:
                break
            if line.strip():
                result = await self.twin.run_command(self.session, line, drop=self._drop, gone=self.gone)
                if result is None or self.gone.is_set():
                    return
                self._send(result)
            self.chan.write(self.prompt)
        if not self.gone.is_set():
            self.chan.exit(0)


# ----- one listener per HMC -----

class HmcEndpoint:
    """The SSH listener of one HMC. It can stop listening for a while (refused connections)."""

    def __init__(self, twin: "Twin", hmc: str, host: str, port: int) -> None:
        self.twin = twin
        self.hmc = hmc
        self.host = host
        self.port = port
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.sessions_refused = 0        # channels refused for ssh_max_sessions, on all connections
        self.peak_sessions = 0           # most session channels one connection had open at once
        self.listener: Optional[asyncssh.SSHAcceptor] = None
        self.closed_until = 0.0          # time.monotonic() until which the port refuses connections
        self._reopen: Optional[asyncio.TimerHandle] = None

    async def start(self) -> int:
        self.listener = await asyncssh.create_server(
            lambda: HmcConnection(self), self.host, self.port,
            server_host_keys=[self.twin.host_key], line_editor=True, errors="replace",
            login_timeout=30, keepalive_interval=0, reuse_address=True)
        self.port = self.listener.get_port()
        return self.port

    @property
    def max_sessions(self) -> int:
        """Session channels one connection may have open at once (``Hmc.ssh_max_sessions``)."""
        hmc = self.twin.estate.hmcs.get(self.hmc)
        return hmc.ssh_max_sessions if hmc is not None else Hmc.ssh_max_sessions

    @property
    def refusal_code(self) -> int:
        """The channel open failure reason of a session beyond the limit (``Hmc.ssh_session_refusal``)."""
        hmc = self.twin.estate.hmcs.get(self.hmc)
        return SSH_SESSION_REFUSALS[hmc.ssh_session_refusal if hmc is not None else Hmc.ssh_session_refusal]

    @property
    def refusing(self) -> bool:
        return time.monotonic() < self.closed_until

    def close_for(self, seconds: float) -> None:
        """Stop listening (clients get 'connection refused') for ``seconds``; existing sessions stay."""
        self.closed_until = max(self.closed_until, time.monotonic() + seconds)
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self._reopen is not None:
            self._reopen.cancel()
        delay = self.closed_until - time.monotonic()
        self._reopen = asyncio.get_running_loop().call_later(delay, lambda: self.twin.spawn(self.reopen()))

    async def reopen(self) -> None:
        if self.listener is not None:
            return
        self.closed_until = 0.0
        for attempt in range(50):
            try:
                await self.start()
                LOG.info("%s: listening again on %s:%d", self.hmc, self.host, self.port)
                return
            except OSError as exc:   # the port may still be held for a moment
                if attempt == 49:
                    LOG.error("%s: cannot listen again on port %d: %s", self.hmc, self.port, exc)
                await asyncio.sleep(0.1)

    def drop_connections(self) -> int:
        dropped = list(self.connections)
        for conn in dropped:
            conn.abort()
        self.connections.clear()
        return len(dropped)

    async def stop(self) -> None:
        if self._reopen is not None:
            self._reopen.cancel()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        self.drop_connections()
