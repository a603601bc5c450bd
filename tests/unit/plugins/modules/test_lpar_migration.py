# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The lpar_migration module: arguments, result shape, check and diff mode (recorded twin answers)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.powervm.lpm.plugins.modules import lpar_migration
from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.migration.fake_hmc import P740, P750, FakeHmc, load_samples

testing = pytest.importorskip("ansible.module_utils.testing")

BASE = {"hmc_host": "bpichmc", "hmc_password": "abc123", "target_system": P740, "poll_interval": 0.02}


class _Session(FakeHmc):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def run_module(monkeypatch, capsys, check_mode=False, diff=False, prepare=None, **args):
    made = []

    def connect(module, **kwargs):
        made.append((_Session(load_samples()), kwargs))
        if prepare is not None:
            prepare(made[-1][0])
        return made[-1][0]

    monkeypatch.setattr(lpar_migration, "client_from_module", connect)
    params = {name: value for name, value in dict(BASE, **args).items() if value is not None}
    if check_mode:
        params["_ansible_check_mode"] = True
    if diff:
        params["_ansible_diff"] = True
    with testing.patch_module_args(params), pytest.raises(SystemExit):
        lpar_migration.main()
    return json.loads(capsys.readouterr().out), made


def test_check_mode_with_diff(monkeypatch, capsys):
    result, made = run_module(monkeypatch, capsys, check_mode=True, diff=True, lpars=["b750web1"], max_concurrent=3)
    (hmc, kwargs), = made
    assert kwargs == {"max_channels": 5}
    assert result["changed"] is True and "failed" not in result
    assert result["commands"] == [f"migrlpar -o m -m {P750} -t {P740} -p b750web1"]
    assert result["diff"]["before"] == {"b750web1": {"system": P750, "migration_state": "Not Migrating"}}
    assert result["diff"]["after"]["b750web1"]["system"] == P740
    assert result["results"][0]["status"] == "would_migrate"
    assert hmc.count("migrlpar", "-o", "m") == 0 and hmc.count("migrlpar", "-o", "v") == 1


def test_apply_without_diff(monkeypatch, capsys):
    result, _made = run_module(monkeypatch, capsys, lpars=["b750web1", "b750nl2"])
    assert result["changed"] is True and "diff" not in result
    assert [r["status"] for r in result["results"]] == ["migrated", "migrated"]
    assert result["msg"] == "2 migrated"


def test_a_failed_partition_fails_the_module_after_the_others(monkeypatch, capsys):
    result, made = run_module(monkeypatch, capsys, lpars=["b750db1", "b750web1"])
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"] == "1 failed, 1 migrated; failed: b750db1 (HSCLA24B)"
    assert result["results"][0]["recovered"] is True and result["results"][1]["status"] == "migrated"
    assert made[0][0].count("migrlpar", "-o", "r") == 1


def test_target_system_is_required_to_migrate(monkeypatch, capsys):
    result, made = run_module(monkeypatch, capsys, lpars=["b750web1"], target_system=None)
    assert result["failed"] is True and "missing: target_system" in result["msg"] and made == []


def test_keep_layout_and_mappings_exclude_each_other(monkeypatch, capsys):
    mappings = [{"client_slot": 35, "dest_vios": "b740vio1"}]
    result, made = run_module(monkeypatch, capsys, lpars=["b750web1"], keep_vios_layout=True, virtual_scsi_mappings=mappings)
    assert result["failed"] is True and "mutually exclusive" in result["msg"] and made == []


def test_one_partition_options_with_several_partitions(monkeypatch, capsys):
    result, made = run_module(monkeypatch, capsys, lpars=["b750web1", "b750nl2"], dest_lpar_id=20)
    assert result["failed"] is True and result["error_type"] == "HmcInputError" and made == []


def test_stop_needs_no_target(monkeypatch, capsys):
    def running(hmc):
        hmc.set_phase("running", ["b750db2"])

    result, made = run_module(monkeypatch, capsys, lpars=["b750db2"], state="stopped", target_system=None, prepare=running)
    assert result["changed"] is True and result["commands"] == [f"migrlpar -o s -m {P750} -p b750db2"]
    assert made[0][0].count("migrlpar") == 1
