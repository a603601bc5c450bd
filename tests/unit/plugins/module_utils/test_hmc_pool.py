# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection pool of the HMC client: slots per connection, lazy connections, refused channels.

The pool alone with fake transports, then HmcClient on fake transports that act like an OpenSSH
server with a MaxSessions limit (a channel beyond it: ChannelException(1, ...)), then HmcClient against
the in-process SSH server of conftest.py.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_client
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient, HmcConnectionParams
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcConnectionError, HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_pool import ConnectionPool, Link

paramiko = pytest.importorskip("paramiko")

PASSWORD = "Pw-for-tests-7731"  # the password the test server accepts (conftest.PASSWORD)
WAIT = 10.0


class Transport:
    """A pool-level fake: alive until closed."""

    def __init__(self) -> None:
        self.active = True
        self.closed = 0

    def is_active(self) -> bool:
        return self.active

    def close(self) -> None:
        self.active = False
        self.closed += 1


def take(pool: ConnectionPool) -> Link:
    """A slot, and a channel opened on it."""
    link = pool.acquire()
    pool.channel_opened(link)
    return link


def test_one_connection_until_it_is_full_then_another():
    opened = []
    pool = ConnectionPool(lambda: opened.append(Transport()) or opened[-1], 3)
    links = [take(pool) for _n in range(7)]
    assert [link.number for link in links] == [1, 1, 1, 2, 2, 2, 3]
    assert pool.opened == len(opened) == 3
    pool.release(links[0], was_open=True)  # a slot on the first connection comes free: it is taken before any other
    assert take(pool) is links[0]
    pool.release(links[3], was_open=True)
    pool.release(links[6], was_open=True)
    assert take(pool) is links[3]
    assert pool.opened == 3
    assert [(x.busy, x.open) for x in pool.links()] == [(3, 3), (3, 3), (0, 0)]
    pool.close()
    assert [t.closed for t in opened] == [1, 1, 1] and pool.links() == []


def test_a_full_connection_is_full_at_what_it_has_open_and_later_ones_learn_it():
    pool = ConnectionPool(Transport, 10)
    first = [take(pool) for _n in range(4)]
    pending = [pool.acquire() for _n in range(3)]  # slots taken, channels not open yet
    assert pool.has_room(pending[0])
    assert pool.mark_full(pending[0]) is True  # the server refused the fifth channel
    pool.release(pending[0])
    assert (first[0].limit, first[0].open, pool.refusals, pool.new_limit) == (4, 4, 1, 4)
    assert not pool.has_room(pending[1])  # the others waiting on that connection must not ask it again
    for link in pending[1:]:
        pool.release(link)
    later = [take(pool) for _n in range(6)]
    assert [link.number for link in later] == [2, 2, 2, 2, 3, 3]
    assert later[0].limit == 4 and later[4].limit == 4
    # A refusal with nothing open on the connection says nothing about a limit: nothing changes.
    lone = ConnectionPool(Transport, 10)
    link = lone.acquire()
    assert lone.mark_full(link) is False
    assert (link.limit, lone.refusals, lone.new_limit) == (10, 0, 10)


def test_the_largest_limit_a_refusal_revealed_is_the_one_new_connections_get():
    pool = ConnectionPool(Transport, 10)
    first = [take(pool) for _n in range(10)]
    second = [take(pool) for _n in range(3)]
    assert {x.number for x in first} == {1} and {x.number for x in second} == {2}
    refused = pool.acquire()
    assert refused.number == 2 and pool.mark_full(refused)  # connection 2 refused its fourth channel
    pool.release(refused)
    assert pool.new_limit == 3
    pool.release(first[0], was_open=True)
    again = pool.acquire()
    assert again is first[0]
    assert pool.mark_full(again)  # connection 1 refused its tenth: 9 is what a connection may hold
    pool.release(again)
    assert (first[0].limit, second[0].limit, pool.new_limit, pool.refusals) == (9, 3, 9, 2)


def test_lost_connections_are_left_and_replaced():
    made = []
    pool = ConnectionPool(lambda: made.append(Transport()) or made[-1], 2)
    first = pool.acquire()
    made[0].active = False  # the connection died under the command holding its slot
    second = pool.acquire()
    assert second.number == 2 and pool.links() == [second]
    pool.release(first, was_open=True)  # the slot of a forgotten connection: nothing breaks
    pool.drop(second)
    assert pool.links() == [] and made[1].closed == 1
    assert pool.acquire().number == 3 and pool.opened == 3


def test_a_connection_that_cannot_be_opened_lets_the_next_caller_try():
    attempts = []

    def opener() -> Transport:
        attempts.append(1)
        if len(attempts) == 1:
            raise HmcConnectionError("refused for the test")
        return Transport()

    pool = ConnectionPool(opener, 2)
    with pytest.raises(HmcConnectionError):
        pool.acquire()
    assert pool.opened == 0 and pool.links() == []
    assert pool.acquire().number == 1


def test_connections_are_opened_one_at_a_time_and_waiters_use_them():
    """Twelve callers at once with 4 channels per connection: exactly three connections, never two opening at once."""
    opening = []
    at_once = []
    lock = threading.Lock()

    def opener() -> Transport:
        with lock:
            opening.append(1)
            at_once.append(len(opening))
        time.sleep(0.05)
        with lock:
            opening.pop()
        return Transport()

    pool = ConnectionPool(opener, 4)
    with ThreadPoolExecutor(max_workers=12) as workers:
        links = list(workers.map(lambda _i: pool.acquire(), range(12)))
    assert pool.opened == 3 and max(at_once) == 1
    assert sorted(link.number for link in links) == [1] * 4 + [2] * 4 + [3] * 4


# ----- HmcClient on fake paramiko transports -----


class Sshd:
    """What an OpenSSH server does with channels: at most ``max_sessions`` per connection, the next refused."""

    def __init__(self, max_sessions: int, expected: int, code: int = 2, lag: float = 0.0) -> None:
        self.max_sessions = max_sessions
        self.code = code  # 2 (connect failed) as OpenSSH 9.2 answers, 1 (administratively prohibited) as older ones
        self.lag = lag  # seconds a closed channel still counts, as sshd lets it go a little after the close
        self.expected = expected  # commands held until this many run at once (or WAIT passes)
        self.lock = threading.Lock()
        self.transports: list[FakeTransport] = []
        self.sent: list[str] = []
        self.refused = 0
        self.running = 0
        self.peak = 0
        self.gate = threading.Event()

    def connect(self) -> FakeTransport:
        with self.lock:
            transport = FakeTransport(self, len(self.transports) + 1)
            self.transports.append(transport)
            return transport


class FakeTransport:
    def __init__(self, sshd: Sshd, number: int) -> None:
        self.sshd = sshd
        self.number = number
        self.active = True
        self.open = 0
        self.closing: list[float] = []
        self.max_open = 0
        self.opens_at_once = 0
        self.max_opens_at_once = 0

    def is_active(self) -> bool:
        return self.active

    def close(self) -> None:
        self.active = False

    def open_session(self, timeout: float | None = None) -> FakeChannel:
        with self.sshd.lock:
            self.opens_at_once += 1
            self.max_opens_at_once = max(self.max_opens_at_once, self.opens_at_once)
        time.sleep(0.002)  # room for a second open on this transport, if the client allowed one
        with self.sshd.lock:
            self.opens_at_once -= 1
            now = time.monotonic()
            self.closing = [t for t in self.closing if now - t < self.sshd.lag]
            if self.open + len(self.closing) >= self.sshd.max_sessions:
                self.sshd.refused += 1
                raise paramiko.ChannelException(self.sshd.code, {1: "Administratively prohibited", 2: "Connect failed"}[self.sshd.code])
            self.open += 1
            self.max_open = max(self.max_open, self.open)
        return FakeChannel(self)


class FakeChannel:
    recv_ready = recv_stderr_ready = staticmethod(lambda: False)
    exit_status_ready = staticmethod(lambda: True)
    eof_received = True
    closed = False

    def __init__(self, transport: FakeTransport) -> None:
        self.transport = transport

    def exec_command(self, command: str) -> None:
        sshd = self.transport.sshd
        with sshd.lock:
            sshd.sent.append(command)
            if command.startswith("lslparmigr"):  # a short read: done at once
                return
            sshd.running += 1
            sshd.peak = max(sshd.peak, sshd.running)
            if sshd.running >= sshd.expected:
                sshd.gate.set()
        sshd.gate.wait(WAIT)
        with sshd.lock:
            sshd.running -= 1

    def recv_exit_status(self) -> int:
        return 0

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with self.transport.sshd.lock:
                self.transport.open -= 1
                self.transport.closing.append(time.monotonic())


def fake_client(sshd: Sshd, channels_per_connection: int, max_channels: int, monkeypatch) -> HmcClient:
    params = HmcConnectionParams(host="hmc1", password="x", host_key_policy="ignore", channels_per_connection=channels_per_connection)
    client = HmcClient(params, max_channels=max_channels, retry_delay=0)
    monkeypatch.setattr(client, "_open_transport", sshd.connect)
    return client


def run_at_once(client: HmcClient, count: int, read_only: bool = False) -> list[str]:
    commands = [["migrlpar", "-o", "m", "-m", "SRC", "-t", "TGT", "-p", f"lp{i:02d}"] for i in range(count)]
    with ThreadPoolExecutor(max_workers=count) as workers:
        results = list(workers.map(lambda argv: client.run(argv, read_only=read_only), commands))
    return [r.command for r in results]


@pytest.mark.parametrize("count, connections", [(10, 1), (11, 2), (20, 2), (25, 3)])
def test_more_commands_at_once_than_a_connection_holds_open_more_connections(monkeypatch, count, connections):
    sshd = Sshd(max_sessions=10, expected=count)
    with fake_client(sshd, 10, count, monkeypatch) as client:
        done = run_at_once(client, count)
    assert sshd.peak == count  # every command ran at the same moment
    assert sorted(done) == sorted(sshd.sent) and len(set(sshd.sent)) == count  # each sent once
    assert client.connections_opened == len(sshd.transports) == connections == -(-count // 10)
    assert sshd.refused == 0 and client.channels_refused == 0
    assert [t.max_open for t in sshd.transports] == [10] * (count // 10) + ([count % 10] if count % 10 else [])


@pytest.mark.parametrize("code", [1, 2])
def test_a_server_limit_below_the_option_is_found_by_one_refusal(monkeypatch, code):
    """Limit 4 on the server, 10 in the option, 10 commands at once: the fifth channel of the first connection is
    refused (with either reason sshd releases use); that command runs on a second connection, which like the third
    holds at most 4; nothing is sent twice."""
    sshd = Sshd(max_sessions=4, expected=10, code=code)
    with fake_client(sshd, 10, 10, monkeypatch) as client:
        done = run_at_once(client, 10)
    assert sorted(sshd.sent) == sorted(done) and len(set(sshd.sent)) == 10
    assert sshd.refused == 1 and client.channels_refused == 1
    assert [t.max_open for t in sshd.transports] == [4, 4, 2] and client.connections_opened == 3
    assert all(t.max_opens_at_once == 1 for t in sshd.transports)  # channel opens are one at a time per connection


def test_a_lower_limit_costs_one_refusal_not_one_per_connection(monkeypatch):
    """A limit 3 server and 9 commands at once: one refusal, three connections of three."""
    sshd = Sshd(max_sessions=3, expected=9)
    with fake_client(sshd, 10, 9, monkeypatch) as client:
        run_at_once(client, 9, read_only=True)
    assert sshd.refused == 1 and [t.max_open for t in sshd.transports] == [3, 3, 3]


def test_a_channel_closed_just_before_a_refusal_is_waited_for_not_taken_for_a_limit(monkeypatch):
    """A server at its limit of 10 that lets a closed channel go 20 ms after the close, as sshd does: with nine
    migrations holding their channels, ten polls one after the other on the tenth are each refused once right after
    the close before them, asked again after the pause, and run; the connection keeps its limit of 10."""
    sshd = Sshd(max_sessions=10, expected=99, lag=0.02)  # the test opens the gate
    with fake_client(sshd, 10, 10, monkeypatch) as client:
        with ThreadPoolExecutor(max_workers=9) as workers:
            held = [workers.submit(client.run, ["migrlpar", "-o", "m", "-m", "SRC", "-t", "TGT", "-p", f"lp{i}"]) for i in range(9)]
            deadline = time.monotonic() + WAIT
            while sshd.running < 9 and time.monotonic() < deadline:
                time.sleep(0.005)
            polls = [client.run(["lslparmigr", "-r", "lpar", "-m", f"S{j}"], read_only=True).rc for j in range(10)]
            limits = [link.limit for link in client._pool.links()]  # pylint: disable=protected-access
            sshd.gate.set()
            assert [f.result().rc for f in held] == [0] * 9
    assert polls == [0] * 10 and limits == [10]
    assert len(sshd.sent) == len(set(sshd.sent)) == 19
    assert sshd.refused == 9  # every poll but the first came right after a close
    assert client.connections_opened == 1 and client.channels_refused == 0


def test_a_refusal_with_nothing_else_open_fails_the_command_unsent(monkeypatch):
    sshd = Sshd(max_sessions=0, expected=1)
    with fake_client(sshd, 10, 4, monkeypatch) as client:
        with pytest.raises(HmcConnectionError, match="refused a session channel: Connect failed .code 2.*not retried"):
            client.run(["migrlpar", "-o", "m", "-m", "SRC", "-t", "TGT", "-p", "lp1"])
    assert sshd.sent == [] and client.connections_opened == 1


def test_another_channel_open_failure_is_not_taken_for_a_limit(monkeypatch):
    sshd = Sshd(max_sessions=10, expected=1)

    def connect() -> FakeTransport:
        transport = Sshd.connect(sshd)

        def refuse(timeout: float | None = None) -> FakeChannel:
            raise paramiko.ChannelException(4, "Resource shortage")

        transport.open_session = refuse  # type: ignore[method-assign]
        return transport

    with fake_client(sshd, 10, 4, monkeypatch) as client:
        monkeypatch.setattr(client, "_open_transport", connect)
        with pytest.raises(HmcConnectionError, match="Resource shortage .code 4"):
            client.run(["lshmc", "-V"], read_only=True)
    assert client.channels_refused == 0


def test_channels_per_connection_must_be_positive():
    with pytest.raises(HmcInputError, match="at least 1"):
        HmcClient(HmcConnectionParams(host="hmc1", password="x", channels_per_connection=0))


# ----- HmcClient against the in-process SSH server -----


def test_every_connection_checks_the_host_key_and_authenticates(ssh_server, known_hosts, monkeypatch):
    import asyncio  # pylint: disable=import-outside-toplevel

    held = threading.Event()
    running = []

    async def hold(command):
        running.append(command)
        if len(running) >= 7:
            held.set()
        while not held.is_set():
            await asyncio.sleep(0.01)
        return 0, command + "\n", ""

    ssh_server.handler = hold
    verified = []
    real_verify = _hmc_client.HostKeyChecker.verify
    monkeypatch.setattr(_hmc_client.HostKeyChecker, "verify", lambda self, key: verified.append(key.get_name()) or real_verify(self, key))
    params = HmcConnectionParams(host="127.0.0.1", port=ssh_server.port, user=ssh_server.user, password=PASSWORD,
                                 known_hosts=str(known_hosts), connect_timeout=5, channels_per_connection=3)  # fmt: skip
    with HmcClient(params, max_channels=7, retry_delay=0) as client:
        with ThreadPoolExecutor(max_workers=7) as workers:
            results = list(workers.map(lambda i: client.run(["lshmc", f"-{i}"], read_only=True), range(7)))
    assert [r.stdout for r in results] == [f"lshmc -{i}\n" for i in range(7)]
    assert client.connections_opened == ssh_server.connections == 3
    assert ssh_server.auth_attempts == 3 and verified == ["ssh-ed25519"] * 3
    assert ssh_server.max_active == 7
