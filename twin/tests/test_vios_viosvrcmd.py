"""viosvrcmd on the HMC side: partition checks, RMC, metacharacters, quoting, the failure wrapper."""
from __future__ import annotations

import pytest

from hmcsim.vios.data import rules
from vios_helpers import AIX_PREFIX, P750, WRAPPER, disk, lpar, on_vios

NOT_FOUND = 'Device "{}" is not in AVAILABLE state.\n'


def test_output_of_the_vios_command_comes_back_verbatim(run):
    result = run(f'viosvrcmd -m {P750} -p b750vio1 -c "ioslevel"')
    assert (result.rc, result.stdout, result.stderr) == (0, "2.2.3.3\n", "")


def test_partition_by_id_and_system_by_type_model_serial(run, estate):
    lpar(estate, "b750vio2")[1].vios.ioslevel = "2.2.6.41"
    result = run('viosvrcmd -m 8233-E8B*069348P --id 2 -c "ioslevel"')
    assert (result.rc, result.stdout) == (0, "2.2.6.41\n")


def test_not_a_vios_is_refused(run):
    result = on_vios(run, "ioslevel", vios="b750nl2")
    assert result.rc == 1
    assert result.stdout == ("HSCL2971 The partition b750nl2 is not a Virtual I/O Server partition.  "
                             "The viosvrcmd command can only be run on a Virtual I/O Server partition.\n")


@pytest.mark.parametrize("field, value", [("rmc_state", "inactive"), ("state", "Not Activated"),
                                          ("state", "Open Firmware")])
def test_vios_without_rmc_or_not_running_answers_hscla246(run, estate, field, value):
    setattr(lpar(estate, "b750vio2")[1], field, value)
    result = on_vios(run, "ioslevel", vios="b750vio2")
    assert result.rc == 1
    assert result.stdout.startswith("HSCLA246 The management console cannot communicate with partition b750vio2.  ")


def test_unknown_partition_name_and_id(run):
    assert run(f'viosvrcmd -m {P750} -p nosuch -c ioslevel').stdout == (
        "HSCL8012 The partition named nosuch was not found.  Please check your entry and retry the command.\n")
    result = run(f'viosvrcmd -m {P750} --id 99 -c ioslevel')
    assert (result.rc, result.stdout) == (
        1, "HSCL8013 The partition with ID 99 was not found.  Please check your entry and retry the command.\n")


def test_unknown_system(run):
    result = run('viosvrcmd -m nosuch -p b750vio1 -c ioslevel')
    assert result.rc == 1
    assert result.stdout.startswith("HSCL8001 The managed system nosuch was not found.")


@pytest.mark.parametrize("line, missing", [(f"viosvrcmd -m {P750} -p b750vio1", "-c"),
                                           (f"viosvrcmd -m {P750} -c ioslevel", "-p, --id"),
                                           ("viosvrcmd -p b750vio1 -c ioslevel", "-m"),
                                           (f"viosvrcmd -m {P750} -p b750vio1 -c ' '", "-c"),
                                           (f"viosvrcmd -m {P750} --id two -c ioslevel", "--id"),
                                           (f"viosvrcmd -m {P750} -p b750vio1 -t soon -c ioslevel", "-t")])
def test_missing_or_invalid_parameters(run, line, missing):
    result = run(line)
    assert result.rc == 1
    assert f"The parameters that are missing or have an invalid value are {missing}." in result.stdout


def test_timeout_and_admin_are_accepted(run):
    result = run(f'viosvrcmd -m {P750} -p b750vio1 -t 5 --admin -c ioslevel')
    assert (result.rc, result.stdout) == (0, "2.2.3.3\n")


@pytest.mark.parametrize("char, line", [("|", "lsdev -virtual | grep vasi"), (";", "ioslevel; ioslevel"),
                                        (">", "lsmap -all > /tmp/x"), ("<", "chdev -dev hdisk4 < x"),
                                        ("&", "oem_setup_env && id"), ("`", "lsdev -dev `id`"),
                                        ("$(", "lsdev -dev $(id)")])
def test_shell_metacharacters_are_refused_before_the_vios_runs_anything(run, estate, char, line):
    result = on_vios(run, line)
    assert result.rc == 1
    assert result.stdout == (f"HSCL2972 The command {line} contains the character {char}, which is not allowed.  "
                             "Shell metacharacters cannot be used in a Virtual I/O Server command.\n")


def test_a_refused_command_changes_nothing(run, estate):
    result = on_vios(run, "chdev -dev vioslpm0 -attr cfg_msp_lpm_ops=2; ioslevel")
    assert result.rc == 1
    assert lpar(estate, "b750vio1")[1].vios.vioslpm0 == {}


def test_metacharacter_list_is_data(run, monkeypatch):
    monkeypatch.setitem(rules("viosvrcmd"), "refused_metacharacters", ["|"])
    result = on_vios(run, "lsdev -dev $(id)")
    assert result.rc == 2
    assert result.stdout == WRAPPER + NOT_FOUND.format("$(id)")


def test_unknown_vios_command_is_wrapped_with_the_vios_status(run):
    result = on_vios(run, "rm -rf /")
    assert (result.rc, result.stdout) == (127, WRAPPER + "rksh: rm:  not found.\n")


def test_unbalanced_quote_inside_the_command(run):
    result = on_vios(run, "lsdev -dev 'hdisk4")
    assert (result.rc, result.stdout) == (1, WRAPPER + "rksh: syntax error: unmatched quote\n")


def test_hostile_device_name_arrives_as_one_argument(run, estate):
    result = on_vios(run, "chdev -dev 'hdisk4 -perm' -attr reserve_policy=single_path")
    assert (result.rc, result.stdout) == (2, WRAPPER + NOT_FOUND.format("hdisk4 -perm"))
    target = disk(estate, "b750vio1", "hdisk4")
    assert (target.reserve_policy, target.pending_attrs) == ("no_reserve", {})


def test_hostile_attribute_name_arrives_as_one_argument(run):
    result = on_vios(run, "lsdev -dev hdisk4 -attr 'reserve_policy -dev vioslpm0'")
    assert result.rc == 1
    assert result.stdout == (WRAPPER + AIX_PREFIX + 'lsattr: 0514-528 The "reserve_policy -dev vioslpm0" attribute '
                             "does not exist in the predefined\n\tdevice configuration database.\n")


def test_path_like_device_name_is_just_an_unknown_device(run):
    result = on_vios(run, "lsdev -dev ../../etc/passwd -attr")
    assert (result.rc, result.stdout) == (2, WRAPPER + NOT_FOUND.format("../../etc/passwd"))


def test_wrapper_and_status_are_configurable(run, monkeypatch):
    monkeypatch.setitem(rules("viosvrcmd"), "wrap_failures", False)
    monkeypatch.setitem(rules("viosvrcmd"), "failure_rc", 1)
    result = on_vios(run, "lsdev -dev nosuch")
    assert (result.rc, result.stdout) == (1, NOT_FOUND.format("nosuch"))


def test_vios_flag_errors_are_vios_failures(run):
    result = on_vios(run, "lsdev -bogus")
    assert (result.rc, result.stdout) == (1, WRAPPER + 'lsdev: The "-bogus" flag is not valid.\n')


def test_the_command_is_logged_on_the_hmc(run, estate):
    on_vios(run, "ioslevel")
    entry = estate.log.entries[-1]
    assert entry.argv == ["viosvrcmd", "-m", P750, "-p", "b750vio1", "-c", "ioslevel"]
    assert entry.rc == 0
