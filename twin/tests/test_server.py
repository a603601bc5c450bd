"""The asyncssh front end: login, exec, shell, concurrency, blocking commands and front-end faults."""
from __future__ import annotations

import base64
import hashlib
import socket
import time
from pathlib import Path
from typing import Iterator

import paramiko
import pytest

from frontend_helpers import (P740, P750, WAIT_COMMAND, WaitCommand, connect, log_entries, new_key, port_of, run,
                              seed_lab, start_twin, wait_until)
from hmcsim.control import ControlClient, ControlError
from hmcsim.model import Hmc, User
from hmcsim.service import Twin, TwinThread, ports_for


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[paramiko.Ed25519Key, str]]:
    return {"hscroot": new_key(), "other": new_key()}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, keys: dict) -> Iterator[TwinThread]:
    sc = seed_lab()
    hmc = sc.hmcs[0]
    hmc.users[0].authorized_keys.append(keys["hscroot"][1])
    hmc.users.append(User(name="viewer", password=None, authorized_keys=[keys["other"][1]], role="hmcviewer"))
    thread = start_twin(tmp_path_factory.mktemp("state"), sc, manual_clock=True)
    yield thread
    thread.stop()


@pytest.fixture
def twin(served: TwinThread) -> Iterator[Twin]:
    assert served.twin is not None
    yield served.twin
    ControlClient(served.twin.socket_path).request("fault", action="clear")


def test_password_login_runs_a_command(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        rc, out, err = run(client, "lssyscfg -r sys -F name")
    assert (rc, err) == (0, "")
    assert out.splitlines() == [P750, P740]


def test_exit_status_and_stderr_of_an_unknown_command(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        assert run(client, "frobnicate -x") == (127, "", "rbash: frobnicate: command not found\n")
        assert run(client, "/bin/ls") == (1, "", "rbash: /bin/ls: restricted\n")


def test_public_key_login(twin: Twin, keys: dict) -> None:
    with connect(port_of(twin), password=None, pkey=keys["hscroot"][0]) as client:
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
    with connect(port_of(twin), user="viewer", password=None, pkey=keys["other"][0]) as client:
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
    entry = twin.estate.log.entries[-1]
    assert (entry.user, entry.hmc) == ("viewer", "bpichmc")


def test_wrong_password_and_wrong_key_are_refused(twin: Twin, keys: dict) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(port_of(twin), password="wrong")
    with pytest.raises(paramiko.AuthenticationException):
        connect(port_of(twin), user="nobody", password="abc123")
    with pytest.raises(paramiko.AuthenticationException):
        connect(port_of(twin), password=None, pkey=keys["other"][0])   # viewer's key, not hscroot's


def test_session_ids_name_connection_and_channel(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        run(client, "lssyscfg -r sys -F name")
        run(client, "lssyscfg -r sys -F name")
    first, second = twin.estate.log.entries[-2:]
    assert first.session.startswith("bpichmc/ssh") and second.session.startswith("bpichmc/ssh")
    assert first.session.rsplit("/", 1)[0] == second.session.rsplit("/", 1)[0]
    assert first.session != second.session


def test_quoted_argument_stays_one_argv_element(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        run(client, f'viosvrcmd -m {P750} -p b750vio1 -c "lsdev -dev vioslpm0; echo x"')
    assert twin.estate.log.entries[-1].argv == ["viosvrcmd", "-m", P750, "-p", "b750vio1", "-c",
                                                "lsdev -dev vioslpm0; echo x"]


def _read_until(chan: paramiko.Channel, marker: str, timeout: float = 5.0) -> str:
    data = ""
    deadline = time.monotonic() + timeout
    while marker not in data:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {marker!r} in {data!r}")
        if chan.recv_ready():
            data += chan.recv(65536).decode()
        else:
            time.sleep(0.01)
    return data


def test_interactive_shell(twin: Twin) -> None:
    prompt = "hscroot@bpichmc:~> "
    with connect(port_of(twin)) as client:
        chan = client.invoke_shell()
        assert _read_until(chan, prompt).endswith(prompt)
        chan.send(b"lssyscfg -r sys -F name\n")
        text = _read_until(chan, P740 + "\r\n" + prompt)
        assert "lssyscfg -r sys -F name" in text          # echoed by the pseudo-terminal
        chan.send(b"exit\n")
        assert chan.recv_exit_status() == 0
    assert twin.estate.log.entries[-1].argv == ["lssyscfg", "-r", "sys", "-F", "name"]


def test_shell_without_a_terminal_reads_lines(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        chan = client.get_transport().open_session()
        chan.invoke_shell()
        chan.sendall(b"lssyscfg -r sys -F name\nnosuch\n")
        chan.shutdown_write()
        assert chan.recv_exit_status() == 0
        out = chan.makefile().read().decode()
        err = chan.makefile_stderr().read().decode()
    assert out == f"hscroot@bpichmc:~> {P750}\n{P740}\nhscroot@bpichmc:~> hscroot@bpichmc:~> "
    assert err == "rbash: nosuch: command not found\n"


def test_parallel_commands_over_one_connection(twin: Twin) -> None:
    with connect(port_of(twin)) as client:
        transport = client.get_transport()
        chans = [transport.open_session() for _ in range(8)]
        for chan in chans:
            chan.exec_command("lssyscfg -r sys -F name")
        results = [(chan.recv_exit_status(), chan.makefile().read().decode()) for chan in chans]
    assert results == [(0, f"{P750}\n{P740}\n")] * 8
    assert len({e.session for e in twin.estate.log.entries[-8:]}) == 8


def test_blocking_command_does_not_block_other_sessions(twin: Twin) -> None:
    with WaitCommand() as waiter, connect(port_of(twin)) as client:
        transport = client.get_transport()
        blocked = transport.open_session()
        blocked.exec_command(f"{WAIT_COMMAND} 300")
        wait_until(lambda: waiter.polls >= 1)
        started = time.monotonic()
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
        assert time.monotonic() - started < 1.0
        assert not blocked.exit_status_ready()
        twin.estate.clock.advance(299)
        time.sleep(0.3)
        assert not blocked.exit_status_ready()
        twin.estate.clock.advance(1)
        assert blocked.recv_exit_status() == 0
        assert blocked.makefile().read().decode() == "waited 300\n"
    assert waiter.disconnects == 0


def test_blocking_migration_through_the_engine(tmp_path: Path) -> None:
    thread = start_twin(tmp_path / "state", manual_clock=True)
    try:
        twin = thread.twin
        assert twin.estate.engine is not None
        with connect(port_of(twin)) as client:
            chan = client.get_transport().open_session()
            chan.exec_command(f"migrlpar -o m -m {P750} -t {P740} -p b750nl2")
            control = ControlClient(twin.socket_path)
            running = wait_until(lambda: control.request("state")["migrations"])
            assert running[0]["lpar"] == "b750nl2" and running[0]["in_progress"] is True
            started = time.monotonic()
            assert run(client, f"lssyscfg -r lpar -m {P740} -F name")[0] == 0
            assert time.monotonic() - started < 1.0 and not chan.exit_status_ready()
            control.request("clock", action="advance", seconds=3600)
            assert chan.recv_exit_status() == 0
            rc, names, _ = run(client, f"lssyscfg -r lpar -m {P740} -F name")
        assert rc == 0 and "b750nl2" in names.split()
        done = control.request("state")["migrations"][0]
        assert done["in_progress"] is False and done["percent"] == 100.0
    finally:
        thread.stop()


def test_disconnect_while_pending_does_not_cancel(twin: Twin) -> None:
    with WaitCommand() as waiter:
        client = connect(port_of(twin))
        chan = client.get_transport().open_session()
        chan.exec_command(f"{WAIT_COMMAND} 60")
        wait_until(lambda: waiter.polls >= 1)
        client.close()
        wait_until(lambda: waiter.disconnects == 1)
        twin.estate.clock.advance(60)
        wait_until(lambda: waiter.finished == 1)
        entry = wait_until(lambda: [e for e in log_entries(twin, WAIT_COMMAND) if e.rc is not None])[-1]
    assert entry.rc == 0
    assert waiter.disconnects == 1


# ----- front-end faults -----

def test_latency_fault_delays_matching_commands_only(twin: Twin) -> None:
    arm(twin, {"kind": "latency", "seconds": 0.4, "command": "lssyscfg -r sys"})
    with connect(port_of(twin)) as client:
        started = time.monotonic()
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
        slow = time.monotonic() - started
        started = time.monotonic()
        run(client, "lssyscfg -r lpar -m " + P750 + " -F name")
        fast = time.monotonic() - started
        started = time.monotonic()
        run(client, "lssyscfg -r sys -F state")
        again = time.monotonic() - started
    assert slow >= 0.4 and again >= 0.4    # count defaults to every time for latency
    assert fast < 0.3


def test_ssh_disconnect_drops_the_channel_while_the_command_goes_on(twin: Twin) -> None:
    with WaitCommand() as waiter:
        arm(twin, {"kind": "ssh_disconnect", "command": WAIT_COMMAND, "seconds": 0.2})
        with connect(port_of(twin)) as client:
            chan = client.get_transport().open_session()
            chan.exec_command(f"{WAIT_COMMAND} 30")
            assert chan.recv_exit_status() == -1          # closed without an exit status
            assert client.get_transport().is_active()     # only the channel went away
            assert run(client, f"{WAIT_COMMAND} 0") == (0, "waited 0\n", "")  # the fault fired once
        wait_until(lambda: waiter.disconnects == 1)
        twin.estate.clock.advance(30)
        wait_until(lambda: waiter.finished == 2)


def test_refuse_connections_by_count(twin: Twin) -> None:
    arm(twin, {"kind": "refuse_connections", "count": 1})
    with pytest.raises((paramiko.SSHException, EOFError, ConnectionError, socket.error)):
        connect(port_of(twin), timeout=3)
    with connect(port_of(twin)) as client:
        assert run(client, "lssyscfg -r sys -F name")[0] == 0


def test_capacity_taken_shows_in_lshwres_and_is_given_back(twin: Twin) -> None:
    query = f"lshwres -r mem -m {P740} --level sys -F curr_avail_sys_mem"
    with connect(port_of(twin)) as client:
        before = int(run(client, query)[1])
        armed = arm(twin, {"kind": "capacity_taken", "target": P740, "memory_mb": 8192,
                                 "proc_units": 1.5})
        during = int(run(client, query)[1])
        rc, names, _ = run(client, f"lssyscfg -r lpar -m {P740} -F name")
        ControlClient(twin.socket_path).request("fault", action="clear", kind="capacity_taken")
        after = int(run(client, query)[1])
    assert armed["taken_mem_mb"] >= 8192
    assert before - during == armed["taken_mem_mb"]
    assert armed["taken_proc_units"] == 1.5
    assert armed["partition"] in names.split()
    assert after == before


def test_capacity_taken_needs_a_system_target(twin: Twin) -> None:
    with pytest.raises(ControlError, match="managed system"):
        arm(twin, {"kind": "capacity_taken", "target": "nosuch", "memory_mb": 1024})


# ----- faults and restarts on their own twin -----

def test_refuse_connections_for_seconds(tmp_path: Path) -> None:
    thread = start_twin(tmp_path / "state")
    try:
        twin = thread.twin
        port = port_of(twin)
        arm(twin, {"kind": "refuse_connections", "seconds": 0.5})
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        time.sleep(0.7)
        with connect(port) as client:
            assert run(client, "lssyscfg -r sys -F name")[0] == 0
    finally:
        thread.stop()


def test_hmc_restart_drops_connections_refuses_then_comes_back(tmp_path: Path) -> None:
    thread = start_twin(tmp_path / "state")
    try:
        twin = thread.twin
        port = port_of(twin)
        client = connect(port)
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
        logged = len(twin.estate.log.entries)
        armed = arm(twin, {"kind": "hmc_restart", "target": "bpichmc", "seconds": 0.6})
        assert armed["dropped_connections"] == 1
        wait_until(lambda: not client.get_transport().is_active())
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        time.sleep(0.8)
        with connect(port) as again:
            assert run(again, "lssyscfg -r sys -F name")[0] == 0
        assert len(twin.estate.log.entries) == logged + 1     # state (the log) kept across the restart
    finally:
        thread.stop()


def test_host_key_persists_across_restarts(tmp_path: Path) -> None:
    seen = []
    for _ in range(2):
        thread = start_twin(tmp_path / "state")
        try:
            twin = thread.twin
            with connect(port_of(twin)) as client:
                key = client.get_transport().get_remote_server_key()
            digest = base64.b64encode(hashlib.sha256(key.asbytes()).digest()).decode().rstrip("=")
            assert twin.fingerprint == f"SHA256:{digest}"
            assert key.get_name() == "ssh-ed25519"
            seen.append(twin.fingerprint)
        finally:
            thread.stop()
    assert seen[0] == seen[1]
    assert (tmp_path / "state" / "ssh_host_ed25519_key").stat().st_mode & 0o077 == 0


def test_each_hmc_gets_its_own_port_and_users(tmp_path: Path) -> None:
    sc = seed_lab()
    second = User(name="admin2", password="pw2")
    sc.hmcs.append(Hmc(name="hmc2", users=[second]))
    thread = start_twin(tmp_path / "state", sc)
    try:
        twin = thread.twin
        assert port_of(twin, "hmc2") != port_of(twin, "bpichmc")
        with connect(port_of(twin, "hmc2"), user="admin2", password="pw2") as client:
            assert run(client, "lssyscfg -r sys -F name") == (0, "No results were found.\n", "")
        with pytest.raises(paramiko.AuthenticationException):
            connect(port_of(twin, "hmc2"), user="hscroot", password="abc123")
    finally:
        thread.stop()


def arm(twin: Twin, spec: dict) -> dict:
    """Arm a fault through the control socket, as ``hmcsim ctl fault arm`` does."""
    return ControlClient(twin.socket_path).request("fault", action="arm", **spec)


def test_ports_for_each_hmc() -> None:
    sc = seed_lab()
    sc.hmcs += [Hmc(name="hmc2"), Hmc(name="hmc3", ssh_port=2400)]
    assert ports_for(sc, None) == {"bpichmc": 2222, "hmc2": 2223, "hmc3": 2400}
    assert ports_for(sc, 3000) == {"bpichmc": 3000, "hmc2": 3001, "hmc3": 2400}
    assert ports_for(sc, 0) == {"bpichmc": 0, "hmc2": 0, "hmc3": 0}
