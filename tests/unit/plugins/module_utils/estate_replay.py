# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replay recorded HMC transcripts through a fake SSH transport under the real HmcClient.

Only the paramiko Transport/Channel pair is replaced: command lines still go through the client's
argv quoting, channel reading, redaction and error handling, and the output through the parsers.
"""

from __future__ import annotations

import json
import pathlib
import threading
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient, HmcConnectionParams

ESTATE_FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "estate"


def load_transcript(name: str) -> dict[str, dict[str, Any]]:
    """A recorded transcript: command line -> {rc, stdout, stderr}."""
    data = json.loads((ESTATE_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return {entry["command"]: entry for entry in data["entries"]}


class UnexpectedCommand(AssertionError):
    """The code under test sent a command the transcript has no answer for."""


class FakeChannel:
    """Enough of paramiko.Channel for HmcClient: the answer is ready as soon as the command is sent."""

    def __init__(self, transport: FakeTransport) -> None:
        self.transport = transport
        self.eof_received = False
        self.closed = False
        self._out = b""
        self._err = b""
        self._rc = -1

    def exec_command(self, line: str) -> None:
        answer = self.transport.answer(line)
        self._out = answer["stdout"].encode()
        self._err = answer["stderr"].encode()
        self._rc = answer["rc"]
        self.eof_received = True

    def recv_ready(self) -> bool:
        return bool(self._out)

    def recv(self, size: int) -> bytes:
        chunk, self._out = self._out[:size], self._out[size:]
        return chunk

    def recv_stderr_ready(self) -> bool:
        return bool(self._err)

    def recv_stderr(self, size: int) -> bytes:
        chunk, self._err = self._err[:size], self._err[size:]
        return chunk

    def exit_status_ready(self) -> bool:
        return self.eof_received

    def recv_exit_status(self) -> int:
        return self._rc

    def close(self) -> None:
        self.closed = True


class FakeTransport:
    """Answers each exec request from a transcript and remembers the command lines, in order."""

    def __init__(self, transcript: dict[str, dict[str, Any]]) -> None:
        self.transcript = transcript
        self.lines: list[str] = []
        self.channels = 0
        self._lock = threading.Lock()

    def answer(self, line: str) -> dict[str, Any]:
        with self._lock:
            self.lines.append(line)
        if line not in self.transcript:
            raise UnexpectedCommand(f"no recorded answer for: {line}")
        return self.transcript[line]

    def is_active(self) -> bool:
        return True

    def open_session(self, timeout: float | None = None) -> FakeChannel:
        with self._lock:
            self.channels += 1
        return FakeChannel(self)

    def close(self) -> None:
        pass


class ReplayClient(HmcClient):
    """The real HmcClient whose SSH connection is a FakeTransport over a transcript."""

    def __init__(self, transcript: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(HmcConnectionParams(host="bpichmc", password="abc123"), retry_delay=0, **kwargs)
        self.transport = FakeTransport(transcript)

    def _open_transport(self) -> FakeTransport:
        return self.transport
