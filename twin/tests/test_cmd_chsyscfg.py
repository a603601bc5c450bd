"""chsyscfg -r lpar|sys (hmc-cli-facts.md §4): attributes, atomic checks, renames, errors."""
from __future__ import annotations

import pytest

from hmcsim.core import Core, Session, messages
from hmcsim.estate import Estate
from hmcsim.model import Lpar, User
from hmcsim.request import MigrationRequest
from hmcsim.validation import validate

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
MISSING = ("The command entered is either missing a required parameter or a parameter value is invalid. "
           "The parameters that are missing or have an invalid value are {}. Please check your entry and retry "
           "the command.\n")


def lpar(estate: Estate, system: str, name: str) -> Lpar:
    found = Estate.find_lpar(estate.systems[system], name=name)
    assert found is not None
    return found


def hscl(code: str, **fields: object) -> str:
    return f"{code} {messages()['hscl'][code]['text'].format(**fields)}\n"


def ok(result) -> None:
    assert (result.rc, result.stdout, result.stderr) == (0, "", "")


# ----- -r lpar: happy paths -----

def test_msp_on_vios_by_name(run, estate: Estate) -> None:
    vios = lpar(estate, P750, "b750vio2")
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750vio2,msp=0"'))
    assert vios.msp is False
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750vio2,msp=1"'))
    assert vios.msp is True


def test_msp_by_lpar_id_and_type_model_serial(run, estate: Estate) -> None:
    ok(run('chsyscfg -r lpar -m 8205-E6B*10934CP -i "lpar_id=2,msp=0,time_ref=1"'))
    vios = lpar(estate, P740, "b740vio2")
    assert (vios.msp, vios.time_ref) == (False, True)


def test_lssyscfg_reads_back_the_change(run) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750vio2,time_ref=1"'))
    result = run(f'lssyscfg -r lpar -m {P750} -F name,msp,time_ref --filter lpar_names=b750vio2')
    assert result.stdout == "b750vio2,1,1\n"


def test_migration_disabled_and_description(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,migration_disabled=1,\\"description=prod, do not move\\""'))
    nl2 = lpar(estate, P750, "b750nl2")
    assert nl2.migration_disabled is True
    assert nl2.description == "prod, do not move"


def test_compat_mode_sets_the_preferred_mode_only(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,lpar_proc_compat_mode=POWER6"'))
    result = run(f"lssyscfg -r lpar -m {P750} -F desired_lpar_proc_compat_mode,curr_lpar_proc_compat_mode "
                 "--filter lpar_names=b750nl2")
    assert result.stdout == "POWER6,POWER7\n"


def test_compat_mode_of_an_inactive_partition(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750test1,lpar_proc_compat_mode=POWER6_Plus"'))
    test1 = lpar(estate, P750, "b750test1")
    assert (test1.compat_desired, test1.compat_current) == ("POWER6_Plus", "")


def test_new_name_renames_and_keeps_adapter_partners(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,new_name=b750nl2new"'))
    assert Estate.find_lpar(estate.systems[P750], name="b750nl2") is None
    renamed = lpar(estate, P750, "b750nl2new")
    vio1 = lpar(estate, P750, "b750vio1")
    assert [a.slot for a in vio1.scsi if a.remote_lpar == "b750nl2new"] == [27]
    assert [a.slot for a in vio1.fc if a.remote_lpar == "b750nl2new"] == [37]
    req = MigrationRequest("v", estate.systems[P750], renamed, estate.systems[P740])
    assert validate(estate, req).errors == []


def test_renaming_a_vios_follows_its_clients(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r lpar -m {P750} -i "lpar_id=1,new_name=vios_a"'))
    nl2 = lpar(estate, P750, "b750nl2")
    assert sorted(a.remote_lpar for a in nl2.scsi) == ["b750vio2", "vios_a"]
    req = MigrationRequest("v", estate.systems[P750], nl2, estate.systems[P740])
    assert validate(estate, req).errors == []


def test_msp_change_is_seen_by_validation(run, estate: Estate) -> None:
    for vios_id in (1, 2):
        ok(run(f'chsyscfg -r lpar -m {P740} -i "lpar_id={vios_id},msp=0"'))
    req = MigrationRequest("v", estate.systems[P750], lpar(estate, P750, "b750nl2"), estate.systems[P740])
    assert [f.code for f in validate(estate, req).errors] == ["HSCLA234"]


# ----- -r lpar: errors -----

def test_msp_on_a_client_partition_is_refused(run, estate: Estate) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,msp=1"')
    assert (result.rc, result.stdout) == (1, hscl("HSCLA2E0", attr="msp", lpar="b750nl2"))
    assert lpar(estate, P750, "b750nl2").msp is False


def test_a_bad_value_changes_nothing(run, estate: Estate) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,migration_disabled=1,time_ref=5"')
    assert (result.rc, result.stdout) == (1, hscl("HSCLA2E2", value="5", attr="time_ref"))
    assert lpar(estate, P750, "b750nl2").migration_disabled is False


@pytest.mark.parametrize("data,value,attr", [
    ("name=b750nl2,lpar_proc_compat_mode=POWER9", "POWER9", "lpar_proc_compat_mode"),
    ("name=b750nl2,msp=yes", "yes", "msp"),
    ("lpar_id=three,time_ref=1", "three", "lpar_id"),
    ("name=b750nl2,new_name=", "", "new_name"),
])
def test_invalid_values(run, data: str, value: str, attr: str) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "{data}"')
    assert (result.rc, result.stdout, result.stderr) == (1, hscl("HSCLA2E2", value=value, attr=attr), "")


def test_new_name_in_use(run) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,new_name=b750db1"')
    assert (result.rc, result.stdout) == (1, hscl("HSCLA2E1", name="b750db1", system=P750))


def test_unknown_attribute(run, estate: Estate) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "name=b750vio1,msp=0,mover=1"')
    assert (result.rc, result.stdout) == (
        1, "An invalid attribute was entered. The invalid attribute is mover. Correct the entry and retry.\n")
    assert lpar(estate, P750, "b750vio1").msp is True


def test_partition_must_be_named(run) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "msp=1"')
    assert (result.rc, result.stdout) == (1, hscl("HSCLA2E3"))


def test_unknown_partition(run) -> None:
    assert run(f'chsyscfg -r lpar -m {P750} -i "name=nosuch,time_ref=1"').stdout == hscl("HSCL8012", lpar="nosuch")
    assert run(f'chsyscfg -r lpar -m {P750} -i "lpar_id=77,time_ref=1"').stdout == hscl("HSCL8013", lpar_id=77)


def test_unknown_system(run) -> None:
    result = run('chsyscfg -r lpar -m nosuch -i "name=b750nl2,time_ref=1"')
    assert (result.rc, result.stdout) == (1, hscl("HSCL8001", system="nosuch"))


@pytest.mark.parametrize("line,params", [
    (f"chsyscfg -r lpar -m {P750}", "-i"),
    ('chsyscfg -r lpar -i "name=b750nl2,time_ref=1"', "-m"),
    (f'chsyscfg -m {P750} -i "name=b750nl2,time_ref=1"', "-r"),
    (f'chsyscfg -r prof -m {P750} -i "name=default"', "-r"),
    (f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,\\"time_ref=1"', "-i"),
])
def test_missing_or_invalid_parameters(run, line: str, params: str) -> None:
    result = run(line)
    assert (result.rc, result.stdout, result.stderr) == (1, MISSING.format(params), "")


def test_invalid_flag(run) -> None:
    result = run(f'chsyscfg -r lpar -m {P750} -i "name=b750nl2,time_ref=1" --bogus')
    assert (result.rc, result.stdout) == (
        1, "An invalid parameter was entered.  The parameters --bogus are not valid.  Please check your entry "
           "and retry the command.\n")


def test_viewer_cannot_change(core: Core, estate: Estate) -> None:
    estate.hmcs["bpichmc"].users.append(User("viewer", "pw", role="hmcviewer"))
    result = core.execute(Session("bpichmc", "viewer"), f'chsyscfg -r lpar -m {P750} -i "name=b750vio2,msp=0"')
    assert (result.rc, result.stdout) == (1, hscl("HSCL350B"))
    assert lpar(estate, P750, "b750vio2").msp is True


# ----- -r sys -----

def test_rename_system(run, estate: Estate) -> None:
    ok(run(f'chsyscfg -r sys -m {P740} -i "new_name=p740b"'))
    assert "p740b" in estate.systems and P740 not in estate.systems
    assert run("lssyscfg -r sys -m p740b -F name").stdout == "p740b\n"
    assert run(f"lssyscfg -r sys -m {P740} -F name").rc == 1


def test_rename_system_errors(run) -> None:
    assert run(f'chsyscfg -r sys -m {P740} -i "new_name={P750}"').stdout == hscl("HSCLA2E4", name=P750)
    assert run(f'chsyscfg -r sys -m {P740} -i "max_lpars=10"').stdout == (
        "An invalid attribute was entered. The invalid attribute is max_lpars. Correct the entry and retry.\n")
    assert run(f'chsyscfg -r sys -m {P740} -i ""').stdout == MISSING.format("-i")
