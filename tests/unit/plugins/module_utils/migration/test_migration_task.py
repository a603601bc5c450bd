# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcInputError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_attributes
from ansible_collections.powervm.lpm.plugins.module_utils._migration_params import channels_needed, task_params
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import MigrationSpec
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import RunnerOptions
from ansible_collections.powervm.lpm.plugins.module_utils._migration_task import TaskParams, run_task
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import P740, P750

FAST = RunnerOptions(max_concurrent=8, poll_interval=0.02, timeout=10.0)
MIGRATE_PREFIX = f"migrlpar -o m -m {P750} -t {P740} -p "
POLL_P750 = ("lslparmigr", "-r", "lpar", "-m", P750)


def params(lpars, state="migrated", check=False, keep=False, **spec):
    target = P740 if state in ("migrated", "validated") else ""
    return TaskParams(tuple(lpars), state, MigrationSpec(target=target, **spec), keep_vios_layout=keep, runner=FAST, check_mode=check)


def statuses(outcome):
    return {r.name: r.status.value for r in outcome.results}


def test_check_mode_validates_and_reports_what_would_run(hmc):
    hmc.validate_answers["b750nim"] = "validate_physical_io_b750nim"
    outcome = run_task(hmc, params(["b750web1", "b750nim"], check=True))
    assert statuses(outcome) == {"b750web1": "would_migrate", "b750nim": "failed"}
    assert outcome.commands == [MIGRATE_PREFIX + "b750web1"]
    assert hmc.count("migrlpar", "-o", "v") == 2 and hmc.count("migrlpar", "-o", "m") == 0
    nim = outcome.results[1]
    assert nim.hscl_code == "HSCLA22F" and "physical I/O" in nim.message
    assert outcome.changed and outcome.failed
    assert outcome.after()["b750web1"]["system"] == P740
    assert outcome.after()["b750nim"]["system"] == P750


def test_apply_then_again_is_unchanged(fake_hmc):
    hmc = fake_hmc()
    lpars = ["b750nl2", "b750web1", "b750test1"]
    outcome = run_task(hmc, params(lpars))
    assert statuses(outcome) == dict.fromkeys(lpars, "migrated")
    assert sorted(outcome.commands) == sorted(MIGRATE_PREFIX + n for n in lpars)
    result = outcome.to_result(diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["b750nl2"] == {"system": P750, "migration_state": "Not Migrating"}
    assert result["diff"]["after"]["b750nl2"] == {"system": P740, "migration_state": "Migration Complete"}
    assert result["results"][0]["duration"] is not None and result["results"][0]["started"].endswith("+00:00")
    assert hmc.count("lslparmigr", "-r", "sys") == 2        # source and target limits, once each
    again = run_task(hmc, params(lpars))
    assert statuses(again) == dict.fromkeys(lpars, "on_target")
    assert not again.changed and again.commands == []
    assert hmc.count("migrlpar", "-o", "m") == 3
    check_again = run_task(hmc, params(lpars, check=True))
    assert not check_again.changed and hmc.count("migrlpar", "-o", "v") == 0


def test_a_partition_already_migrating_is_waited_for_without_a_migrlpar(hmc):
    hmc.set_phase("running", ["b750nl2"])
    # The survey reads the p750 once; the migration lands before the third read (the second poll).
    hmc.on_call(POLL_P750, 3, lambda: hmc.set_phase("after", ["b750nl2"]))
    outcome = run_task(hmc, params(["b750nl2"]))
    (nl2,) = outcome.results
    assert nl2.attached and nl2.status.value == "migrated" and outcome.changed
    assert hmc.count("migrlpar") == 0 and outcome.commands == []


def test_a_migration_in_progress_elsewhere_is_refused(hmc):
    hmc.set_phase("running", ["b750db1"])
    outcome = run_task(hmc, TaskParams(("b750db1",), "migrated", MigrationSpec(target="p770"), runner=FAST))
    assert outcome.results[0].failed and f"migrating to {P740}" in outcome.results[0].message
    assert hmc.count("migrlpar") == 0


def test_check_mode_on_a_migration_in_progress_would_wait(hmc):
    hmc.set_phase("running", ["b750nl2"])
    outcome = run_task(hmc, params(["b750nl2"], check=True))
    assert statuses(outcome) == {"b750nl2": "would_wait"} and outcome.changed and outcome.commands == []
    assert hmc.count("migrlpar") == 0


def test_a_partition_needing_recovery_is_not_migrated(hmc):
    hmc.set_phase("after", ["b750db1"])
    outcome = run_task(hmc, params(["b750db1"]))
    (db1,) = outcome.results
    assert db1.failed and "needs recovery" in db1.message and "state=recovered" in db1.hint
    assert db1.migration_state == "Migration Failed"
    assert hmc.count("migrlpar") == 0


def test_validated_never_changes(hmc):
    hmc.set_phase("after", ["b750nl2"])
    hmc.set_phase("running", ["b750app1"])
    outcome = run_task(hmc, params(["b750nl2", "b750web1", "b750app1"], state="validated"))
    assert statuses(outcome) == {"b750nl2": "on_target", "b750web1": "validated", "b750app1": "migrating"}
    assert not outcome.changed and not outcome.failed
    assert outcome.commands == [f"migrlpar -o v -m {P750} -t {P740} -p b750web1"]


def test_stopped(hmc):
    hmc.set_phase("running", ["b750db2"])
    outcome = run_task(hmc, params(["b750db2", "b750web1"], state="stopped", check=True))
    assert statuses(outcome) == {"b750db2": "would_stop", "b750web1": "not_migrating"}
    assert outcome.commands == [f"migrlpar -o s -m {P750} -p b750db2"] and hmc.count("migrlpar") == 0
    outcome = run_task(hmc, params(["b750db2", "b750web1"], state="stopped"))
    assert statuses(outcome) == {"b750db2": "stopped", "b750web1": "not_migrating"}
    assert outcome.changed and outcome.commands == [f"migrlpar -o s -m {P750} -p b750db2"]
    assert outcome.after()["b750db2"] == {"system": P750, "migration_state": "Migration Stopped"}


def test_recovered(hmc):
    hmc.set_phase("after", ["b750db1", "b750nl2"])
    outcome = run_task(hmc, params(["b750db1", "b750nl2"], state="recovered"))
    assert statuses(outcome) == {"b750db1": "recovered", "b750nl2": "nothing_to_recover"}
    assert outcome.commands == [f"migrlpar -o r -m {P750} -p b750db1"]
    again = run_task(hmc, params(["b750db1", "b750nl2"], state="recovered"))
    assert statuses(again) == {"b750db1": "nothing_to_recover", "b750nl2": "nothing_to_recover"}
    assert not again.changed


def test_missing_partition_fails_alone(hmc):
    outcome = run_task(hmc, params(["nosuch", "b750web1"]))
    assert statuses(outcome) == {"nosuch": "failed", "b750web1": "migrated"}
    assert "was not found" in outcome.results[0].message
    assert outcome.summary() == "1 failed, 1 migrated; failed: nosuch"


def test_remote_hmc_takes_a_missing_partition_as_moved(hmc):
    outcome = run_task(hmc, params(["nosuch"], remote_hmc="10.0.0.2"))
    assert statuses(outcome) == {"nosuch": "on_target"} and outcome.warnings


def test_keep_vios_layout_sends_explicit_mappings(hmc):
    outcome = run_task(hmc, params(["b750nl2", "b750db1"], check=True, keep=True))
    assert hmc.count("lshwres") == 2
    validations = {c[8]: c for c in hmc.commands("migrlpar", "-o", "v")}
    (nl2,) = parse_attributes(validations["b750nl2"][validations["b750nl2"].index("-i") + 1])
    assert nl2 == {"virtual_scsi_mappings": "27/b740vio1/1,57/b740vio2/2", "virtual_fc_mappings": "37/b740vio1/1,47/b740vio2/2"}
    (db1,) = parse_attributes(validations["b750db1"][validations["b750db1"].index("-i") + 1])
    assert db1 == {"virtual_scsi_mappings": "31/b740vio1/1,61/b740vio2/2"}
    assert outcome.commands[0].startswith(MIGRATE_PREFIX + "b750nl2 -i ")


def test_source_system_limits_the_survey(hmc):
    outcome = run_task(hmc, TaskParams(("b750web1",), "migrated", MigrationSpec(target=P740), source_system=P750, runner=FAST, check_mode=True))
    assert hmc.count("lssyscfg", "-r", "sys") == 0
    assert statuses(outcome) == {"b750web1": "would_migrate"}


# ----- module parameters -----


BASE = {
    "lpars": ["b750db1"],
    "state": "migrated",
    "target_system": P740,
    "max_concurrent": 4,
    "poll_interval": 10.0,
    "recover_on_failure": True,
    "stop_on_failure": False,
    "wait": True,
    "command_timeout": 900,
}


def test_task_params_from_module_parameters():
    given = {
        **BASE,
        "lpars": ["b750db1", "b750db1"],
        "overrides": {"mpio": "if_possible", "vsi": None},
        "virtual_fc_mappings": [{"client_slot": 41, "dest_vios": "b740vio1", "dest_vios_id": None, "dest_vios_slot": None, "dest_fc_port": "fcs0"}],
        "shared_proc_pool": "7",
    }
    task = task_params(given, check_mode=True)
    assert task.lpars == ("b750db1",) and task.check_mode
    assert dict(task.spec.overrides) == {"mpio": "if_possible"}
    assert [m.element() for m in task.spec.fc_mappings] == ["41/b740vio1///fcs0"]
    assert task.runner.timeout == 900.0
    assert channels_needed(given) == 6
    assert task_params({**BASE, "timeout": 60}, False).runner.timeout == 60.0


@pytest.mark.parametrize(
    "extra",
    [
        {"lpars": ["a", "b"], "dest_lpar_id": 12},
        {"lpars": ["a", "b"], "virtual_scsi_mappings": [{"client_slot": 2, "dest_vios": "v"}]},
        {"lpars": ["a", ""]},
        {"max_concurrent": 0},
        {"poll_interval": 0},
        {"target_system": None},
        {"state": "validated", "target_system": ""},
    ],
)
def test_task_params_refuse(extra):
    with pytest.raises(HmcInputError):
        task_params({**BASE, **extra}, False)
