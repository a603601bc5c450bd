"""A malformed scenario given to ``hmcsim serve`` (foreground or daemon): exit status 1, every bad field named with its
path on stderr, nothing served (no serve.json, no control socket). ``hmcsim validate`` is covered in test_cli.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BROKEN = """\
name: broken
hmcs:
  - name: h1
    users: [{name: hscroot, password: x}]
systems:
  - name: s1
    type_model: 8233-E8B
    serial: "1"
    hmc: h9
    lpars:
      - {name: a, id: 1, mem_mb: lots}
      - {name: b, id: x2, procs: 2.5}
      - {name: c, id: 3, scsi: [{slot: 2, remote_lpar: nobody}]}
"""
PROBLEMS = [
    "systems[0].lpars[0].mem_mb: expected an integer, got 'lots'",
    "systems[0].lpars[1].id: expected an integer, got 'x2'",
    "systems[0].lpars[1].procs: expected an integer, got 2.5",
]


@pytest.mark.parametrize("daemon", [False, True], ids=["foreground", "daemon"])
def test_serve_names_every_bad_field_and_serves_nothing(tmp_path: Path, daemon: bool) -> None:
    scenario, state = tmp_path / "broken.yaml", tmp_path / "state"
    scenario.write_text(BROKEN)
    argv = [sys.executable, "-m", "hmcsim.cli", "serve", "--scenario", str(scenario), "--port", "0", "--state-dir", str(state)]
    done = subprocess.run(argv + (["--daemon"] if daemon else []), capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == f"{scenario}: invalid scenario:"
    assert [line.strip() for line in lines[1:]] == PROBLEMS
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (state / "serve.json").exists() and not (state / "control.sock").exists()


def test_reference_problems_follow_once_the_types_are_right(tmp_path: Path) -> None:
    scenario = tmp_path / "refs.yaml"
    scenario.write_text(BROKEN.replace("mem_mb: lots", "mem_mb: 4096").replace("id: x2, procs: 2.5", "id: 2"))
    done = subprocess.run([sys.executable, "-m", "hmcsim.cli", "serve", "--scenario", str(scenario), "--port", "0",
                           "--state-dir", str(tmp_path / "state")], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1
    problems = [line.strip() for line in done.stderr.splitlines()[1:]]
    assert "systems[0].hmc: unknown HMC 'h9' (known: h1)" in problems
    assert "systems[0].lpars[2].scsi[0].remote_lpar: no partition 'nobody' on s1" in problems
