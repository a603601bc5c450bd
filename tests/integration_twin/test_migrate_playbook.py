"""playbooks/migrate.yml against the twin: preflight gate, migration, post-checks; a rerun changes nothing."""
from __future__ import annotations

import shlex

import pytest

from conftest import REPO

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
PLAYBOOK = REPO / "playbooks" / "migrate.yml"


def _connection(twin_hmc):
    """The playbook's documented connection variables, from the harness' module defaults."""
    names = {"hmc_host": "powervm_hmc_host", "hmc_port": "powervm_hmc_port", "hmc_user": "powervm_hmc_user",
             "hmc_password": "powervm_hmc_password", "known_hosts": "powervm_known_hosts",
             "host_key_policy": "powervm_host_key_policy"}
    return {names[k]: v for k, v in twin_hmc.items() if k in names}


def _placement(twin, system):
    out = twin.ctl("exec", "--hmc", twin.hmc, "--user", "hscroot",
                   shlex.join(["lssyscfg", "-r", "lpar", "-m", system, "-F", "name,state"]))
    return dict(line.split(",", 1) for line in out.strip().splitlines())


def _migrations(log):
    return [e["argv"] for e in log if e["argv"][:3] == ["migrlpar", "-o", "m"]]


@pytest.fixture(scope="module")
def lab(twin_factory):
    return twin_factory()


def test_migrate_then_rerun_unchanged(lab, run_playbook, tmp_path):
    variables = dict(_connection(lab.module_defaults(None, "password", None)), migrate_lpars=["b750nl2", "b750web1"],
                     migrate_target_system=P740, migrate_preflight_report_path=str(tmp_path / "preflight.json"))
    before = lab.last_seq()
    rc, _ = run_playbook(PLAYBOOK, variables, twin=lab)
    assert rc == 0
    moved = _migrations(lab.log(since=before))
    assert len(moved) == 2
    assert sorted(argv[argv.index("-p") + 1] for argv in moved) == ["b750nl2", "b750web1"]
    on_target = _placement(lab, P740)
    assert on_target["b750nl2"] == "Running" and on_target["b750web1"] == "Running"
    assert "b750nl2" not in _placement(lab, P750)
    assert (tmp_path / "preflight.json").is_file()

    before = lab.last_seq()
    rc, _ = run_playbook(PLAYBOOK, variables, twin=lab)
    assert rc == 0
    assert _migrations(lab.log(since=before)) == []


def test_gate_stops_a_partition_that_cannot_move(lab, run_playbook, tmp_path):
    variables = dict(_connection(lab.module_defaults(None, "password", None)), migrate_lpars=["b750nim"],
                     migrate_target_system=P740, migrate_preflight_report_path=str(tmp_path / "preflight.json"))
    before = lab.last_seq()
    rc, _ = run_playbook(PLAYBOOK, variables, twin=lab)
    assert rc != 0
    assert _migrations(lab.log(since=before)) == []
    assert "b750nim" in _placement(lab, P750)
