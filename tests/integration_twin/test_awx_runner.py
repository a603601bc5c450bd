# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The playbooks under ``ansible-runner``, laid out as AWX lays out a job (docs/awx.md).

A private data directory holds ``env/extravars`` (the survey answers and the credential's extra
vars), ``env/envvars`` (the credential's environment: ``POWERVM_LPM_HMC_PASSWORD``), an
``inventory`` directory (a ``powervm.lpm.hmc`` inventory source and localhost) and ``project`` (the
project checkout holding the playbooks); the collection is on ``ANSIBLE_COLLECTIONS_PATH``. The run's
``rc``, its ``status`` file and the task events in ``job_events/*.json`` are checked.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from typing import Any

import yaml

from conftest import HMC_PASSWORD, HMC_USER, REPO, SECRETS, Twin, secret_input
from evac_support import P740, P750, SEED_MOVABLE, Evacuation, lpar_of, migrations_sent, scenario_of, scenario_physics

RUNNER_TIMEOUT = 600


def private_data_dir(root: pathlib.Path, twin: Twin, collections_path: str, extravars: dict[str, Any]) -> pathlib.Path:
    pdd = root / f"pdd-{len(list(root.glob('pdd-*')))}"
    (pdd / "env").mkdir(parents=True)
    shutil.copytree(REPO / "playbooks", pdd / "project" / "playbooks")
    credential = {"powervm_hmc_host": twin.host, "powervm_hmc_port": twin.port, "powervm_hmc_user": HMC_USER,
                  "powervm_hmc_password": HMC_PASSWORD, "powervm_known_hosts": str(twin.known_hosts)}
    # The secrets reach the job as AWX injects credentials: in its environment, which extra vars look up.
    (pdd / "env" / "extravars").write_text(yaml.safe_dump(SECRETS.scrub({**credential, **extravars})), encoding="utf-8")
    envvars = {
        "POWERVM_LPM_HMC_PASSWORD": HMC_PASSWORD, "ANSIBLE_COLLECTIONS_PATH": collections_path, "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0", "ANSIBLE_INVENTORY_ENABLED": "powervm.lpm.hmc,ini",
        "ANSIBLE_LOCAL_TEMP": str(root / "ansible-tmp"), "ANSIBLE_RETRY_FILES_ENABLED": "0", **SECRETS.env(),
    }  # fmt: skip
    envvars_file = secret_input(pdd / "env" / "envvars", "the credential environment of the AWX job (the job's input)")
    envvars_file.write_text(yaml.safe_dump(envvars), encoding="utf-8")
    inventory = pdd / "inventory"
    inventory.mkdir()
    source = {"plugin": "powervm.lpm.hmc", "hmc_user": HMC_USER, "known_hosts": str(twin.known_hosts), "connect_timeout": 5,
              "hmcs": [{"name": twin.hmc, "hmc_host": twin.host, "hmc_port": twin.port}]}  # password from POWERVM_LPM_HMC_PASSWORD
    (inventory / "twin.hmc.yml").write_text(yaml.safe_dump(source, sort_keys=False), encoding="utf-8")
    (inventory / "hosts").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n", encoding="utf-8")
    return pdd


def runner(pdd: pathlib.Path, playbook: str) -> subprocess.CompletedProcess[str]:
    tool = pathlib.Path(sys.executable).parent / "ansible-runner"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = f"{pathlib.Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run([str(tool), "run", str(pdd), "-p", playbook, "--ident", "job"], env=env, capture_output=True,
                          text=True, timeout=RUNNER_TIMEOUT, check=False)  # fmt: skip
    secret_input(pdd / "artifacts" / "job" / "command", "ansible-runner's copy of the job's command and environment (the credential environment)")
    print(done.stdout[-20000:])
    print(done.stderr[-5000:], file=sys.stderr)
    return done


def artifacts(pdd: pathlib.Path) -> tuple[int, str, list[dict[str, Any]]]:
    job = pdd / "artifacts" / "job"
    events = [json.loads(p.read_text(encoding="utf-8")) for p in (job / "job_events").glob("*.json")]
    events.sort(key=lambda e: e["counter"])
    return int((job / "rc").read_text(encoding="utf-8")), (job / "status").read_text(encoding="utf-8").strip(), events


def task_events(events: list[dict[str, Any]], kind: str) -> list[str]:
    return [e["event_data"].get("task", "") for e in events if e["event"] == kind]


def test_preflight_runs_as_awx_runs_it(twin: Twin, collections_path: str, tmp_path: pathlib.Path) -> None:
    report = tmp_path / "preflight.json"
    pdd = private_data_dir(tmp_path, twin, collections_path, {
        "preflight_lpars": ["b750nl2", "b750web1"], "preflight_target_system": P740, "preflight_report_path": str(report),
    })  # fmt: skip
    done = runner(pdd, "playbooks/preflight.yml")
    rc, status, events = artifacts(pdd)
    assert done.returncode == 0 and rc == 0 and status == "successful", done.stdout[-3000:]
    assert events[0]["event"] == "playbook_on_start" and events[-1]["event"] == "playbook_on_stats"
    started = task_events(events, "playbook_on_task_start")
    ok = task_events(events, "runner_on_ok")
    assert started and set(ok) <= set(started)
    assert "Check the partitions against the target systems and write the report" in ok
    assert "Show the verdict of each partition and target" in ok
    assert {e["event_data"].get("role") for e in events if e["event"] == "runner_on_ok"} == {"preflight"}
    assert task_events(events, "runner_on_failed") == []
    stats = events[-1]["event_data"]
    assert stats["failures"] == {} and stats["ok"].get("localhost", 0) >= len(set(ok))
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {"b750nl2", "b750web1"} <= set(json.dumps(data).split('"'))


def test_evacuate_dry_run_as_awx_runs_it(twin_factory: Any, collections_path: str, tmp_path: pathlib.Path) -> None:
    lab = twin_factory("seed-lab")
    before = lab.log()
    pdd = private_data_dir(tmp_path, lab, collections_path, {
        "evacuate_source_system": P750, "evacuate_dry_run": True, "evacuate_state_dir": str(tmp_path / "state"),
        "evacuate_physics": scenario_physics(scenario_of(lab)), "evacuate_preflight_hmc_validation": False,
    })  # fmt: skip
    done = runner(pdd, "playbooks/evacuate.yml")
    rc, status, events = artifacts(pdd)
    assert done.returncode == 0 and rc == 0 and status == "successful", done.stdout[-3000:]
    assert task_events(events, "runner_on_failed") == []
    shown = " ".join(json.dumps(e["event_data"].get("res", {})) for e in events if e["event"] == "runner_on_ok")
    assert "Plan: 8 migrations from " + P750 in shown
    sent = [e for e in lab.log()[len(before):] if e["argv"][:3] == ["migrlpar", "-o", "m"]]
    assert sent == []                                                     # a dry run moves nothing


def evacuate_under_runner(lab: Twin, collections_path: str, tmp_path: pathlib.Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The evacuation of P750 run as an AWX job: its variables and its job events."""
    variables = Evacuation(lab, collections_path, tmp_path / "evac").variables()
    seq = lab.last_seq()
    pdd = private_data_dir(tmp_path, lab, collections_path, {**variables, "evacuate_source_system": P750})
    done = runner(pdd, "playbooks/evacuate.yml")
    rc, status, events = artifacts(pdd)
    assert done.returncode == 0 and rc == 0 and status == "successful", done.stdout[-3000:]
    assert sorted(lpar_of(e) for e in migrations_sent(lab.log(since=seq))) == sorted(SEED_MOVABLE)
    return variables, events


def test_evacuate_as_awx_runs_it(twin_factory: Any, collections_path: str, tmp_path: pathlib.Path) -> None:
    _variables, events = evacuate_under_runner(twin_factory("seed-lab"), collections_path, tmp_path)
    # the progress reports reach AWX as one item event per report, the last one the finished evacuation
    ticks = [e["event_data"]["res"] for e in events if e["event"] == "runner_item_on_ok" and "headline" in e["event_data"].get("res", {})]
    assert ticks and ticks[-1]["finished"] is True and ticks[-1]["counts"]["moved"] == len(SEED_MOVABLE)
    assert all(t["headline"].startswith(P750 + ": ") for t in ticks)
    assert task_events(events, "runner_on_failed") == []


def test_return_home_dry_run_as_awx_runs_it(twin_factory: Any, collections_path: str, tmp_path: pathlib.Path) -> None:
    lab = twin_factory("seed-lab")
    variables, _events = evacuate_under_runner(lab, collections_path, tmp_path)
    # a job template whose job type is "Check" runs the playbook with --check: the plan only
    seq = lab.last_seq()
    manifest = pathlib.Path(variables["evacuate_state_dir"]) / f"{P750}.manifest.json"
    pdd = private_data_dir(tmp_path, lab, collections_path, {**variables, "return_home_manifest_path": str(manifest)})
    (pdd / "env" / "cmdline").write_text("--check", encoding="utf-8")
    done = runner(pdd, "playbooks/return_home.yml")
    rc, status, events = artifacts(pdd)
    assert done.returncode == 0 and rc == 0 and status == "successful", done.stdout[-3000:]
    assert task_events(events, "runner_on_failed") == []
    shown = " ".join(json.dumps(e["event_data"].get("res", {})) for e in events if e["event"] == "runner_on_ok")
    assert "Plan: 8 migrations from " + P740 in shown
    assert migrations_sent(lab.log(since=seq)) == []
