#!/usr/bin/python3
"""OpenSSH forced-command entry point: hand the client's command to a running twin.

Used as ``ForceCommand /usr/bin/python3 /path/forward.py --socket STATE/control.sock --hmc NAME`` in a
private sshd_config. sshd puts the client's command in ``SSH_ORIGINAL_COMMAND``; this script sends it
to the twin's control socket and writes back stdout, stderr and the exit status. Without a command (an
interactive login) it prints the HMC prompt and runs one command per line until ``exit``.

Standard library only, and no import of the hmcsim package: the forced-command user runs it with the
system Python, which cannot see the project's virtual environment.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import socket
import sys
from typing import Any, Optional, TextIO

USER_PREFIX = "hmcsim-"     # system user hmcsim-hscroot logs in as HMC user hscroot
RC_CONNECTION = 255         # what ssh returns when the connection fails


class TwinLink:
    """One connection to the twin's control socket."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")

    def request(self, **fields: Any) -> dict[str, Any]:
        self.sock.sendall(json.dumps(fields).encode() + b"\n")
        line = self.reader.readline()
        if not line:
            return {"ok": False, "error": "the twin closed the connection", "disconnected": True}
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def default_user() -> str:
    name = getpass.getuser()
    return name[len(USER_PREFIX):] if name.startswith(USER_PREFIX) else name


def run_one(link: TwinLink, hmc: str, user: str, session: str, command: str,
            out: TextIO, err: TextIO) -> Optional[int]:
    """Run one command; its rc, or None when the connection to the HMC is gone."""
    answer = link.request(op="exec", hmc=hmc, user=user, session=session, command=command)
    if not answer.get("ok"):
        err.write(f"{answer.get('error', 'request failed')}\n")
        err.flush()
        return None
    out.write(answer.get("stdout", ""))
    out.flush()
    err.write(answer.get("stderr", ""))
    err.flush()
    return int(answer.get("rc", 1))


def shell(link: TwinLink, hmc: str, user: str, session: str) -> int:
    prompt = f"{user}@{hmc}:~> "
    while True:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stdout.write("\n")
            return 0
        line = line.strip()
        if line in ("exit", "logout"):
            return 0
        if line and run_one(link, hmc, user, session, line, sys.stdout, sys.stderr) is None:
            return RC_CONNECTION


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="forward.py", description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="the twin's control socket (STATE_DIR/control.sock)")
    parser.add_argument("--hmc", required=True, help="the HMC this login reaches")
    parser.add_argument("--user", default=None,
                        help=f"HMC user (default: the login name without a leading {USER_PREFIX!r})")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    user = args.user or default_user()
    session = f"{args.hmc}/sshd{os.getpid()}"
    try:
        link = TwinLink(args.socket)
    except OSError as exc:
        sys.stderr.write(f"hmcsim: the twin is not reachable at {args.socket}: {exc.strerror or exc}\n")
        return RC_CONNECTION
    try:
        command = os.environ.get("SSH_ORIGINAL_COMMAND")
        if command is None:
            return shell(link, args.hmc, user, session)
        rc = run_one(link, args.hmc, user, session, command, sys.stdout, sys.stderr)
        return RC_CONNECTION if rc is None else rc
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"Connection to the HMC twin lost: {exc}\n")
        return RC_CONNECTION
    finally:
        link.close()


if __name__ == "__main__":
    sys.exit(main())
