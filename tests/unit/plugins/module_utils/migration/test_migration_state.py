# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._migration_records import parse_capacity, parse_migrations, parse_partitions
from ansible_collections.powervm.lpm.plugins.module_utils._migration_state import Situation, Survey, decide, survey
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import MOVABLE, P740, P750


def _survey(samples, phase_750: str, phase_740: str) -> Survey:
    result = Survey()
    for system, tag, phase in ((P750, "p750", phase_750), (P740, "p740", phase_740)):
        result.partitions[system] = parse_partitions(system, samples[f"{tag}_lpars_{phase}"]["stdout"])
        result.records[system] = parse_migrations(system, samples[f"{tag}_migr_{phase}"]["stdout"])
    return result


def test_records_of_a_running_migration(samples):
    records = parse_migrations(P750, samples["p750_migr_running"]["stdout"])
    db1 = records["b750db1"]
    assert db1.in_progress and db1.transferring and not db1.failed
    assert (db1.dest_sys_name, db1.source_msp, db1.dest_msp, db1.migration_type) == (P740, "b750vio1", "b740vio1", "active")
    assert db1.bytes_transmitted == 2518284016 and db1.bytes_remaining == 61688541046
    assert records["b750test1"].migration_type == "inactive" and records["b750test1"].source_msp == ""
    assert not records["b750nim"].in_progress and records["b750nim"].bytes_transmitted is None


def test_capacity(samples):
    running = parse_capacity(P750, samples["p750_sys_running"]["stdout"])
    assert (running.active_supported, running.active_in_progress) == (8, 7)
    assert (running.inactive_supported, running.inactive_in_progress) == (4, 1)
    assert running.free("active") == 1 and running.free("inactive") == 3 and running.free("suspended") == 1


def test_idle_partitions_are_movable(samples):
    found = _survey(samples, "idle", "idle")
    for name in MOVABLE:
        status = decide(name, P740, found)
        assert status.situation == Situation.MOVABLE and status.source == P750
    assert decide("b750test1", P740, found).kind == "inactive"
    assert decide("b750db1", P740, found).kind == "active"
    assert decide("b750db1", P740, found).lpar_id == 4


def test_a_partition_migrating_is_attached_to_on_its_source_not_on_the_shell(samples):
    found = _survey(samples, "running", "running")
    status = decide("b750db1", P740, found)
    assert status.situation == Situation.MIGRATING
    assert status.source == P750 and status.migrating_to == P740
    assert set(status.systems) == {P750, P740}
    assert decide("b750test1", P740, found).kind == "inactive"


def test_after_the_run(samples):
    found = _survey(samples, "after", "after")
    assert decide("b750nl2", P740, found).situation == Situation.ON_TARGET
    failed = decide("b750db1", P740, found)
    assert failed.situation == Situation.NEEDS_RECOVERY and failed.source == P750
    stopped = decide("b750db2", P740, found)
    assert stopped.situation == Situation.MOVABLE and stopped.record.migration_state == "Migration Stopped"
    assert decide("b750db1", None, found).situation == Situation.NEEDS_RECOVERY


def test_after_recovery_the_partition_can_move_again(samples):
    found = _survey(samples, "recovered", "recovered")
    assert decide("b750db1", P740, found).situation == Situation.MOVABLE
    assert decide("b750web1", P740, found).situation == Situation.ON_TARGET


def test_migrating_partition_state_without_a_record_is_left_alone(samples):
    found = _survey(samples, "running", "idle")
    found.records[P750] = parse_migrations(P750, samples["p750_migr_idle"]["stdout"])
    status = decide("b750db1", P740, found)
    assert status.situation == Situation.MIGRATING and status.migrating_to == ""


def test_missing_and_ambiguous(samples):
    found = _survey(samples, "idle", "idle")
    assert decide("nosuch", P740, found).situation == Situation.NOT_FOUND
    found.partitions["other"] = parse_partitions("other", "b750db1,4,Running,aixlinux\n")
    status = decide("b750db1", P740, found)
    assert status.situation == Situation.AMBIGUOUS and set(status.systems) == {P750, "other"}


def test_survey_reads_each_system_once(hmc):
    found = survey(hmc, MOVABLE)
    assert hmc.count("lssyscfg", "-r", "sys") == 1
    assert hmc.count("lssyscfg", "-r", "lpar") == 2
    # Only the p750 holds a requested partition.
    assert [c[4] for c in hmc.commands("lslparmigr", "-r", "lpar")] == [P750]
    assert len(found.partitions[P750]) == 11 and found.skipped == {}


def test_survey_of_named_systems_lists_no_systems(hmc):
    hmc.set_phase("after", MOVABLE)
    found = survey(hmc, ["b750db1", "b750nl2"], [P750, P740])
    assert hmc.count("lssyscfg", "-r", "sys") == 0
    assert sorted(c[4] for c in hmc.commands("lslparmigr")) == sorted([P750, P740])
    assert decide("b750nl2", P740, found).situation == Situation.ON_TARGET


class _Refusing:
    """Answers like the fake, but cannot list one system's partitions."""

    def __init__(self, inner, broken):
        self.inner = inner
        self.broken = broken

    def run(self, argv, **kwargs):
        if argv[:3] == ["lssyscfg", "-r", "lpar"] and argv[4] == self.broken:
            raise HmcCommandError(" ".join(argv), 1, "HSCL8001 The managed system was not found.\n", "")
        return self.inner.run(argv, **kwargs)


def test_a_system_that_cannot_be_listed_is_skipped_unless_named(hmc):
    found = survey(_Refusing(hmc, P740), ["b750db1"])
    assert P740 in found.skipped and "HSCL8001" in found.skipped[P740]
    assert decide("b750db1", P740, found).situation == Situation.MOVABLE
    with pytest.raises(HmcCommandError):
        survey(_Refusing(hmc, P740), ["b750db1"], [P750, P740])
