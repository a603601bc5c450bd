"""migrlpar through the command core: options, -o v layout, blocking -o m, several partitions, stop,
recover, set, input data, remote migration. Validation is the real one."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from hmcsim.core import Outcome, Pending, Result
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.faults import Fault
from migration_lab import DST, REMOTE_IP, SRC, Shell, estate_of, lab

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
MOVE = f"migrlpar -o m -m {P750} -t {P740}"
CHECK = f"migrlpar -o v -m {P750} -t {P740}"

Run = Callable[[str], Outcome]


@pytest.fixture
def engine(estate: Estate) -> Any:
    return attach(estate)


def done(estate: Estate, outcome: Outcome) -> Result:
    assert isinstance(outcome, Pending)
    estate.engine.run_until_idle()
    result = outcome.poll()
    assert result is not None
    return result


def result_of(outcome: Outcome) -> Result:
    assert isinstance(outcome, Result), outcome
    return outcome


def at(estate: Estate, t: float) -> None:
    estate.clock.advance(t - estate.clock.now())
    estate.advance()


# ----- -o v -----

def test_validate_ok_prints_nothing(run: Run, estate: Estate):
    result = result_of(run(f"{CHECK} -p b750nl2"))
    assert (result.rc, result.stdout) == (0, "")
    assert estate.migrations == []
    assert estate.find_lpar(estate.systems[P750], "b750nl2").state == "Running"


def test_validate_errors_are_grouped(run: Run):
    result = result_of(run(f"{CHECK} -p b750nim"))
    assert result.rc == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "Errors:"
    assert lines[1].startswith("HSCLA22F The partition b750nim has physical I/O slot 21010207")


def test_validate_warnings_only_is_rc0(run: Run, estate: Estate):
    estate.find_lpar(estate.systems[P750], "b750nl2").open_console = True
    result = result_of(run(f"{CHECK} -p b750nl2"))
    assert result.rc == 0
    assert result.stdout.splitlines() == ["Warnings:", "HSCLA241 Partition b750nl2 has an open virtual terminal "
                                          "session; it will be closed by the migration."]


def test_validate_several_partitions_gets_a_heading_each(run: Run):
    result = result_of(run(f"{CHECK} -p b750nl2,b750nim"))
    assert result.rc == 1
    assert result.stdout.splitlines()[:2] == ["Partition b750nim:", "Errors:"]
    assert "Partition b750nl2:" not in result.stdout


def test_nodetails_drops_the_vios_block():
    from hmcsim.commands.migrlpar import strip_details
    text = "HSCLA319 text\nVIOS_DETAILED_ERROR\nThere are no FC adapters\nEnd Detailed Message.\nnext"
    assert strip_details(text, "VIOS_DETAILED_ERROR", "End Detailed Message.") == "HSCLA319 text\nnext"


# ----- -o m -----

def test_migrate_blocks_until_the_end(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750nl2")
    assert isinstance(outcome, Pending)
    end = outcome.wake_at()
    assert end is not None and end > 90.0
    assert outcome.poll() is None
    at(estate, end - 1.0)
    assert outcome.poll() is None                              # manual clock: nothing until advanced
    at(estate, end)
    result = outcome.poll()
    assert result is not None and (result.rc, result.stdout) == (0, "")
    assert estate.migrations[0].ended == pytest.approx(end)
    assert estate.find_lpar(estate.systems[P740], "b750nl2").state == "Running"


def test_second_migrate_of_a_migrating_partition_is_refused(run: Run, estate: Estate, engine):
    first = run(f"{MOVE} -p b750nl2")
    second = result_of(run(f"{MOVE} -p b750nl2"))
    assert second.rc == 1 and second.stdout == "Errors:\nHSCLA245 Partition b750nl2 is already migrating.\n"
    assert done(estate, first).rc == 0
    assert len(estate.migrations) == 1


def test_several_partitions_run_concurrently(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750nl2,b750app1")
    assert [m.lpar_name for m in estate.migrations] == ["b750nl2", "b750app1"]
    assert all(m.in_progress and m.started == 0.0 for m in estate.migrations)
    first_end = min(outcome.wake_at(), 10_000)
    estate.engine.run_until_idle()
    result = outcome.poll()
    assert result is not None and result.rc == 0
    assert {m.status for m in estate.migrations} == {"complete"}
    assert max(m.ended for m in estate.migrations) == pytest.approx(first_end)


def test_partial_failure_is_rc1_with_per_partition_messages(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750nl2,b750nim")
    result = done(estate, outcome)
    assert result.rc == 1
    assert result.stdout.startswith("Partition b750nim:\nErrors:\nHSCLA22F ")
    assert estate.find_lpar(estate.systems[P740], "b750nl2") is not None
    assert estate.find_lpar(estate.systems[P750], "b750nim").state == "Running"


def test_ids_select_partitions(run: Run, estate: Estate, engine):
    done(estate, run(f"{MOVE} --id 3,8"))
    assert sorted(m.lpar_name for m in estate.migrations) == ["b750nl2", "b750web1"]


def test_all_selects_every_client_partition(run: Run, estate: Estate, engine):
    result = done(estate, run(f"{MOVE} --all"))
    assert result.rc == 1 and "Partition b750nim:" in result.stdout
    left = [lp.name for lp in estate.systems[P750].lpars]
    assert left == ["b750vio1", "b750vio2", "b750nim"]


def test_disconnect_does_not_stop_the_migration(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750app2")
    assert isinstance(outcome, Pending)
    at(estate, 70.0)
    outcome.on_disconnect()
    estate.engine.run_until_idle()
    (m,) = estate.migrations
    assert m.status == "complete"
    assert estate.find_lpar(estate.systems[P740], "b750app2").state == "Running"


# ----- -o s -----

def test_stop_rolls_back_before_the_suspend(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750db1")
    at(estate, 80.0)                                           # in the memory copy
    assert result_of(run(f"migrlpar -o s -m {P750} -p b750db1")).rc == 0
    result = outcome.poll()
    assert result is not None
    assert (result.rc, result.stdout) == (1, "HSCLA24D The migration of partition b750db1 was stopped.\n")
    (m,) = estate.migrations
    assert m.status == "stopped" and m.ended == 80.0
    assert estate.find_lpar(estate.systems[P750], "b750db1").state == "Running"
    assert estate.find_lpar(estate.systems[P740], "b750db1") is None
    line = result_of(run(f"lslparmigr -r lpar -m {P750} --filter lpar_names=b750db1 -F migration_state")).stdout
    assert line == "Migration Stopped\n"
    assert done(estate, run(f"{MOVE} -p b750db1")).rc == 0        # may be migrated again


def test_stop_after_the_suspend_is_refused(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750nl2")
    (m,) = estate.migrations
    suspend_at = None
    while suspend_at is None:
        upcoming = estate.engine.next_event_time()
        at(estate, upcoming)
        suspend_at = next((p.start for p in m.phases if p.name == "suspend"), None)
    result = result_of(run(f"migrlpar -o s -m {P750} -p b750nl2"))
    assert result.rc == 1 and result.stdout.startswith("HSCLA2F0 ")
    assert done(estate, outcome).rc == 0


def test_stop_of_a_partition_not_migrating(run: Run):
    result = result_of(run(f"migrlpar -o s -m {P750} -p b750nl2"))
    assert (result.rc, result.stdout) == (1, "HSCLA24C The partition b750nl2 is not migrating.\n")


# ----- -o r -----

def test_failed_migration_needs_recovery(run: Run, estate: Estate, engine):
    estate.faults.append(Fault("link_loss", target="b750web1", at_percent=40.0))
    result = done(estate, run(f"{MOVE} -p b750web1"))
    assert result.rc == 1 and result.stdout.startswith("HSCLA24B The migration of partition b750web1 failed: ")
    state = result_of(run(f"lslparmigr -r lpar -m {P750} --filter lpar_names=b750web1 -F migration_state"))
    assert state.stdout == "Migration Failed\n"
    again = result_of(run(f"{MOVE} -p b750web1"))
    assert again.rc == 1 and "HSCLA254" in again.stdout
    assert result_of(run(f"migrlpar -o r -m {P750} -p b750web1")).rc == 0
    assert estate.find_lpar(estate.systems[P750], "b750web1").state == "Running"
    assert estate.find_lpar(estate.systems[P740], "b750web1") is None
    state = result_of(run(f"lslparmigr -r lpar -m {P750} --filter lpar_names=b750web1"))
    assert state.stdout == "name=b750web1,lpar_id=8,migration_state=Not Migrating\n"
    assert result_of(run(f"migrlpar -o r -m {P750} -p b750web1")).rc == 1     # nothing left to recover
    assert done(estate, run(f"{MOVE} -p b750web1")).rc == 0


def test_recover_a_running_migration_needs_force(run: Run, estate: Estate, engine):
    outcome = run(f"{MOVE} -p b750nl2")
    at(estate, 30.0)
    refused = result_of(run(f"migrlpar -o r -m {P750} -p b750nl2"))
    assert refused.rc == 1 and refused.stdout.startswith("HSCLA2F1 ")
    assert result_of(run(f"migrlpar -o r -m {P750} -p b750nl2 --force")).rc == 0
    result = outcome.poll()
    assert result is not None and result.rc == 1
    assert estate.find_lpar(estate.systems[P750], "b750nl2").state == "Running"
    assert estate.find_lpar(estate.systems[P740], "b750nl2") is None


# ----- -o set -----

def test_set_sys_inactive_profile_policy(run: Run, estate: Estate):
    assert result_of(run(f"migrlpar -o set -r sys -m {P750} -i inactive_prof_policy=prof")).rc == 0
    assert estate.systems[P750].inactive_prof_policy == "prof"
    line = result_of(run(f"lslparmigr -r sys -m {P750} -F inactive_prof_policy")).stdout
    assert line == "prof\n"
    bad = result_of(run(f"migrlpar -o set -r sys -m {P750} -i inactive_prof_policy=latest"))
    assert bad.rc == 1 and bad.stdout.startswith("HSCLA2F2 The value latest is not valid")


def test_set_lpar_maps_onto_vioslpm0(run: Run, estate: Estate):
    cmd = (f'migrlpar -o set -r lpar -m {P750} -p b750vio1 '
           f'-i "num_active_migrations_configured=4,concurr_migration_perf_level=5"')
    assert result_of(run(cmd)).rc == 0
    vios = estate.find_lpar(estate.systems[P750], "b750vio1").vios
    assert vios.vioslpm0 == {"cfg_msp_lpm_ops": "4", "concurrency_lvl": "5"}
    assert result_of(run(f"migrlpar -o set -r lpar -m {P750} -p b750vio1 -i concurr_migration_perf_level=6")).rc == 1
    not_vios = result_of(run(f"migrlpar -o set -r lpar -m {P750} -p b750nl2 -i concurr_migration_perf_level=2"))
    assert not_vios.rc == 1 and not_vios.stdout.startswith("HSCLA2F3 ")
    unknown = result_of(run(f"migrlpar -o set -r lpar -m {P750} -p b750vio1 -i max_vasi_ops=2"))
    assert unknown.rc == 1 and "max_vasi_ops" in unknown.stdout


# ----- input data and flags -----

def test_input_data_reaches_the_migration(run: Run, estate: Estate, engine):
    data = ('"virtual_scsi_mappings=27/b740vio2//40,57/b740vio1//41",'
            '"virtual_fc_mappings=37//1/45/fcs0",dest_lpar_id=20,source_msp_name=b750vio2,dest_msp_id=2')
    outcome = run(f"{MOVE} -p b750nl2 -i '{data}' -n migrated --vlanbridge 2 --npivval port --affinity")
    (m,) = estate.migrations
    assert (m.dest_lpar_id, m.source_msp, m.dest_msp) == (20, "b750vio2", "b740vio2")
    assert m.request.flags == {"vlanbridge": "2", "npivval": "port", "affinity": "1"}
    assert done(estate, outcome).rc == 0
    lp = estate.find_lpar(estate.systems[P740], "b750nl2")
    assert lp.id == 20 and lp.curr_profile == "migrated"
    assert {(a.slot, a.remote_lpar, a.remote_slot) for a in lp.scsi} == {(27, "b740vio2", 40), (57, "b740vio1", 41)}
    fc37 = next(a for a in lp.fc if a.slot == 37)
    assert (fc37.remote_lpar, fc37.remote_slot) == ("b740vio1", 45)


def test_input_file(run: Run, estate: Estate, engine, tmp_path):
    path = tmp_path / "lpm.txt"
    path.write_text("dest_lpar_id=33\n")
    done(estate, run(f"{MOVE} -p b750web1 -f {path}"))
    assert estate.find_lpar(estate.systems[P740], "b750web1").id == 33
    missing = result_of(run(f"{MOVE} -p b750app1 -f {tmp_path / 'nope'}"))
    assert missing.rc == 1 and missing.stdout.startswith("HSCLA2F5 ")


@pytest.mark.parametrize("args,needle", [
    ("-p b750nl2 -i bogus_attr=1", "The invalid attribute is bogus_attr"),
    ("-p b750nl2 -i virtual_scsi_mappings=x/y", "HSCLA2F2 The value x/y is not valid"),
    ("-p b750nl2,b750app1 -i dest_lpar_id=30", "HSCLA2F4 The attribute dest_lpar_id"),
    ("-p b750nl2 --vlanbridge 3", "invalid value are --vlanbridge"),
    ("-p b750nl2 -d 9", "invalid value are -d"),
    ("-p b750nl2 --async", "The parameters --async are not valid"),
    ("-p nosuch", "HSCL8012 The partition named nosuch was not found"),
    ("--id 99", "HSCL8013 The partition with ID 99 was not found"),
    ("", "are -p, --id, --all"),
])
def test_bad_requests_are_refused(run: Run, estate: Estate, args: str, needle: str):
    result = result_of(run(f"{MOVE} {args}"))
    assert result.rc == 1 and needle in result.stdout
    assert estate.migrations == []


def test_help_prints_the_synopsis(run: Run):
    result = result_of(run("migrlpar --help"))
    assert result.rc == 0 and result.stdout.startswith("Usage: migrlpar -o m | r | s | v")


# ----- remote migration -----

def test_remote_migration_through_a_trusted_hmc():
    es = estate_of(lab([{"name": "a", "mem_mb": 4096}], remote="trusted"))
    sh = Shell(es)
    outcome = sh(f"migrlpar -o m -m {SRC} -t {DST} -p a --ip {REMOTE_IP} -u hscroot")
    line = result_of(sh(f"lslparmigr -r lpar -m {SRC} --filter lpar_names=a -F remote_manager,remote_user")).stdout
    assert line == f"{REMOTE_IP},hscroot\n"
    es.clock.advance(25.0)                                     # the shell exists from the create phase
    remote_view = Shell(es, hmc="hmc2")
    line = result_of(remote_view(f"lslparmigr -r lpar -m {DST} --filter lpar_names=a -F remote_manager")).stdout
    assert line == "10.9.9.1\n"
    sh.engine.run_until_idle()
    assert outcome.poll().rc == 0
    assert es.find_lpar(es.systems[DST], "a").state == "Running"


def test_remote_migration_without_key_trust_is_refused():
    es = estate_of(lab([{"name": "a", "mem_mb": 4096}], remote="untrusted"))
    sh = Shell(es)
    result = result_of(sh(f"migrlpar -o m -m {SRC} -t {DST} -p a --ip {REMOTE_IP}"))
    assert result.rc == 1 and "HSCL3653" in result.stdout and "user hscroot" in result.stdout
    assert es.migrations == []
