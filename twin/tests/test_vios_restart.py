"""A VIOS restart (hmcsim ctl vios-restart, hmcsim.vios_restart): migrations through it fail with a code and
need recovery, chdev -perm values (vioslpm0 tunables, disk attributes) take effect, the MSP flag and the
other settings stay, and while it is down it serves nothing and its SEA fails over."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

from frontend_helpers import start_twin, wait_until
from hmcsim import cli
from hmcsim.control import ControlClient, ControlError
from hmcsim.core import Pending, Result
from hmcsim.rules.lookup import msp_limit
from hmcsim.scenario import from_dict
from hmcsim.service import TwinThread
from hmcsim.vios_restart import RestartError, restart
from migration_lab import DST, SRC, Shell, estate_of, lab
from vios_helpers import P750, lpar, on_vios

IN_PRECOPY_S = 70.0          # validate 20 + create 30 + msp_setup 10 s, then the memory copy


def two_pairs() -> Shell:
    clients = [{"name": "a", "mem_mb": 65536}, {"name": "b", "mem_mb": 65536, "msp_pair": 1}]
    return Shell(estate_of(lab(clients, pairs=2)))


def start_both(sh: Shell) -> tuple[Pending, Pending]:
    a = sh.migrate("a", "-i source_msp_name=srcvio1,dest_msp_name=dstvio1")
    b = sh.migrate("b", "-i source_msp_name=srcvio2,dest_msp_name=dstvio2")
    assert isinstance(a, Pending) and isinstance(b, Pending)
    sh.estate.clock.advance(IN_PRECOPY_S)
    sh.estate.advance()
    return a, b


def by_lpar(sh: Shell) -> dict[str, Any]:
    return {m.lpar_name: m for m in sh.estate.migrations}


@pytest.mark.parametrize("system, vios, broken", [(SRC, "srcvio1", "a"), (DST, "dstvio2", "b")])
def test_migrations_through_the_vios_fail_and_the_others_go_on(system: str, vios: str, broken: str) -> None:
    sh = two_pairs()
    pending = dict(zip("ab", start_both(sh)))
    answer = restart(sh.estate, system, vios)
    assert answer["failed_migrations"] == [{"lpar": broken, "source": SRC, "target": DST, "code": "HSCLA24B"}]
    migs = by_lpar(sh)
    failed, other = migs[broken], migs["b" if broken == "a" else "a"]
    assert failed.status == "failed" and failed.needs_recovery and failed.ended == IN_PRECOPY_S
    assert 0 < failed.bytes_transmitted < 65536 * 2**20
    result = pending[broken].poll()
    assert isinstance(result, Result) and result.rc == 1
    assert result.stdout.startswith("HSCLA24B ") and f"the mover service partition {vios} restarted" in result.stdout
    assert other.in_progress
    sh.engine.run_until_idle()
    assert other.status == "complete" and pending["b" if broken == "a" else "a"].poll().rc == 0
    # the failed partition waits for recovery on the source, then rolls back
    assert sh.estate.find_lpar(sh.estate.systems[SRC], broken).state == "Migrating - Running"
    recovered = sh(f"migrlpar -o r -m {SRC} -p {broken}")
    assert isinstance(recovered, Result) and recovered.rc == 0
    assert sh.estate.find_lpar(sh.estate.systems[SRC], broken).state == "Running"


def test_a_restart_with_nothing_in_flight_fails_nothing() -> None:
    sh = two_pairs()
    answer = restart(sh.estate, SRC, "srcvio1")
    assert answer["failed_migrations"] == [] and answer["state"] == "Running" and answer["applied"] == {}
    assert sh.estate.find_lpar(sh.estate.systems[SRC], "srcvio1").msp


def test_chdev_perm_values_take_effect_and_the_rest_is_kept(run, estate) -> None:
    ms, vio1 = lpar(estate, "b750vio1")
    assert on_vios(run, "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=4 -perm").rc == 0
    assert on_vios(run, "chdev -dev vioslpm0 -attr concurrency_lvl=2").rc == 0      # in effect at once
    assert on_vios(run, "chdev -dev hdisk4 -attr reserve_policy=single_path -perm").rc == 0
    disk = next(d for d in vio1.vios.disks if d.name == "hdisk4")
    assert msp_limit(vio1) == 8 and disk.reserve_policy == "no_reserve"
    msp, time_ref = vio1.msp, vio1.time_ref
    answer = restart(estate, P750, "b750vio1")
    assert answer["applied"] == {"vioslpm0": {"cfg_msp_lpm_ops": "4"}, "hdisk4": {"reserve_policy": "single_path"}}
    assert answer["pending"] == answer["applied"]
    assert msp_limit(vio1) == 4 and disk.reserve_policy == "single_path"
    assert vio1.vios.vioslpm0["concurrency_lvl"] == "2"
    assert (vio1.msp, vio1.time_ref, vio1.state, vio1.rmc_state) == (msp, time_ref, "Running", "active")
    assert on_vios(run, "lsdev -dev vioslpm0 -attr cfg_msp_lpm_ops").stdout == "value\n\n4\n"
    assert restart(estate, P750, "b750vio1")["applied"] == {}      # nothing waits any more


def test_while_down_it_serves_nothing_and_its_sea_fails_over(run, estate) -> None:
    ms, vio1 = lpar(estate, "b750vio1")
    _, vio2 = lpar(estate, "b750vio2")
    assert (vio1.vios.seas[0].state, vio2.vios.seas[0].state) == ("PRIMARY", "BACKUP")
    assert on_vios(run, "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=2 -perm").rc == 0
    answer = restart(estate, P750, "b750vio1", seconds=300)
    assert (answer["state"], answer["up_at"], answer["applied"]) == ("Starting", 300.0, {})
    assert (vio1.state, vio1.rmc_state) == ("Starting", "inactive")
    assert (vio1.vios.seas[0].state, vio2.vios.seas[0].state) == ("BACKUP", "PRIMARY")
    refused = on_vios(run, "ioslevel")
    assert refused.rc == 1 and refused.stdout.startswith("HSCLA246 ")
    check = run(f"migrlpar -o v -m {P750} -t p740-Server-8205-E6B-SN10934CP -p b750nl2 "
                "-i source_msp_name=b750vio1")
    assert check.rc == 1 and "b750vio1" in check.stdout
    with pytest.raises(RestartError, match="b750vio1 is Starting, not Running"):
        restart(estate, P750, "b750vio1")
    estate.clock.advance(299)
    state = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750vio1 -F state")
    assert state.stdout == "Starting\n" and msp_limit(vio1) == 8
    estate.clock.advance(1)
    state = run(f"lssyscfg -r lpar -m {P750} --filter lpar_names=b750vio1 -F state")
    assert state.stdout == "Running\n" and vio1.rmc_state == "active" and msp_limit(vio1) == 2
    assert (vio1.vios.seas[0].state, vio2.vios.seas[0].state) == ("PRIMARY", "BACKUP")
    assert on_vios(run, "ioslevel").rc == 0


@pytest.mark.parametrize("system, vios, message", [
    ("nosuch", "b750vio1", "no managed system 'nosuch'"),
    (P750, "nosuch", "no partition 'nosuch' on " + P750),
    (P750, "b750nl2", "b750nl2 is not a Virtual I/O Server"),
])
def test_bad_targets_are_refused(estate, system: str, vios: str, message: str) -> None:
    with pytest.raises(RestartError, match=message):
        restart(estate, system, vios)


# ----- through the control socket and hmcsim ctl -----

@pytest.fixture
def served(tmp_path: Path) -> Iterator[TwinThread]:
    clients = [{"name": "a", "mem_mb": 65536}]
    thread = start_twin(tmp_path / "state", from_dict(lab(clients)), manual_clock=True)
    yield thread
    thread.stop()


def test_ctl_restart_wakes_a_blocked_migrlpar(served: TwinThread, capsys: pytest.CaptureFixture[str]) -> None:
    assert served.twin is not None
    state = served.twin.state_dir
    answers: list[dict[str, Any]] = []

    def migrate() -> None:
        with ControlClient(served.twin.socket_path) as client:
            answers.append(client.request("exec", hmc="hmc1", user="hscroot", session="t",
                                          command=f"migrlpar -o m -m {SRC} -t {DST} -p a"))
    worker = threading.Thread(target=migrate)
    worker.start()
    wait_until(lambda: served.twin.estate.migrations)
    with ControlClient(served.twin.socket_path) as client:
        client.request("clock", action="advance", seconds=IN_PRECOPY_S)
    rc = cli.main(["ctl", "--state-dir", str(state), "vios-restart", SRC, "srcvio1", "--seconds", "60"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.splitlines() == [f"srcvio1 on {SRC}: Starting, up at t={IN_PRECOPY_S + 60:.1f}",
                                f"failed migration a {SRC} -> {DST} (HSCLA24B)"]
    worker.join(timeout=10)
    assert answers and answers[0]["rc"] == 1 and "srcvio1 restarted" in answers[0]["stdout"]
    with ControlClient(served.twin.socket_path) as client:
        with pytest.raises(ControlError, match="srcvio1 is Starting, not Running"):
            client.request("vios_restart", system=SRC, vios="srcvio1")
        client.request("clock", action="advance", seconds=60)
        parts = {p["name"]: p["state"] for s in client.request("state")["systems"] for p in s["partitions"]}
    assert parts["srcvio1"] == "Running"
    assert cli.main(["ctl", "--state-dir", str(state), "vios-restart", SRC, "nosuch"]) == 1
    assert "no partition 'nosuch'" in capsys.readouterr().err
