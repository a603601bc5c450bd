# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The client interface the migration code needs, and a wrapper that keeps the migrlpar commands run."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult, display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_runner import CommandRunner

__all__ = ["CommandLog", "CommandRunner"]


class CommandLog:
    """Delegates to a client and records, in order, every ``migrlpar`` command sent (redacted).

    Reads are not recorded: ``commands`` is what changed, or validated, something on the HMC.
    """

    def __init__(self, client: CommandRunner) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._commands: list[str] = []

    def run(
        self,
        argv: Sequence[str],
        *,
        read_only: bool = False,
        timeout: float | None = None,
        check: bool = True,
        secrets: Iterable[str] = (),
    ) -> CommandResult:
        if argv and argv[0] == "migrlpar":
            with self._lock:
                self._commands.append(display_command(argv, secrets))
        return self.client.run(argv, read_only=read_only, timeout=timeout, check=check, secrets=secrets)

    @property
    def commands(self) -> list[str]:
        with self._lock:
            return list(self._commands)
