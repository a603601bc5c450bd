# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The part of HmcClient that code sending commands depends on (tests pass recorded or fake stand-ins)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult


class CommandRunner(Protocol):
    """Runs one HMC command given as an argv list; see HmcClient.run."""

    def run(
        self,
        argv: Sequence[str],
        *,
        read_only: bool = False,
        timeout: float | None = None,
        check: bool = True,
        secrets: Iterable[str] = (),
    ) -> CommandResult: ...
