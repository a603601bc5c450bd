# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Replay recorded command sequences (fixtures/prepare, see record_prepare_fixtures.py) under the real HmcClient.

A command line may be recorded several times with different answers (before and after a change);
each time the line is sent, its next recorded answer is given.
"""

from __future__ import annotations

import collections
import json
import pathlib
from typing import Any

from ansible_collections.powervm.lpm.tests.unit.plugins.module_utils.estate_replay import FakeTransport, ReplayClient, UnexpectedCommand

PREPARE_FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "prepare"


def load_steps(case: str) -> list[dict[str, Any]]:
    return json.loads((PREPARE_FIXTURES / f"{case}.json").read_text(encoding="utf-8"))["steps"]


class SequenceTransport(FakeTransport):
    """Answers each line with its next recorded answer."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        super().__init__({})
        self.queues: dict[str, collections.deque[dict[str, Any]]] = collections.defaultdict(collections.deque)
        for step in steps:
            self.queues[step["command"]].append(step)

    def answer(self, line: str) -> dict[str, Any]:
        with self._lock:
            self.lines.append(line)
            queue = self.queues.get(line)
            if not queue:
                raise UnexpectedCommand(f"no (more) recorded answers for: {line}")
            return queue.popleft()

    def left(self) -> list[str]:
        """Recorded lines not sent yet."""
        return [step["command"] for queue in self.queues.values() for step in queue]


class SequenceClient(ReplayClient):
    """The real HmcClient over a SequenceTransport."""

    def __init__(self, case: str | list[dict[str, Any]], **kwargs: Any) -> None:
        """``case`` names a recording, or is a list of steps ({command, rc, stdout, stderr})."""
        super().__init__({}, **kwargs)
        self.transport = SequenceTransport(load_steps(case) if isinstance(case, str) else case)

    def sent(self) -> list[str]:
        lines: list[str] = self.transport.lines
        return lines
