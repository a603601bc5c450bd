# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Live progress while migrations run, in ``ansible-playbook`` output and in ansible-runner (AWX) events.

The twin runs slowly enough that the evacuation of seed-lab takes about 20 s of real time. With a
progress interval of 3 s, a progress report (headline, then one line per migration in flight with
its bytes, percent and ETA) must appear at most 3 s (plus a margin for Ansible's own work) after the
previous one, from the start of the migrations until their end - in the playbook's standard output
as it is written, and as ``runner_item_on_ok`` events in ansible-runner's ``job_events``. The role
refuses intervals above 30 s.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
from typing import Any

import yaml

from conftest import SECRETS, secret_input
from evac_support import P750, Evacuation, journal_events

INTERVAL = 3
MARGIN = 4.0  # seconds Ansible may add between two reports (task result processing, loop bookkeeping)
SPEED = "7"
HEADLINE = "(running) | elapsed"


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def first_launch(evac: Evacuation) -> float:
    """When the first migration was sent (epoch seconds, from the journal)."""
    return min(float(e["data"]["at"]) for e in journal_events(evac.journal()) if e["event"] == "launch")


def test_progress_is_printed_every_interval_while_migrations_run(twin_factory, collections_path, tmp_path):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SPEED)
    evac = Evacuation(twin, collections_path, tmp_path / "evac",
                      {"evacuate_source_system": P750, "evacuate_preflight": False, "evacuate_progress_interval": INTERVAL})  # fmt: skip
    process = subprocess.Popen(evac.argv("powervm.lpm.evacuate"), env=evac.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            lines.append((time.time(), raw.decode("utf-8", "replace")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert process.wait(300) == 0, "".join(text for _t, text in lines)[-4000:]
    reader.join(10)
    started = first_launch(evac)
    reports = [t for t, text in lines if HEADLINE in text and "ok: [localhost] => (item=" in text]
    ended = next(t for t, text in lines if "8 moved, 0 running, 0 waiting, 0 left of 8 (finished)" in text)
    assert ended - started >= 12, "the migrations were too quick to show progress"
    assert len(reports) >= (ended - started) / INTERVAL - 2
    assert max(_gaps([started, *reports, ended])) <= INTERVAL + MARGIN <= 30
    text = "".join(t for _when, t in lines)
    assert " GiB " in text and "Migration In Progress" in text and "ETA 0:" in text


def _runner_dir(root: pathlib.Path, evac: Evacuation) -> pathlib.Path:
    private = root / "runner"
    (private / "project").mkdir(parents=True)
    (private / "env").mkdir()
    (private / "inventory").mkdir()
    (private / "project" / "evacuate.yml").write_text(yaml.safe_dump([{"ansible.builtin.import_playbook": "powervm.lpm.evacuate"}]), encoding="utf-8")
    (private / "inventory" / "hosts").write_text("localhost ansible_connection=local\n", encoding="utf-8")
    # The secrets reach the job in its environment (as AWX injects credentials), which the extra vars look up.
    (private / "env" / "extravars").write_text(json.dumps(SECRETS.scrub(evac.variables())), encoding="utf-8")
    env = {k: v for k, v in evac.env().items() if k.startswith(("ANSIBLE_", "POWERVM_LPM_TEST_"))}
    secret_input(private / "env" / "envvars", "the job's environment (its input)").write_text(json.dumps(env), encoding="utf-8")
    secret_input(private / "artifacts" / "evacuate" / "command", "ansible-runner's copy of the job's command and environment")
    return private


def _created(event: dict[str, Any]) -> float:
    moment = datetime.datetime.fromisoformat(event["created"])
    return (moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)).timestamp()


def test_ansible_runner_records_a_progress_event_every_interval(twin_factory, collections_path, tmp_path):
    twin = twin_factory("seed-lab")
    twin.ctl("clock", "speed", SPEED)
    evac = Evacuation(twin, collections_path, tmp_path / "evac",
                      {"evacuate_source_system": P750, "evacuate_preflight": False, "evacuate_progress_interval": INTERVAL})  # fmt: skip
    private = _runner_dir(tmp_path, evac)
    runner = pathlib.Path(sys.executable).parent / "ansible-runner"
    done = subprocess.run([str(runner), "run", str(private), "-p", "evacuate.yml", "--ident", "evacuate"], capture_output=True, text=True,
                          timeout=600, check=False, env=dict(os.environ, PATH=f"{pathlib.Path(sys.executable).parent}:{os.environ['PATH']}"))  # fmt: skip
    events = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((private / "artifacts" / "evacuate" / "job_events").glob("*.json"))]
    assert done.returncode == 0, done.stdout[-4000:]
    events.sort(key=lambda e: e["counter"])
    progress = [e for e in events if e["event"] == "runner_item_on_ok" and e["event_data"]["task"].startswith("Report the progress")]
    running = [e for e in progress if not e["event_data"]["res"]["finished"]]
    finished = [e for e in progress if e["event_data"]["res"]["finished"]]
    assert len(running) >= 3 and len(finished) == 1
    times = [first_launch(evac)] + [_created(e) for e in progress]
    assert max(_gaps(times)) <= INTERVAL + MARGIN <= 30
    sample = running[len(running) // 2]
    res = sample["event_data"]["res"]
    assert res["msg"][0].startswith(f"{P750}: ") and HEADLINE in res["msg"][0]
    rows = [line for line in res["msg"][1:] if "running" in line]
    assert rows and all(" GiB " in row for row in rows)
    assert HEADLINE in sample["stdout"] and "GiB" in sample["stdout"]  # what AWX shows in the job output


def test_an_interval_above_30_seconds_is_refused(twin_factory, collections_path, tmp_path):
    evac = Evacuation(twin_factory("seed-lab"), collections_path, tmp_path / "evac", {"evacuate_source_system": P750})
    run = evac.run({"evacuate_progress_interval": 31, "evacuate_dry_run": True})
    assert run.rc != 0 and "between 1 and 30 seconds" in run.stdout
    defaults = yaml.safe_load((pathlib.Path(__file__).resolve().parents[2] / "roles/evacuate/defaults/main.yml").read_text(encoding="utf-8"))
    assert defaults["evacuate_progress_interval"] <= 30
