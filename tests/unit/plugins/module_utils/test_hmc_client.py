# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The HMC client against the in-process SSH server of conftest.py."""

from __future__ import annotations

import asyncio
import json
import shlex
import socket
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_client
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_auth import HostKeyChecker, known_hosts_name
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient, HmcConnectionParams
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import (
    HmcAuthError,
    HmcCommandError,
    HmcConnectionError,
    HmcHostKeyError,
    HmcInputError,
    HmcTimeout,
)

pytest.importorskip("paramiko")

KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa")
PASSWORD = "Pw-for-tests-7731"  # the password the test server accepts (conftest.PASSWORD)


def make_client(server, known_hosts, *, password=PASSWORD, recorder=None, client_kwargs=None, **options):
    params = HmcConnectionParams(
        host="127.0.0.1",
        port=server.port,
        user=server.user,
        password=password,
        known_hosts=str(known_hosts),
        connect_timeout=5,
        **options,
    )
    return HmcClient(params, recorder=recorder, retry_delay=0, **(client_kwargs or {}))


def test_server_constants_match(ssh_server):
    assert ssh_server.password == PASSWORD
    assert ssh_server.key_types == KEY_TYPES


def test_password_auth_runs_command(ssh_server, known_hosts):
    with make_client(ssh_server, known_hosts) as client:
        result = client.run(["lssyscfg", "-r", "sys", "-F", "name,state"], read_only=True)
    assert result.rc == 0
    assert result.stdout == "ran: lssyscfg -r sys -F name,state\n"
    assert result.stderr == ""
    assert result.argv == ("lssyscfg", "-r", "sys", "-F", "name,state")
    assert result.command == "lssyscfg -r sys -F name,state"
    assert result.duration > 0
    assert ssh_server.commands == ["lssyscfg -r sys -F name,state"]


@pytest.mark.parametrize(
    "alg, fmt",
    [(alg, "openssh") for alg in KEY_TYPES] + [("ssh-ed25519", "pkcs8-pem"), ("ecdsa-sha2-nistp256", "pkcs8-pem"), ("ssh-rsa", "pkcs1-pem")],
)
def test_key_content_auth_for_each_key_type(ssh_server, known_hosts, alg, fmt):
    ssh_server.authorized = [ssh_server.client_keys[alg].public_data]
    content = ssh_server.private_key_text(alg, fmt)
    with make_client(ssh_server, known_hosts, password=None, private_key_content=content) as client:
        assert client.run(["lshmc", "-V"]).stdout == "ran: lshmc -V\n"


def test_key_file_auth(ssh_server, known_hosts, tmp_path):
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(ssh_server.private_key_text("ssh-ed25519"), encoding="ascii")
    key_file.chmod(0o600)
    with make_client(ssh_server, known_hosts, password=None, private_key_file=str(key_file)) as client:
        assert client.run(["lshmc", "-V"]).rc == 0


def test_encrypted_key_is_refused_clearly(ssh_server, known_hosts):
    key = ssh_server.client_keys["ssh-ed25519"]
    content = key.export_private_key("openssh", passphrase="Key-pass-1").decode()
    with pytest.raises(HmcAuthError, match="encrypted with a passphrase"):
        make_client(ssh_server, known_hosts, password=None, private_key_content=content).connect()


def test_missing_key_file(ssh_server, known_hosts, tmp_path):
    with pytest.raises(HmcAuthError, match="cannot read private key file"):
        make_client(ssh_server, known_hosts, password=None, private_key_file=str(tmp_path / "nope")).connect()


def test_unusable_key_content_is_an_auth_error_without_the_content(ssh_server, known_hosts):
    content = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot-a-key-Zq81\n-----END OPENSSH PRIVATE KEY-----\n"
    with pytest.raises(HmcAuthError) as caught:
        make_client(ssh_server, known_hosts, password=None, private_key_content=content).connect()
    assert "not-a-key-Zq81" not in str(caught.value)


def test_wrong_password_is_refused_and_not_shown(ssh_server, known_hosts):
    with pytest.raises(HmcAuthError) as caught:
        make_client(ssh_server, known_hosts, password="Wrong-secret-991").connect()
    assert "tried: password" in str(caught.value)
    assert "Wrong-secret-991" not in str(caught.value)
    assert "Wrong-secret-991" not in repr(caught.value.to_result())


def test_unauthorized_key_is_refused(ssh_server, known_hosts):
    ssh_server.authorized = []
    content = ssh_server.private_key_text("ssh-ed25519")
    with pytest.raises(HmcAuthError, match=r"tried: hmc_private_key_content\)"):
        make_client(ssh_server, known_hosts, password=None, private_key_content=content).connect()


def test_no_auth_method(ssh_server, known_hosts):
    with pytest.raises(HmcAuthError, match="no authentication method"):
        make_client(ssh_server, known_hosts, password=None).connect()


def test_strict_refuses_unknown_key_before_sending_credentials(ssh_server, tmp_path):
    with pytest.raises(HmcHostKeyError) as caught:
        make_client(ssh_server, tmp_path / "absent").connect()
    expected = ssh_server.host_key.get_fingerprint("sha256")
    assert caught.value.fingerprint == expected
    assert expected in str(caught.value) and "unknown host key" in str(caught.value)
    assert ssh_server.auth_attempts == 0
    assert not (tmp_path / "absent").exists()


def test_accept_new_records_key_then_strict_accepts_it(ssh_server, tmp_path):
    path = tmp_path / "ssh" / "known_hosts"
    with make_client(ssh_server, path, host_key_policy="accept_new") as client:
        client.run(["lshmc", "-V"])
    assert path.read_text(encoding="ascii") == ssh_server.known_hosts_line()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with make_client(ssh_server, path) as client:
        assert client.run(["lshmc", "-V"]).rc == 0


def test_accept_new_appends_after_a_line_without_newline(ssh_server, tmp_path):
    path = tmp_path / "known_hosts"
    path.write_text("other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2KyF2ZcVtNjJ8L1dNjf1O1P5c1DHkR6b3l8wYzXQ1r", encoding="ascii")
    make_client(ssh_server, path, host_key_policy="accept_new").connect()
    assert path.read_text(encoding="ascii").splitlines()[1] == ssh_server.known_hosts_line().strip()


@pytest.mark.parametrize("alg", ["ssh-ed25519", "ecdsa-sha2-nistp256"])
def test_changed_key_refused_even_with_accept_new(ssh_server, tmp_path, alg):
    import asyncssh

    path = tmp_path / "known_hosts"
    original = ssh_server.known_hosts_line(asyncssh.generate_private_key(alg))
    path.write_text(original, encoding="ascii")
    with pytest.raises(HmcHostKeyError, match="HOST KEY MISMATCH") as caught:
        make_client(ssh_server, path, host_key_policy="accept_new").connect()
    assert ssh_server.host_key.get_fingerprint("sha256") in str(caught.value)
    assert path.read_text(encoding="ascii") == original
    assert ssh_server.auth_attempts == 0


def test_hashed_known_hosts_entry_is_accepted(ssh_server, tmp_path):
    from paramiko.hostkeys import HostKeys

    name, key_type, key = ssh_server.known_hosts_line().split()
    path = tmp_path / "known_hosts"
    path.write_text(f"{HostKeys.hash_host(name)} {key_type} {key}\n", encoding="ascii")
    with make_client(ssh_server, path) as client:
        assert client.run(["lshmc", "-V"]).rc == 0


def test_host_key_helpers():
    assert known_hosts_name("hmc1", 22) == "hmc1"
    assert known_hosts_name("10.0.0.1", 2222) == "[10.0.0.1]:2222"
    with pytest.raises(HmcInputError, match="host_key_policy"):
        HostKeyChecker("hmc1", 22, None, "yes")


def test_ignore_policy_skips_the_check(ssh_server, tmp_path):
    with make_client(ssh_server, tmp_path / "absent", host_key_policy="ignore") as client:
        assert client.run(["lshmc", "-V"]).rc == 0
    assert not (tmp_path / "absent").exists()


def test_parallel_commands_share_one_connection(ssh_server, known_hosts):
    async def slow(command):
        await asyncio.sleep(0.05)
        return 0, command.upper(), ""

    ssh_server.handler = slow
    commands = [["lssyscfg", "-r", "lpar", "-m", f"sys{i}"] for i in range(24)]
    with make_client(ssh_server, known_hosts) as client:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda argv: client.run(argv, read_only=True), commands))
    assert [r.stdout for r in results] == [shlex.join(argv).upper() for argv in commands]
    assert ssh_server.connections == 1
    assert 2 <= ssh_server.max_active <= 8


def test_channel_limit(ssh_server, known_hosts):
    async def slow(command):
        await asyncio.sleep(0.03)
        return 0, "", ""

    ssh_server.handler = slow
    with make_client(ssh_server, known_hosts, client_kwargs={"max_channels": 2}) as client:
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda i: client.run(["lshmc", "-V"]), range(12)))
    assert ssh_server.max_active == 2


def test_per_command_timeout_keeps_the_connection(ssh_server, known_hosts):
    async def handler(command):
        if command == "sleep":
            await asyncio.sleep(3)
        return 0, "done\n", ""

    ssh_server.handler = handler
    with make_client(ssh_server, known_hosts) as client:
        started = time.monotonic()
        with pytest.raises(HmcTimeout, match="did not finish within 0.3 s"):
            client.run(["sleep"], timeout=0.3, read_only=True)
        assert time.monotonic() - started < 2
        assert client.run(["echo"]).stdout == "done\n"
    assert ssh_server.connections == 1
    assert ssh_server.commands == ["sleep", "echo"]


def test_read_commands_are_retried_on_a_new_connection(ssh_server, known_hosts):
    calls = []

    def flaky(command):
        calls.append(command)
        if len(calls) == 1:
            raise ssh_server.Drop()
        return 0, "ok\n", ""

    ssh_server.handler = flaky
    transcript = []
    with make_client(ssh_server, known_hosts, recorder=transcript.append) as client:
        assert client.run(["lslparmigr", "-r", "sys", "-m", "S"], read_only=True).stdout == "ok\n"
    assert calls == ["lslparmigr -r sys -m S"] * 2
    assert ssh_server.connections == 2
    assert [(e.attempt, e.rc) for e in transcript] == [(1, None), (2, 0)]
    assert transcript[0].error


def test_read_retries_are_bounded(ssh_server, known_hosts):
    def always_drop(command):
        raise ssh_server.Drop()

    ssh_server.handler = always_drop
    with pytest.raises(HmcConnectionError):
        make_client(ssh_server, known_hosts).run(["lssyscfg", "-r", "sys"], read_only=True)
    assert len(ssh_server.commands) == 3


def test_write_commands_are_never_retried(ssh_server, known_hosts):
    def always_drop(command):
        raise ssh_server.Drop()

    ssh_server.handler = always_drop
    with pytest.raises(HmcConnectionError, match="was not retried") as caught:
        make_client(ssh_server, known_hosts).run(["migrlpar", "-o", "m", "-m", "SRC", "-t", "TGT", "-p", "lp1"])
    assert ssh_server.commands == ["migrlpar -o m -m SRC -t TGT -p lp1"]
    assert "migrlpar -o m -m SRC -t TGT -p lp1" in str(caught.value)


def test_connection_setup_is_retried_for_writes(ssh_server, known_hosts, monkeypatch):
    real = socket.create_connection
    attempts = []

    def flaky_connect(address, timeout=None):
        attempts.append(address)
        if len(attempts) == 1:
            raise ConnectionRefusedError("refused for the test")
        return real(address, timeout=timeout)

    monkeypatch.setattr(_hmc_client.socket, "create_connection", flaky_connect)
    with make_client(ssh_server, known_hosts) as client:
        assert client.run(["chsyscfg", "-r", "lpar", "-m", "S", "-i", "name=V,msp=1"]).rc == 0
    assert len(attempts) == 2
    assert ssh_server.commands == ["chsyscfg -r lpar -m S -i name=V,msp=1"]


def test_connection_setup_retries_are_bounded(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    params = HmcConnectionParams(host="127.0.0.1", port=port, password="x", known_hosts=str(tmp_path / "kh"), connect_timeout=2)
    with pytest.raises(HmcConnectionError, match=f"cannot connect to 127.0.0.1:{port}"):
        HmcClient(params, retry_delay=0, connect_retries=1).connect()


def test_nonzero_exit_raises_command_error(ssh_server, known_hosts, fixture_text):
    ssh_server.handler = lambda command: (1, fixture_text("error_hscl8012.txt"), "")
    with make_client(ssh_server, known_hosts) as client:
        with pytest.raises(HmcCommandError) as caught:
            client.run(["lssyscfg", "-r", "lpar", "-m", "S", "--filter", "lpar_names=zz-no-such-lpar"], read_only=True)
        assert caught.value.code == "HSCL8012" and caught.value.rc == 1
        assert caught.value.cmd == "lssyscfg -r lpar -m S --filter lpar_names=zz-no-such-lpar"
        unchecked = client.run(["lssyscfg"], check=False)
    assert unchecked.rc == 1 and unchecked.stdout.startswith("HSCL8012")
    assert len(ssh_server.commands) == 2


def test_stdout_and_stderr_are_separate_and_large_output_is_complete(ssh_server, known_hosts):
    big = "x" * 3_000_000 + "\n"
    ssh_server.handler = lambda command: (3, big, "warning on stderr\n")
    with make_client(ssh_server, known_hosts) as client:
        result = client.run(["lsmap", "-all"], check=False)
    assert result.rc == 3 and len(result.stdout) == len(big) and result.stderr == "warning on stderr\n"


def test_hostile_argv_arrives_as_the_same_argv(ssh_server, known_hosts):
    ssh_server.handler = lambda command: (0, json.dumps(shlex.split(command)), "")
    argv = ["chsyscfg", "-r", "lpar", "-m", "it's a $(reboot) `id`; sys", "-p", "Mürren Ωmega 分区", "-i", '"io_slots=a,b",x=1']
    with make_client(ssh_server, known_hosts) as client:
        assert json.loads(client.run(argv).stdout) == argv


def test_secrets_never_leave_redacted(ssh_server, known_hosts):
    ssh_server.handler = lambda command: (1, f"HSCL3653 echo: {command} pw={PASSWORD}\n", "")
    transcript = []
    argv = ["mkauthkeys", "--ip", "10.0.0.2", "-u", "hscroot", "--passwd", "Remote-Pw-55"]
    with make_client(ssh_server, known_hosts, recorder=transcript.append) as client:
        with pytest.raises(HmcCommandError) as caught:
            client.run(argv)
        unchecked = client.run(argv, check=False)
    rendered = [str(caught.value), repr(caught.value.to_result()), repr(transcript), repr(unchecked)]
    for text in rendered:
        assert "Remote-Pw-55" not in text
        assert PASSWORD not in text
    assert "mkauthkeys" in ssh_server.commands[0] and "Remote-Pw-55" in ssh_server.commands[0]
    assert "--passwd '********'" in caught.value.cmd
    assert "mkauthkeys" in caught.value.hint


def test_agent_auth(ssh_server, known_hosts, tmp_path, monkeypatch):
    import shutil
    import subprocess

    if not (shutil.which("ssh-agent") and shutil.which("ssh-add")):
        pytest.skip("OpenSSH agent tools are not installed")
    sock = tmp_path / "agent.sock"
    key_file = tmp_path / "id_ed25519"
    key_file.write_text(ssh_server.private_key_text("ssh-ed25519"), encoding="ascii")
    key_file.chmod(0o600)
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 2
        while not sock.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        env = {"SSH_AUTH_SOCK": str(sock), "PATH": "/usr/bin:/bin"}
        subprocess.run(["ssh-add", str(key_file)], env=env, check=True, capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        with make_client(ssh_server, known_hosts, password=None, use_agent=True) as client:
            assert client.run(["lshmc", "-V"]).rc == 0
    finally:
        agent.terminate()
        agent.wait(5)
