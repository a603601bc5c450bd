# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""SSH client for the HMC: paramiko Transports shared by the commands of a run, one exec channel per command.

Commands are argv lists; shlex.join turns them into the SSH command line in ``_exec`` and
nowhere else. Everything shown to people (errors, transcripts, results) goes through redact().
The connections and their channel slots are kept by ``_hmc_pool.ConnectionPool``: one connection
until more commands run at once than ``channels_per_connection``.
"""

from __future__ import annotations

import select
import shlex
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_auth import HAS_PARAMIKO, HostKeyChecker, authenticate
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import (
    HmcCommandError,
    HmcConnectionError,
    HmcInputError,
    HmcTimeout,
)
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_pool import ConnectionPool, Link

try:
    import paramiko
except ImportError:
    pass  # HAS_PARAMIKO is False; HmcClient() refuses to start and modules call require_paramiko().

MASK = "********"
# Options whose next argv element is always a secret (mkauthkeys --passwd X).
SECRET_OPTIONS = frozenset({"--passwd", "--password"})
READ_CHUNK = 65536
# OpenSSH's sshd allows 10 session channels per connection unless MaxSessions says otherwise.
CHANNELS_PER_CONNECTION = 10
# Channel open failure reasons (RFC 4254) with which sshd refuses a session beyond MaxSessions:
# SSH_OPEN_CONNECT_FAILED (OpenSSH 9.2 measured; the source of 7.8 already), SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (older releases).
SESSION_REFUSALS = frozenset({1, 2})
# Channels one command may see refused before it gives up (each refusal fills a connection).
MAX_REFUSALS = 16
# sshd lets a closed channel go a few milliseconds after the close (up to 15 ms measured on loopback): a
# refusal within LAG_WINDOW seconds of a close on that connection is asked again after LAG_PAUSE (then twice
# that), at most LAG_RETRIES times per command, before it makes the connection full.
LAG_WINDOW = 0.25
LAG_PAUSE = 0.05
LAG_RETRIES = 2


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-empty secret with a mask."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact(argv: Sequence[str], secrets: Iterable[str | None] = ()) -> list[str]:
    """Copy of ``argv`` with the values of SECRET_OPTIONS and every known secret masked."""
    known = list(secrets)
    out: list[str] = []
    for i, part in enumerate(argv):
        option, sep = part.partition("=")[:2]
        if i > 0 and argv[i - 1] in SECRET_OPTIONS:
            out.append(MASK)
        elif sep and option in SECRET_OPTIONS:
            out.append(f"{option}={MASK}")
        else:
            out.append(redact_text(part, known))
    return out


def argv_secrets(argv: Sequence[str]) -> tuple[str, ...]:
    """Values of SECRET_OPTIONS found in ``argv`` (``--passwd X`` or ``--passwd=X``)."""
    found = [argv[i + 1] for i, part in enumerate(argv[:-1]) if part in SECRET_OPTIONS]
    found += [part.partition("=")[2] for part in argv if part.partition("=")[0] in SECRET_OPTIONS and "=" in part]
    return tuple(s for s in found if s)


def display_command(argv: Sequence[str], secrets: Iterable[str | None] = ()) -> str:
    """The command line as people should see it: redacted, then shell-quoted."""
    return shlex.join(redact(argv, secrets))


@dataclass(frozen=True)
class CommandResult:
    """Outcome of one command. ``argv``/``command`` are redacted; stdout/stderr too."""

    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str
    duration: float

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


@dataclass(frozen=True)
class TranscriptEntry:
    """One recorded exchange, already redacted. ``rc`` is None when no exit status arrived."""

    host: str
    argv: tuple[str, ...]
    rc: int | None
    stdout: str
    stderr: str
    duration: float
    attempt: int
    error: str | None = None


Recorder = Callable[[TranscriptEntry], None]


@dataclass(frozen=True)
class HmcConnectionParams:
    """Everything needed to reach one HMC. ``known_hosts`` None means ~/.ssh/known_hosts."""

    host: str
    port: int = 22
    user: str = "hscroot"
    password: str | None = None
    private_key_file: str | None = None
    private_key_content: str | None = None
    use_agent: bool = False
    known_hosts: str | None = None
    host_key_policy: str = "strict"
    connect_timeout: float = 30
    command_timeout: float = 3600
    channels_per_connection: int = CHANNELS_PER_CONNECTION

    @property
    def label(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.password, self.private_key_content) if s)


class HmcClient:
    """Thread-safe HMC client: connects lazily, runs each command on its own channel.

    Up to ``max_channels`` commands run at the same time; more wait. They share one connection
    until more run at once than ``params.channels_per_connection``; then another connection is
    opened, and so on (``ConnectionPool``). A server that refuses a channel on a connection that
    has others open (OpenSSH beyond MaxSessions) makes that connection full, and the command
    takes a channel on another one: nothing was sent on the refused channel.
    """

    def __init__(
        self,
        params: HmcConnectionParams,
        *,
        recorder: Recorder | None = None,
        read_retries: int = 2,
        connect_retries: int = 2,
        retry_delay: float = 1.0,
        max_channels: int = 8,
    ) -> None:
        if not HAS_PARAMIKO:
            raise HmcConnectionError("the Python library paramiko is required to connect to the HMC")
        if params.channels_per_connection < 1:
            raise HmcInputError("channels_per_connection must be at least 1")
        self.params = params
        self.recorder = recorder
        self.read_retries = read_retries
        self.connect_retries = connect_retries
        self.retry_delay = retry_delay
        self._record_lock = threading.Lock()
        self._channels = threading.BoundedSemaphore(max(max_channels, 1))
        self._pool = ConnectionPool(self._connect_with_retries, params.channels_per_connection)
        self._hostkeys = HostKeyChecker(params.host, params.port, params.known_hosts, params.host_key_policy)

    @property
    def connections_opened(self) -> int:
        """SSH connections opened so far: one per ``channels_per_connection`` commands at once, plus
        one for each connection that was lost and replaced."""
        return self._pool.opened

    @property
    def channels_refused(self) -> int:
        """Channels the HMC refused on a connection that had others open (each made it full)."""
        return self._pool.refusals

    def __enter__(self) -> HmcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.close()

    def connect(self) -> None:
        """Open the first connection now (otherwise the first command does it)."""
        self._pool.release(self._pool.acquire())

    def run(
        self,
        argv: Sequence[str],
        *,
        read_only: bool = False,
        timeout: float | None = None,
        check: bool = True,
        secrets: Iterable[str] = (),
    ) -> CommandResult:
        """Run one command. ``read_only=True`` allows retries after a lost connection.

        State-changing commands are never sent twice. Raises HmcCommandError on rc != 0 when
        ``check`` is true, HmcTimeout after ``timeout`` (default: command_timeout) seconds.
        """
        args = list(argv)
        if not args or not all(isinstance(a, str) for a in args):
            raise HmcInputError("a command must be a non-empty list of strings")
        hidden = self.params.secrets + tuple(secrets) + argv_secrets(args)
        shown = tuple(redact(args, hidden))
        limit = self.params.command_timeout if timeout is None else timeout
        attempts = 1 + (max(self.read_retries, 0) if read_only else 0)
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                rc, out, err = self._exec(args, limit, shlex.join(shown))
            except (HmcConnectionError, HmcTimeout) as exc:
                self._record(TranscriptEntry(self.params.label, shown, None, "", "", time.monotonic() - started, attempt, exc.message))
                if isinstance(exc, HmcTimeout) or attempt == attempts:
                    if not read_only and isinstance(exc, HmcConnectionError):
                        note = f"{shlex.join(shown)} changes state and was not retried: check on the HMC whether it ran"
                        raise HmcConnectionError(f"{exc.message}; {note}") from None
                    raise
                time.sleep(self.retry_delay * attempt)
                continue
            result = CommandResult(shown, rc, redact_text(out, hidden), redact_text(err, hidden), time.monotonic() - started)
            self._record(TranscriptEntry(self.params.label, shown, rc, result.stdout, result.stderr, result.duration, attempt))
            if check and rc != 0:
                raise HmcCommandError(result.command, rc, result.stdout, result.stderr)
            return result
        raise HmcConnectionError("unreachable")  # pragma: no cover

    def _record(self, entry: TranscriptEntry) -> None:
        if self.recorder is not None:
            with self._record_lock:
                self.recorder(entry)

    def _connect_with_retries(self) -> Any:
        # The pool opens one connection at a time, so the host key file is read and written by one thread.
        for attempt in range(1, self.connect_retries + 2):
            try:
                return self._open_transport()
            except HmcConnectionError:
                if attempt > self.connect_retries:
                    raise
                time.sleep(self.retry_delay * attempt)
        raise HmcConnectionError("unreachable")  # pragma: no cover

    def _open_transport(self) -> Any:
        p = self.params
        try:
            sock = socket.create_connection((p.host, p.port), timeout=p.connect_timeout)
        except OSError as exc:
            raise HmcConnectionError(f"cannot connect to {p.host}:{p.port}: {exc}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = p.connect_timeout
        try:
            self._hostkeys.prefer_known_types(transport.get_security_options())
            transport.start_client(timeout=p.connect_timeout)
            self._hostkeys.verify(transport.get_remote_server_key())
            authenticate(
                transport,
                p.user,
                password=p.password,
                key_file=p.private_key_file,
                key_content=p.private_key_content,
                use_agent=p.use_agent,
                label=p.label,
            )
        except (paramiko.SSHException, OSError, EOFError) as exc:
            transport.close()
            raise HmcConnectionError(f"SSH connection to {p.label} failed: {redact_text(str(exc), p.secrets)}") from None
        except BaseException:
            transport.close()
            raise
        transport.set_keepalive(30)
        return transport

    def _open_channel(self) -> tuple[Link, Any]:
        """A slot on a connection and a session channel on it; the caller releases the slot.

        Nothing has been sent yet, so a transport found dead is replaced once even for writes, and a
        channel refused on a connection with others open is asked for again: on the same connection
        when one of its channels closed just before, else on another connection.
        """
        tries = _Tries()
        while True:
            link = self._pool.acquire()
            with link.opening:
                channel = self._try_channel(link, tries)
            if channel is not None:
                return link, channel
            if tries.pause:
                tries.pause = False
                time.sleep(LAG_PAUSE * tries.lagged)

    def _try_channel(self, link: Link, tries: _Tries) -> Any:
        """The channel on ``link``, or None to try again (the slot given back). Hold ``link.opening``."""
        if not self._pool.has_room(link):  # found full by a refusal since the slot was taken
            self._pool.release(link)
            return None
        try:
            channel = link.transport.open_session(timeout=self.params.connect_timeout)
        except paramiko.ChannelException as exc:
            about_count = exc.code in SESSION_REFUSALS and link.transport.is_active()
            if about_count and tries.lagged < LAG_RETRIES and self._pool.closed_within(link, LAG_WINDOW):
                tries.lagged += 1
                tries.pause = True
            elif not (about_count and tries.refused < MAX_REFUSALS and self._pool.mark_full(link)):
                self._pool.release(link)
                raise HmcConnectionError(f"{self.params.label} refused a session channel: {exc.text} (code {exc.code})") from None
            tries.refused += 1
            self._pool.release(link)
            return None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self._pool.release(link)
            if link.transport.is_active() or tries.replaced:
                raise HmcConnectionError(f"cannot open a channel to {self.params.label}: {exc}") from None
            self._pool.drop(link)
            tries.replaced += 1
            return None
        self._pool.channel_opened(link)
        return channel

    def _exec(self, argv: list[str], limit: float, shown: str) -> tuple[int, str, str]:
        with self._channels:
            link, channel = self._open_channel()
            try:
                channel.exec_command(shlex.join(argv))
                return _collect(channel, time.monotonic() + limit, shown, limit)
            except (paramiko.SSHException, OSError, EOFError) as exc:
                if not link.transport.is_active():
                    self._pool.drop(link)
                raise HmcConnectionError(f"connection to {self.params.label} lost during {shown}: {exc}") from None
            finally:
                channel.close()
                self._pool.release(link, was_open=True)


@dataclass
class _Tries:
    """What happened so far while one command asked for its channel."""

    replaced: int = 0  # dead connections replaced
    refused: int = 0  # channels refused
    lagged: int = 0  # refusals asked again on the same connection
    pause: bool = False  # wait LAG_PAUSE before asking again


def _collect(channel: Any, deadline: float, shown: str, limit: float) -> tuple[int, str, str]:
    out, err = bytearray(), bytearray()
    while True:
        while channel.recv_ready():
            out += channel.recv(READ_CHUNK)
        while channel.recv_stderr_ready():
            err += channel.recv_stderr(READ_CHUNK)
        if channel.exit_status_ready() and (channel.eof_received or channel.closed):
            if not channel.recv_ready() and not channel.recv_stderr_ready():
                break
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise HmcTimeout(f"{shown} did not finish within {limit:g} s; it may still be running on the HMC")
        select.select([channel], [], [], min(remaining, 1.0))
    rc = channel.recv_exit_status()
    if rc < 0:
        raise HmcConnectionError(f"{shown}: the channel closed without an exit status (connection lost?)")
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
