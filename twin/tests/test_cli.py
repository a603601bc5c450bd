"""The hmcsim command: serve (foreground and daemon), serve.json, ctl ops, validate, generate, forward."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from frontend_helpers import P740, P750, new_key
from hmcsim import cli, forward, scenario
from hmcsim.service import wait_for_serve_file

FORWARD_PY = Path(forward.__file__)
SYSTEM_PYTHON = "/usr/bin/python3"


def hmcsim(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hmcsim.cli", *args], capture_output=True, text=True,
                          timeout=30, check=False, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``hmcsim serve`` in a child process; yields its ready line, serve.json and state dir."""
    state = tmp_path_factory.mktemp("cli") / "state"
    proc = subprocess.Popen([sys.executable, "-m", "hmcsim.cli", "serve", "--scenario", "seed-lab", "--port", "0",
                             "--state-dir", str(state), "--manual-clock"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = proc.stdout.readline()
        info = wait_for_serve_file(state, timeout=10, pid=proc.pid)
        yield {"proc": proc, "ready": ready, "info": info, "state": state}
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(10)


def ctl(state: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = cli.main(["ctl", "--state-dir", str(state), *args])
    out, err = capsys.readouterr()
    return rc, out, err


# ----- serve and serve.json -----

def test_ready_line_and_serve_json(served: dict) -> None:
    info, state = served["info"], served["state"]
    match = re.fullmatch(r"ready hmc=bpichmc host=127\.0\.0\.1 port=(\d+) fingerprint=(SHA256:\S+)\n", served["ready"])
    assert match, served["ready"]
    port = int(match.group(1))
    assert info["pid"] == served["proc"].pid
    assert info["hmcs"]["bpichmc"]["host"] == "127.0.0.1"
    assert info["hmcs"]["bpichmc"]["port"] == port != 0
    assert info["host_key_fingerprint"] == match.group(2)
    assert re.fullmatch(rf"\[127\.0\.0\.1\]:{port} ssh-ed25519 AAAA\S+", info["known_hosts_line"])
    assert info["control_socket"] == str((state / "control.sock").resolve())
    assert Path(info["control_socket"]).exists()


@pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                    reason="the OpenSSH client (ssh, ssh-keygen) is not installed")
def test_openssh_client_with_pinned_host_key(served: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info, state = served["info"], served["state"]
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    assert ctl(state, "authorize", "--hmc", "bpichmc", "--user", "hscroot", f"{key}.pub", capsys=capsys)[0] == 0
    known = tmp_path / "known_hosts"
    known.write_text(info["known_hosts_line"] + "\n")
    port = str(info["hmcs"]["bpichmc"]["port"])
    result = subprocess.run(
        ["ssh", "-F", "none", "-i", str(key), "-p", port, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
         "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=none",
         "hscroot@127.0.0.1", "lssyscfg -r sys -F name,state"],
        capture_output=True, text=True, timeout=20, check=False)
    assert (result.returncode, result.stdout) == (0, f"{P750},Operating\n{P740},Operating\n"), result.stderr


def test_ctl_ops(served: dict, capsys: pytest.CaptureFixture[str]) -> None:
    state = served["state"]
    rc, out, _ = ctl(state, "exec", "--hmc", "bpichmc", "--user", "hscroot", "lssyscfg", "-r", "sys", "-F", "name",
                     capsys=capsys)
    assert (rc, out) == (0, f"{P750}\n{P740}\n")
    rc, out, _ = ctl(state, "log", capsys=capsys)
    assert rc == 0 and out.splitlines()[-1].endswith("rc=0 lssyscfg -r sys -F name")
    rc, out, _ = ctl(state, "log", "--json", capsys=capsys)
    assert json.loads(out.splitlines()[-1])["argv"] == ["lssyscfg", "-r", "sys", "-F", "name"]
    rc, out, _ = ctl(state, "state", capsys=capsys)
    assert f"system {P750} (Operating)" in out and "    3 b750nl2 aixlinux Running" in out
    rc, out, _ = ctl(state, "state", "--json", capsys=capsys)
    assert {ms["name"] for ms in json.loads(out)["systems"]} == {P750, P740}
    rc, out, _ = ctl(state, "clock", capsys=capsys)
    assert re.fullmatch(r"t=0\.0 05/12/2014 09:00:00 speed=60 manual=on\n", out), out
    rc, out, _ = ctl(state, "clock", "advance", "90", capsys=capsys)
    assert out.startswith("t=90.0 05/12/2014 09:01:30 ")
    rc, out, _ = ctl(state, "fault", "arm", "latency", "--seconds", "0.01", "--command", "lshmc", capsys=capsys)
    assert json.loads(out)["fault"]["command"] == "lshmc"
    rc, out, _ = ctl(state, "fault", "list", capsys=capsys)
    assert [json.loads(line)["kind"] for line in out.splitlines()] == ["latency"]
    rc, out, _ = ctl(state, "fault", "clear", capsys=capsys)
    assert out == "cleared 1\n"
    rc, out, _ = ctl(state, "scenario", "--no-secrets", capsys=capsys)
    dumped = yaml.safe_load(out)
    assert "abc123" not in out and dumped["name"] == "seed-lab"
    assert dumped["hmcs"][0]["users"] == [{"name": "hscroot"}]


def test_ctl_errors(served: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = ctl(served["state"], "fault", "arm", "hmc_restart", "--target", "nosuch", capsys=capsys)
    assert rc == 1 and "no HMC named 'nosuch'" in err
    rc, _, err = ctl(served["state"], "clock", "advance", capsys=capsys)
    assert rc == 1 and "needs a value" in err
    rc, _, err = ctl(tmp_path, "state", capsys=capsys)
    assert rc == 1 and "cannot reach the twin" in err


# ----- forward -----

def test_forward_subcommand_runs_ssh_original_command(served: dict) -> None:
    env = {**os.environ, "SSH_ORIGINAL_COMMAND": "lssyscfg -r sys -F name"}
    result = hmcsim("forward", "--state-dir", str(served["state"]), "--hmc", "bpichmc", "--user", "hscroot", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{P750}\n{P740}\n", "")
    env["SSH_ORIGINAL_COMMAND"] = "nosuch"
    result = hmcsim("forward", "--state-dir", str(served["state"]), "--hmc", "bpichmc", "--user", "hscroot", env=env)
    assert (result.returncode, result.stderr) == (127, "rbash: nosuch: command not found\n")


@pytest.mark.skipif(not os.access(SYSTEM_PYTHON, os.X_OK), reason=f"{SYSTEM_PYTHON} is not installed")
def test_forward_py_runs_standalone_with_the_system_python(served: dict, tmp_path: Path) -> None:
    copy = tmp_path / "forward.py"
    shutil.copy(FORWARD_PY, copy)
    base = [SYSTEM_PYTHON, "-I", str(copy), "--socket", served["info"]["control_socket"], "--hmc", "bpichmc",
            "--user", "hscroot"]
    env = {"PATH": "/usr/bin:/bin", "SSH_ORIGINAL_COMMAND": "lssyscfg -r sys -F name"}
    result = subprocess.run(base, env=env, capture_output=True, text=True, timeout=20, check=False)
    assert (result.returncode, result.stdout) == (0, f"{P750}\n{P740}\n"), result.stderr
    shell = subprocess.run(base, env={"PATH": "/usr/bin:/bin"}, input="lssyscfg -r sys -F name\n\nexit\n",
                           capture_output=True, text=True, timeout=20, check=False)
    prompt = "hscroot@bpichmc:~> "
    assert (shell.returncode, shell.stdout) == (0, f"{prompt}{P750}\n{P740}\n{prompt}{prompt}")


def test_forward_reports_an_unreachable_twin(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "lshmc -V")
    assert forward.main(["--socket", str(tmp_path / "none.sock"), "--hmc", "bpichmc"]) == 255
    assert "the twin is not reachable" in capsys.readouterr().err


def test_forward_maps_the_system_user_to_the_hmc_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forward.getpass, "getuser", lambda: "hmcsim-hscroot")
    assert forward.default_user() == "hscroot"
    monkeypatch.setattr(forward.getpass, "getuser", lambda: "operator")
    assert forward.default_user() == "operator"


def test_forward_py_imports_only_the_standard_library() -> None:
    tree = ast.parse(FORWARD_PY.read_text())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert modules and modules <= set(sys.stdlib_module_names), modules - set(sys.stdlib_module_names)
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))


# ----- shutdown, daemon -----

def test_ctl_shutdown_stops_serve(served: dict, capsys: pytest.CaptureFixture[str]) -> None:
    assert ctl(served["state"], "shutdown", capsys=capsys)[:2] == (0, "stopping\n")
    assert served["proc"].wait(10) == 0
    assert not (served["state"] / "serve.json").exists()
    assert not (served["state"] / "control.sock").exists()


def test_daemon_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    result = hmcsim("serve", "--scenario", "seed-lab", "--port", "0", "--state-dir", str(state), "--daemon")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ready hmc=bpichmc host=127.0.0.1 port=")
    pid = int(lines[-1].removeprefix("pid="))
    try:
        assert json.loads((state / "serve.json").read_text())["pid"] == pid
        assert ctl(state, "exec", "--hmc", "bpichmc", "--user", "hscroot", "lssyscfg", "-r", "sys", "-F", "name",
                   capsys=capsys)[0] == 0
    finally:
        ctl(state, "shutdown", capsys=capsys)
    for _ in range(100):
        if not (state / "serve.json").exists():
            break
        time.sleep(0.05)
    assert not (state / "serve.json").exists()


# ----- validate, generate -----

BROKEN = """\
name: broken
hmcs:
  - name: h1
    users: [{name: hscroot, password: x}]
systems:
  - name: s1
    type_model: 8233-E8B
    serial: "1"
    hmc: h1
    lpars:
      - {name: a, id: 1, mem_mb: lots}
      - {name: b, id: 2, colour: blue}
"""


def test_validate_reports_problems_with_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    assert cli.main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{bad}: systems[0].lpars[0].mem_mb: expected an integer, got 'lots'" in out
    assert any(line.startswith(f"{bad}: systems[0].lpars[1].colour: unknown field") for line in out)


def test_validate_names_an_adapter_slot_beyond_max_virtual_slots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = yaml.safe_load((Path(scenario.__file__).parent / "scenarios" / "seed-lab.yaml").read_text(encoding="utf-8"))
    vio2 = data["systems"][0]["lpars"][1]
    assert vio2["name"] == "b750vio2"
    del vio2["max_virtual_slots"]  # the default of 64, with a server adapter in slot 65
    bad = tmp_path / "lab.yaml"
    bad.write_text(yaml.safe_dump(data))
    assert cli.main(["validate", str(bad)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{bad}: systems[0].lpars[1].scsi[3].slot: virtual slot 65 is not below the max_virtual_slots of b750vio2 (64, slots 0 to 63); "
        "raise systems[0].lpars[1].max_virtual_slots above 65"]


def test_validate_good_and_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "seed-lab"]) == 0
    assert capsys.readouterr().out.startswith("seed-lab: valid (1 HMCs, 2 systems, ")
    assert cli.main(["validate", "seed-lab", str(tmp_path / "nope.yaml")]) == 1
    assert "no such scenario file" in capsys.readouterr().out


def test_generate_delegates_to_the_generator(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "fleet.yaml"
    assert cli.main(["generate", "--seed", "5", "--systems", "2", "--lpars", "4", "-o", str(out)]) == 0
    fleet = scenario.load(str(out))
    assert len(fleet.systems) == 2
    assert cli.main(["validate", str(out)]) == 0
