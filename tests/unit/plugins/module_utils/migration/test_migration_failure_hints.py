# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every failed migration carries a hint, also when its HSCL code has no remediation of its own."""

from __future__ import annotations

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS
from ansible_collections.powervm.lpm.plugins.module_utils._migration_request import LparRef, MigrationSpec, migrlpar, migrlpar_recover
from ansible_collections.powervm.lpm.plugins.module_utils._migration_result import Status
from ansible_collections.powervm.lpm.plugins.module_utils._migration_runner import (
    NEEDS_RECOVERY_HINT, RECOVERED_HINT, MigrationJob, MigrationRunner, RunnerOptions,
)
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import P740, P750


def job(lpar: str) -> MigrationJob:
    argv = migrlpar("m", P750, LparRef(lpar), MigrationSpec(target=P740))
    return MigrationJob(lpar, P750, P740, "active", argv, migrlpar_recover(P750, LparRef(lpar)), "", "")


def test_a_recovered_failure_without_a_known_code_gets_the_recovery_hint(hmc):
    (db1,) = MigrationRunner(hmc, RunnerOptions(poll_interval=0.02, timeout=10.0)).run([job("b750db1")])
    assert "HSCLA24B" not in HINTS
    assert db1.status == Status.FAILED and db1.hscl_code == "HSCLA24B" and db1.recovered
    assert db1.hint == RECOVERED_HINT


def test_an_unrecovered_failure_says_to_recover(hmc):
    (db1,) = MigrationRunner(hmc, RunnerOptions(poll_interval=0.02, timeout=10.0, recover_on_failure=False)).run([job("b750db1")])
    assert db1.failed and not db1.recovered and db1.hint == NEEDS_RECOVERY_HINT
