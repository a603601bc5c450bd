"""The control socket: every op, errors, blocking exec, and what a forwarder sees on faults."""
from __future__ import annotations

import json
import socket
import stat
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from frontend_helpers import (P740, P750, WAIT_COMMAND, WaitCommand, connect, log_entries, new_key, port_of, run,
                              start_twin, wait_until)
from hmcsim import scenario as scenario_io
from hmcsim.control import ControlClient, ControlError, migration_dump
from hmcsim.service import Twin, TwinThread


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwinThread]:
    thread = start_twin(tmp_path_factory.mktemp("state"), manual_clock=True)
    yield thread
    thread.stop()


@pytest.fixture
def twin(served: TwinThread) -> Iterator[Twin]:
    assert served.twin is not None
    yield served.twin
    ControlClient(served.twin.socket_path).request("fault", action="clear")


@pytest.fixture
def ctl(twin: Twin) -> Iterator[ControlClient]:
    with ControlClient(twin.socket_path) as client:
        yield client


def exec_(ctl: ControlClient, command: str, **extra: Any) -> dict[str, Any]:
    return ctl.request("exec", hmc="bpichmc", user="hscroot", command=command, **{"session": "t1", **extra})


def test_socket_is_reachable_by_everyone(twin: Twin) -> None:
    assert stat.S_IMODE(twin.socket_path.stat().st_mode) == 0o666


def test_info_matches_serve_json(twin: Twin, ctl: ControlClient) -> None:
    info = ctl.request("info")
    on_disk = json.loads((twin.state_dir / "serve.json").read_text())
    assert info == on_disk
    assert info["hmcs"]["bpichmc"] == {"host": "127.0.0.1", "port": port_of(twin),
                                       "known_hosts_line": info["known_hosts_line"]}
    assert info["control_socket"] == str(twin.socket_path)


def test_exec_runs_a_command(ctl: ControlClient, twin: Twin) -> None:
    answer = exec_(ctl, "lssyscfg -r sys -F name")
    assert answer == {"rc": 0, "stdout": f"{P750}\n{P740}\n", "stderr": ""}
    entry = twin.estate.log.entries[-1]
    assert (entry.hmc, entry.user, entry.session, entry.rc) == ("bpichmc", "hscroot", "t1", 0)
    assert exec_(ctl, "nosuch")["rc"] == 127


def test_exec_checks_hmc_and_user(ctl: ControlClient) -> None:
    with pytest.raises(ControlError, match="no user 'root' on HMC bpichmc"):
        ctl.request("exec", hmc="bpichmc", user="root", command="lshmc -V")
    with pytest.raises(ControlError, match="no HMC named 'hmcX'"):
        ctl.request("exec", hmc="hmcX", user="hscroot", command="lshmc -V")


def test_exec_awaits_a_blocking_command(twin: Twin, ctl: ControlClient) -> None:
    answers: list[dict[str, Any]] = []
    with WaitCommand() as waiter:
        worker = threading.Thread(target=lambda: answers.append(exec_(ControlClient(twin.socket_path),
                                                                      f"{WAIT_COMMAND} 120")))
        worker.start()
        wait_until(lambda: waiter.polls >= 1)
        assert exec_(ctl, "lssyscfg -r sys -F name")["rc"] == 0    # other sessions go on meanwhile
        assert not answers
        ctl.request("clock", action="advance", seconds=120)
        worker.join(5)
    assert answers == [{"rc": 0, "stdout": "waited 120\n", "stderr": ""}]


def test_exec_client_gone_while_pending_does_not_cancel(twin: Twin, ctl: ControlClient) -> None:
    with WaitCommand() as waiter:
        sock = socket.socket(socket.AF_UNIX)
        sock.connect(str(twin.socket_path))
        sock.sendall(json.dumps({"op": "exec", "hmc": "bpichmc", "user": "hscroot",
                                 "command": f"{WAIT_COMMAND} 10", "session": "gone"}).encode() + b"\n")
        wait_until(lambda: waiter.polls >= 1)
        sock.close()
        wait_until(lambda: waiter.disconnects == 1)
        ctl.request("clock", action="advance", seconds=10)
        wait_until(lambda: waiter.finished == 1)
    wait_until(lambda: log_entries(twin, WAIT_COMMAND)[-1].rc == 0)


def test_log_since(ctl: ControlClient) -> None:
    exec_(ctl, "lssyscfg -r sys -F name")
    last = ctl.request("log")["entries"][-1]["seq"]
    exec_(ctl, "lssyscfg -r sys -F state")
    exec_(ctl, "nosuch 'a b'")
    entries = ctl.request("log", since=last)["entries"]
    assert [(e["seq"], e["argv"], e["rc"]) for e in entries] == [
        (last + 1, ["lssyscfg", "-r", "sys", "-F", "state"], 0), (last + 2, ["nosuch", "a b"], 127)]
    assert set(entries[0]) >= {"time", "real_time", "hmc", "user", "session", "duration"}


def test_state_dump(ctl: ControlClient, twin: Twin) -> None:
    state = ctl.request("state")
    by_name = {ms["name"]: ms for ms in state["systems"]}
    assert set(by_name) == {P750, P740}
    p750 = by_name[P750]
    assert p750["hmc"] == "bpichmc"
    assert {"name": "b750nl2", "id": 3, "env": "aixlinux", "state": "Running"} in p750["partitions"]
    assert p750["avail_mem_mb"] == twin.estate.avail_mem_mb(twin.estate.systems[P750])
    assert state["hmcs"]["bpichmc"]["port"] == port_of(twin)
    assert state["migrations"] == [] and state["faults"] == []
    assert state["clock"]["manual"] is True


def test_migration_dump_adds_progress() -> None:
    class Mig:
        phase = "memory_copy"
        in_progress = True
        bytes_transmitted = 300
        bytes_remaining = 100

        def to_dict(self) -> dict[str, Any]:
            return {"lpar": "b750nl2", "status": "running"}
    assert migration_dump(Mig()) == {"lpar": "b750nl2", "status": "running", "phase": "memory_copy",
                                     "in_progress": True, "bytes_transmitted": 300, "bytes_remaining": 100,
                                     "percent": 75.0}


def test_clock_ops(ctl: ControlClient) -> None:
    start = ctl.request("clock")
    assert start["manual"] is True
    moved = ctl.request("clock", action="advance", seconds=90)
    assert moved["now"] == pytest.approx(start["now"] + 90)
    assert moved["hmc_time"] != start["hmc_time"]
    assert ctl.request("clock", action="speed", speed=30)["speed"] == 30
    running = ctl.request("clock", action="manual", manual=False)
    assert running["manual"] is False
    time.sleep(0.1)
    assert ctl.request("clock")["now"] > running["now"]
    assert ctl.request("clock", action="manual", manual=True)["manual"] is True
    with pytest.raises(ControlError, match="unknown clock action"):
        ctl.request("clock", action="rewind")


def test_fault_arm_list_clear(ctl: ControlClient) -> None:
    armed = ctl.request("fault", action="arm", kind="migration_failure", target="b750nl2", at_percent=40)
    assert armed["fault"]["kind"] == "migration_failure" and armed["fault"]["id"] == 1
    ctl.request("fault", action="arm", kind="latency", seconds=0.01)
    listed = ctl.request("fault", action="list")["faults"]
    assert [(f["id"], f["kind"], f["target"], f["count"]) for f in listed] == [
        (1, "migration_failure", "b750nl2", 1), (2, "latency", "", 0)]
    assert listed[0]["at_percent"] == 40
    assert ctl.request("fault", action="clear", kind="latency") == {"cleared": 1}
    assert [f["kind"] for f in ctl.request("fault", action="list")["faults"]] == ["migration_failure"]
    assert ctl.request("fault", action="clear") == {"cleared": 1}


def test_fault_errors(ctl: ControlClient) -> None:
    with pytest.raises(ControlError, match="unknown fault kind 'meteor'"):
        ctl.request("fault", action="arm", kind="meteor")
    with pytest.raises(ControlError, match="unknown fault fields: colour"):
        ctl.request("fault", action="arm", kind="latency", colour="red")
    with pytest.raises(ControlError, match="no HMC named 'hmcX'"):
        ctl.request("fault", action="arm", kind="hmc_restart", target="hmcX")


def test_exec_sees_front_end_faults(twin: Twin, ctl: ControlClient) -> None:
    ctl.request("fault", action="arm", kind="refuse_connections", count=1)
    with pytest.raises(ControlError, match="connection closed") as refused:
        exec_(ctl, "lssyscfg -r sys -F name")
    assert refused.value.answer["disconnected"] is True
    assert exec_(ctl, "lssyscfg -r sys -F name")["rc"] == 0
    with WaitCommand() as waiter:
        ctl.request("fault", action="arm", kind="ssh_disconnect", command=WAIT_COMMAND, seconds=0.1)
        with pytest.raises(ControlError, match="connection dropped"):
            exec_(ctl, f"{WAIT_COMMAND} 5")
        wait_until(lambda: waiter.disconnects == 1)
        ctl.request("clock", action="advance", seconds=5)
        wait_until(lambda: waiter.finished == 1)


def test_hmc_restart_drops_forwarded_sessions_and_refuses_new_ones(twin: Twin, ctl: ControlClient) -> None:
    errors: list[ControlError] = []

    def blocked() -> None:
        try:
            exec_(ControlClient(twin.socket_path), f"{WAIT_COMMAND} 20")
        except ControlError as exc:
            errors.append(exc)

    with WaitCommand() as waiter:
        worker = threading.Thread(target=blocked)
        worker.start()
        wait_until(lambda: waiter.polls >= 1)
        armed = ctl.request("fault", action="arm", kind="hmc_restart", target="bpichmc", seconds=0.5)
        assert armed["dropped_connections"] == 1
        worker.join(5)
        assert [str(e) for e in errors] == ["bpichmc: connection dropped"]
        with pytest.raises(ControlError, match="connection refused"):
            exec_(ctl, "lssyscfg -r sys -F name")
        time.sleep(0.6)
        assert exec_(ctl, "lssyscfg -r sys -F name")["rc"] == 0
        ctl.request("clock", action="advance", seconds=20)     # the dropped command still finishes
        wait_until(lambda: waiter.finished == 1)
    assert waiter.disconnects == 1


def test_scenario_dump_with_and_without_secrets(ctl: ControlClient) -> None:
    full = ctl.request("scenario")["yaml"]
    bare = ctl.request("scenario", secrets=False)["yaml"]
    assert "abc123" in full and "abc123" not in bare
    reloaded = scenario_io.from_dict(yaml.safe_load(full))
    assert [ms.name for ms in reloaded.systems] == [P750, P740]
    assert reloaded.hmcs[0].users[0].password == "abc123"


def test_authorize_adds_a_login_key(ctl: ControlClient, twin: Twin) -> None:
    key, public = new_key()
    with pytest.raises(ControlError, match="not an OpenSSH public key"):
        ctl.request("authorize", hmc="bpichmc", user="hscroot", key="ssh-ed25519 garbage")
    with pytest.raises(ControlError, match="no user 'nobody'"):
        ctl.request("authorize", hmc="bpichmc", user="nobody", key=public)
    assert ctl.request("authorize", hmc="bpichmc", user="hscroot", key=public) == {"authorized_keys": 1}
    with connect(port_of(twin), password=None, pkey=key) as client:
        assert run(client, "lssyscfg -r sys -F name")[0] == 0


def test_bad_requests_keep_the_connection_usable(twin: Twin) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(twin.socket_path))
        reader = sock.makefile("rb")
        for line in (b"not json\n", b"[1]\n", b'{"op": "launch"}\n', b'{"op": "exec"}\n', b'{"op": "clock"}\n'):
            sock.sendall(line)
            answers = json.loads(reader.readline())
            if line == b'{"op": "clock"}\n':
                assert answers["ok"] is True
            else:
                assert answers["ok"] is False and answers["error"]
        reader.close()


def test_shutdown_and_one_twin_per_state_dir(tmp_path: Path) -> None:
    thread = start_twin(tmp_path / "state")
    twin = thread.twin
    with pytest.raises(RuntimeError, match="another twin is serving"):
        start_twin(tmp_path / "state")
    assert ControlClient(twin.socket_path).request("shutdown") == {"stopping": True}
    thread._thread.join(5)  # pylint: disable=protected-access
    assert not thread._thread.is_alive()  # pylint: disable=protected-access
    assert not (tmp_path / "state" / "serve.json").exists()
    assert not twin.socket_path.exists()
