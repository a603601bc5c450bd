"""lslparmigr through the command core on the seed lab (hmc-cli-facts.md §3)."""
from __future__ import annotations

from typing import Callable

import pytest

from hmcsim.core import Outcome, Result
from hmcsim.engine import attach
from hmcsim.estate import Estate

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
Run = Callable[[str], Outcome]


def out(run: Run, line: str) -> Result:
    result = run(line)
    assert isinstance(result, Result)
    return result


def at(estate: Estate, t: float) -> None:
    estate.clock.advance(t - estate.clock.now())
    estate.advance()


def fields(line: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in line.strip().split(","))


def test_not_migrating_shows_three_attributes(run: Run):
    result = out(run, f"lslparmigr -r lpar -m {P750}")
    lines = result.stdout.splitlines()
    assert result.rc == 0 and len(lines) == 11
    assert lines[0] == "name=b750vio1,lpar_id=1,migration_state=Not Migrating"
    assert lines[2] == "name=b750nl2,lpar_id=3,migration_state=Not Migrating"


def test_states_and_byte_counters_move(run: Run, estate: Estate):
    attach(estate)
    pending = run(f"migrlpar -o m -m {P750} -t {P740} -p b750db1")
    query = f"lslparmigr -r lpar -m {P750} --filter lpar_names=b750db1"
    first = fields(out(run, query).stdout)
    assert first["migration_state"] == "Migration Starting"
    assert first["bytes_transmitted"] == "0"
    assert int(first["bytes_remaining"]) == int(round(65536 * 0.9 * 1024 * 1024))
    assert list(first) == ["name", "lpar_id", "migration_state", "migration_type", "dest_sys_name",
                           "dest_lpar_id", "source_msp_name", "source_msp_id", "dest_msp_name", "dest_msp_id",
                           "bytes_transmitted", "bytes_remaining", "remote_manager", "remote_user"]
    assert (first["migration_type"], first["dest_sys_name"], first["dest_lpar_id"]) == ("active", P740, "4")
    assert (first["source_msp_name"], first["dest_msp_name"]) == ("b750vio1", "b740vio1")
    assert (first["remote_manager"], first["remote_user"]) == ("unavailable", "unavailable")
    seen = []
    for t in (70.0, 90.0, 110.0):
        at(estate, t)
        rec = fields(out(run, query).stdout)
        assert rec["migration_state"] == "Migration In Progress"
        seen.append((int(rec["bytes_transmitted"]), int(rec["bytes_remaining"])))
    assert seen[0][0] < seen[1][0] < seen[2][0]
    assert seen[0][1] > seen[1][1] > seen[2][1]
    assert seen[1][0] == pytest.approx(30 * 1000 * 1024 * 1024, rel=1e-9)        # 30 s at 1000 MB/s
    shell = fields(out(run, f"lslparmigr -r lpar -m {P740} --filter lpar_names=b750db1").stdout)
    assert shell["lpar_id"] == "4" and shell["migration_state"] == "Migration In Progress"
    estate.engine.run_until_idle()
    assert pending.poll().rc == 0
    final = fields(out(run, f"lslparmigr -r lpar -m {P740} --filter lpar_names=b750db1").stdout)
    assert final["migration_state"] == "Migration Complete" and final["bytes_remaining"] == "0"
    assert int(final["bytes_transmitted"]) > int(round(65536 * 0.9 * 1024 * 1024))


def test_f_and_header(run: Run):
    result = out(run, f"lslparmigr -r lpar -m {P750} --filter lpar_ids=3,4 -F name:migration_state --header")
    assert result.stdout == "name:migration_state\nb750nl2:Not Migrating\nb750db1:Not Migrating\n"


def test_sys_counts_migrations_in_progress(run: Run, estate: Estate):
    attach(estate)
    line = f"lslparmigr -r sys -m {P750}"
    before = out(run, line).stdout
    assert before == ("inactive_lpar_mobility_capable=1,num_inactive_migrations_supported=4,"
                      "num_inactive_migrations_in_progress=0,active_lpar_mobility_capable=1,"
                      "num_active_migrations_supported=8,num_active_migrations_in_progress=0,"
                      "inactive_prof_policy=config\n")
    run(f"migrlpar -o m -m {P750} -t {P740} -p b750nl2,b750app1,b750test1")
    counts = out(run, f"{line} -F num_active_migrations_in_progress,num_inactive_migrations_in_progress").stdout
    assert counts == "2,1\n"
    target = out(run, f"lslparmigr -r sys -m {P740} -F num_active_migrations_in_progress").stdout
    assert target == "2\n"
    estate.engine.run_until_idle()
    assert out(run, f"{line} -F num_active_migrations_in_progress").stdout == "0\n"


def test_msp_pairs(run: Run):
    result = out(run, f"lslparmigr -r msp -m {P750} -t {P740} --filter lpar_names=b750nl2")
    assert result.stdout.splitlines() == [
        'source_msp_name=b750vio1,source_msp_id=1,"dest_msp_names=b740vio1,b740vio2","dest_msp_ids=1,2",'
        '"ipaddr_mappings=10.33.5.21//1/b740vio1/1/10.33.5.41/,10.33.5.21//1/b740vio2/2/10.33.5.42/"',
        'source_msp_name=b750vio2,source_msp_id=2,"dest_msp_names=b740vio1,b740vio2","dest_msp_ids=1,2",'
        '"ipaddr_mappings=10.33.5.22//2/b740vio1/1/10.33.5.41/,10.33.5.22//2/b740vio2/2/10.33.5.42/"']


def test_msp_of_an_inactive_partition_is_empty(run: Run):
    result = out(run, f"lslparmigr -r msp -m {P750} -t {P740} --filter lpar_names=b750test1")
    assert (result.rc, result.stdout) == (0, "No results were found.\n")


def test_virtualio_suggestions(run: Run):
    result = out(run, f"lslparmigr -r virtualio -m {P750} -t {P740} --filter lpar_names=b750nl2")
    assert result.stdout == ('lpar_name=b750nl2,lpar_id=3,'
                             '"suggested_virtual_scsi_mappings=27/b740vio1/1,57/b740vio2/2",'
                             '"suggested_virtual_fc_mappings=37/b740vio1/1,47/b740vio2/2"\n')


def test_procpool(run: Run, estate: Estate):
    result = out(run, f"lslparmigr -r procpool -m {P750} -t {P740} --filter lpar_names=b750nl2")
    assert result.stdout == "shared_proc_pool_ids=0,shared_proc_pool_names=DefaultPool\n"


def test_manager(run: Run):
    assert out(run, "lslparmigr -r manager").stdout == "remote_lpar_mobility_capable=1\n"


@pytest.mark.parametrize("line,needle", [
    (f"lslparmigr -r msp -m {P750} --filter lpar_names=b750nl2", "invalid value are -t"),
    (f"lslparmigr -r msp -m {P750} -t {P740}", "invalid value are --filter"),
    (f"lslparmigr -r lpar -m {P750} --filter lpar_names=nosuch", "HSCL8012 The partition named nosuch"),
    (f"lslparmigr -r bogus -m {P750}", "invalid value are -r"),
    ("lslparmigr -r lpar", "invalid value are -m"),
    (f"lslparmigr -r virtualio -m {P750} -t nosuch --filter lpar_names=b750nl2", "HSCL8001 The managed system nosuch"),
    (f"lslparmigr -r lpar -m {P750} -F bogus", "The invalid attribute is bogus"),
])
def test_errors(run: Run, line: str, needle: str):
    result = out(run, line)
    assert result.rc == 1 and needle in result.stdout
