"""Real OpenSSH in front of the twin: sshd with a ForceCommand running forward.py under the system Python.

Needs root (useradd, chpasswd, sshd) and Debian's openssh-server (``scripts/setup.sh`` installs it);
otherwise the tests are skipped with the reason. The system user ``hmcsim-hscroot`` is created once
and left in place; everything else (sshd, its config, keys, the copy of forward.py) is removed.
"""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import asyncssh
import paramiko
import pytest

from frontend_helpers import P740, P750, connect, run, start_twin, wait_until
from hmcsim import forward
from hmcsim.service import Twin

SSHD = "/usr/sbin/sshd"
SYSTEM_PYTHON = "/usr/bin/python3"
LOGIN = "hmcsim-hscroot"       # forward.py maps it to the HMC user hscroot

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a user and run sshd"),
    pytest.mark.skipif(not os.access(SSHD, os.X_OK), reason=f"{SSHD} not found: install openssh-server "
                                                             "(scripts/setup.sh does)"),
    pytest.mark.skipif(not os.access(SYSTEM_PYTHON, os.X_OK), reason=f"{SYSTEM_PYTHON} not found"),
    pytest.mark.skipif(shutil.which("useradd") is None or shutil.which("chpasswd") is None,
                       reason="useradd/chpasswd not found"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_login_user(password: str) -> None:
    try:
        pwd.getpwnam(LOGIN)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/sh", LOGIN], check=True)
    subprocess.run(["chpasswd"], input=f"{LOGIN}:{password}\n", text=True, check=True)


def write_key(key: asyncssh.SSHKey, path: Path) -> None:
    path.write_bytes(key.export_private_key("openssh"))
    path.chmod(0o600)


SSHD_CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {base}/ssh_host_ed25519_key
PidFile {base}/sshd.pid
AuthorizedKeysFile {base}/authorized_keys/%u
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin no
AllowUsers {login}
ForceCommand {python} {base}/forward.py --socket {socket} --hmc bpichmc
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 50
MaxSessions 10
"""


@pytest.fixture(scope="module")
def sshd() -> Iterator[dict]:
    base = Path(tempfile.mkdtemp(prefix="hmcsim-sshd-", dir="/tmp"))
    base.chmod(0o755)                   # the forced-command user must reach forward.py and the socket
    thread = None
    proc = None
    try:
        state = base / "state"
        state.mkdir(mode=0o755)
        state.chmod(0o755)
        thread = start_twin(state)
        twin = thread.twin
        shutil.copy(forward.__file__, base / "forward.py")
        (base / "forward.py").chmod(0o644)
        password = secrets.token_urlsafe(12)
        ensure_login_user(password)
        write_key(asyncssh.generate_private_key("ssh-ed25519"), base / "ssh_host_ed25519_key")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        write_key(client_key, base / "client_key")
        (base / "authorized_keys").mkdir(mode=0o755)
        (base / "authorized_keys" / LOGIN).write_bytes(client_key.export_public_key("openssh"))
        port = free_port()
        config = base / "sshd_config"
        config.write_text(SSHD_CONFIG.format(port=port, base=base, login=LOGIN, python=SYSTEM_PYTHON,
                                             socket=twin.socket_path))
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)    # Debian's sshd insists on it
        check = subprocess.run([SSHD, "-t", "-f", str(config)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, f"sshd -t rejected the config: {check.stderr}"
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdout=subprocess.DEVNULL,
                                stderr=(base / "sshd.log").open("wb"))
        wait_until(lambda: _accepts(port) or proc.poll() is not None, timeout=10)
        assert proc.poll() is None, (base / "sshd.log").read_text()
        yield {"port": port, "password": password, "key": paramiko.Ed25519Key(filename=str(base / "client_key")),
               "twin": twin, "base": base}
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        if thread is not None:
            thread.stop()
        shutil.rmtree(base, ignore_errors=True)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def last_entry(twin: Twin):
    return wait_until(lambda: [e for e in twin.estate.log.entries if e.session.startswith("bpichmc/sshd")])[-1]


def test_password_login_lists_both_systems(sshd: dict) -> None:
    with connect(sshd["port"], user=LOGIN, password=sshd["password"]) as client:
        assert run(client, "lssyscfg -r sys -F name") == (0, f"{P750}\n{P740}\n", "")
    entry = last_entry(sshd["twin"])
    assert (entry.hmc, entry.user, entry.argv, entry.rc) == ("bpichmc", "hscroot",
                                                             ["lssyscfg", "-r", "sys", "-F", "name"], 0)


def test_key_login_and_wrong_password(sshd: dict) -> None:
    with connect(sshd["port"], user=LOGIN, password=None, pkey=sshd["key"]) as client:
        assert run(client, "lssyscfg -r sys -F name")[0] == 0
    with pytest.raises(paramiko.AuthenticationException):
        connect(sshd["port"], user=LOGIN, password="wrong")


def test_quoted_argument_reaches_the_twin_as_one_element(sshd: dict) -> None:
    line = f'viosvrcmd -m {P750} -p b750vio1 -c "lsdev -dev vioslpm0; echo injected"'
    with connect(sshd["port"], user=LOGIN, password=sshd["password"]) as client:
        run(client, line)
    entry = last_entry(sshd["twin"])
    assert entry.argv == ["viosvrcmd", "-m", P750, "-p", "b750vio1", "-c", "lsdev -dev vioslpm0; echo injected"]


def test_unknown_command_exits_127(sshd: dict) -> None:
    with connect(sshd["port"], user=LOGIN, password=sshd["password"]) as client:
        assert run(client, "nosuchcmd -x") == (127, "", "rbash: nosuchcmd: command not found\n")


def test_interactive_login_gets_the_hmc_prompt(sshd: dict) -> None:
    with connect(sshd["port"], user=LOGIN, password=sshd["password"]) as client:
        chan = client.invoke_shell()
        data = ""
        deadline = time.monotonic() + 10
        while "hscroot@bpichmc:~> " not in data and time.monotonic() < deadline:
            data += chan.recv(4096).decode() if chan.recv_ready() else ""
            time.sleep(0.02)
        assert "hscroot@bpichmc:~> " in data
        chan.send(b"lssyscfg -r sys -F name\n")
        while P740 not in data and time.monotonic() < deadline:
            data += chan.recv(4096).decode() if chan.recv_ready() else ""
            time.sleep(0.02)
        assert P750 in data and P740 in data
        chan.send(b"exit\n")
        assert chan.recv_exit_status() == 0


def test_the_eleventh_session_is_refused_like_the_twin_refuses_it(sshd: dict) -> None:
    """OpenSSH's MaxSessions (10, its default, as the twin's ssh_max_sessions): the 11th session channel of a
    connection is refused with reason 2, connect failed (the twin's default ssh_session_refusal), and the connection
    stays usable."""
    with connect(sshd["port"], user=LOGIN, password=sshd["password"]) as client:
        transport = client.get_transport()
        assert transport is not None
        chans = [transport.open_session() for _ in range(10)]
        with pytest.raises(paramiko.ChannelException) as refused:
            transport.open_session()
        assert (refused.value.code, refused.value.text) == (2, "Connect failed")
        assert transport.is_active()
        for chan in chans:
            chan.close()
        assert wait_until(lambda: _opens(transport), timeout=10)   # once sshd has let the closed ones go
        assert run(client, "lssyscfg -r sys -F name")[0] == 0


def _opens(transport: paramiko.Transport) -> bool:
    try:
        transport.open_session().close()
        return True
    except paramiko.ChannelException:
        return False
