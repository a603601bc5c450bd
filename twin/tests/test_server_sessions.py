"""Session channels per SSH connection: at most ``Hmc.ssh_max_sessions`` open at once, the next refused as
OpenSSH's sshd refuses a channel beyond MaxSessions: a channel open failure with the reason
``Hmc.ssh_session_refusal`` (connect failed as OpenSSH 9.2 answers, or administratively prohibited)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import paramiko
import pytest

from frontend_helpers import P740, P750, WAIT_COMMAND, WaitCommand, connect, port_of, run, seed_lab, start_twin, wait_until
from hmcsim import scenario
from hmcsim.control import ControlClient
from hmcsim.service import Twin, TwinThread


def served(state_dir: Path, max_sessions: int | None, refusal: str | None = None) -> TwinThread:
    sc = seed_lab()
    if max_sessions is not None:
        sc.hmcs[0].ssh_max_sessions = max_sessions
    if refusal is not None:
        sc.hmcs[0].ssh_session_refusal = refusal
    return start_twin(state_dir, sc, manual_clock=True)


@pytest.fixture(scope="module")
def default_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twin]:
    thread = served(tmp_path_factory.mktemp("state"), None)
    assert thread.twin is not None
    yield thread.twin
    thread.stop()


def refusals(twin: Twin) -> int:
    return int(ControlClient(twin.socket_path).request("state")["hmcs"]["bpichmc"]["sessions_refused"])


def test_the_eleventh_session_of_a_connection_is_refused_as_openssh_does(default_twin: Twin) -> None:
    before = refusals(default_twin)
    with connect(port_of(default_twin)) as client:
        transport = client.get_transport()
        assert transport is not None
        chans = [transport.open_session() for _ in range(10)]
        with pytest.raises(paramiko.ChannelException) as refused:
            transport.open_session()
        assert (refused.value.code, refused.value.text) == (2, "Connect failed")   # what OpenSSH 9.2 answers
        assert transport.is_active()            # the connection stays; only the channel is refused
        # Another connection has sessions of its own.
        with connect(port_of(default_twin)) as other:
            assert run(other, "lssyscfg -r sys -F name") == (0, f"{P750}\n{P740}\n", "")
        # A closed channel frees its place at once.
        chans.pop().close()
        chan = transport.open_session()
        chan.exec_command("lssyscfg -r sys -F name")
        assert chan.recv_exit_status() == 0
        for other_chan in chans:
            other_chan.close()
    state = ControlClient(default_twin.socket_path).request("state")["hmcs"]["bpichmc"]
    assert (state["max_sessions"], state["peak_sessions"], state["sessions_refused"] - before) == (10, 10, 1)


def test_finished_commands_free_their_sessions(default_twin: Twin) -> None:
    before = refusals(default_twin)
    with connect(port_of(default_twin)) as client:
        for _ in range(25):
            assert run(client, "lssyscfg -r sys -F name")[0] == 0
    assert refusals(default_twin) == before


def test_blocking_commands_and_shells_hold_their_sessions(default_twin: Twin) -> None:
    before = refusals(default_twin)
    with WaitCommand() as waiter, connect(port_of(default_twin)) as client:
        transport = client.get_transport()
        assert transport is not None
        blocked = []
        for _ in range(9):
            chan = transport.open_session()
            chan.exec_command(f"{WAIT_COMMAND} 60")
            blocked.append(chan)
        shell = client.invoke_shell()
        wait_until(lambda: waiter.polls >= 9)
        with pytest.raises(paramiko.ChannelException):
            transport.open_session()
        default_twin.estate.clock.advance(60)
        assert [chan.recv_exit_status() for chan in blocked] == [0] * 9
        wait_until(lambda: all(chan.closed for chan in blocked))
        assert run(client, "lssyscfg -r sys -F name")[0] == 0   # room again once they ended
        shell.close()
    assert refusals(default_twin) == before + 1


@pytest.mark.parametrize("limit, refusal, code", [(4, None, 2), (1, "administratively_prohibited", 1),
                                                  (0, "connect_failed", 2)])
def test_the_limit_is_the_hmcs_ssh_max_sessions(tmp_path: Path, limit: int, refusal: str | None, code: int) -> None:
    thread = served(tmp_path / "state", limit, refusal)
    twin = thread.twin
    assert twin is not None
    try:
        with connect(port_of(twin)) as client:
            transport = client.get_transport()
            assert transport is not None
            chans = [transport.open_session() for _ in range(limit)]
            with pytest.raises(paramiko.ChannelException) as refused:
                transport.open_session()
            assert refused.value.code == code
            for chan in chans:
                chan.close()
        assert refusals(twin) == 1
    finally:
        thread.stop()


def test_ssh_max_sessions_in_the_scenario_file() -> None:
    sc = seed_lab()
    assert sc.hmcs[0].ssh_max_sessions == 10
    assert "ssh_max_sessions" not in scenario.to_dict(sc)["hmcs"][0]      # the default is left out of a dump
    data = scenario.to_dict(sc)
    data["hmcs"][0]["ssh_max_sessions"] = 4
    assert scenario.from_dict(data).hmcs[0].ssh_max_sessions == 4
    data["hmcs"][0]["ssh_max_sessions"] = -1
    data["hmcs"][0]["ssh_session_refusal"] = "refused"
    with pytest.raises(scenario.ScenarioError) as refused:
        scenario.from_dict(data)
    assert refused.value.problems == [
        "hmcs[0].ssh_max_sessions: must be 0 or more, got -1",
        "hmcs[0].ssh_session_refusal: must be one of connect_failed, administratively_prohibited, got 'refused'"]
