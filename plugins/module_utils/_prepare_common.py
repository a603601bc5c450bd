# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""What the modules that prepare VIOS and HMCs for migration share: the client they need and their error."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_runner import CommandRunner as Client

__all__ = ["Client", "DEFAULT_WORKERS", "PrepareError", "parallel"]

T = TypeVar("T")
R = TypeVar("R")
# HmcClient allows 8 channels at once by default; reads of several devices use that many workers.
DEFAULT_WORKERS = 8


class PrepareError(HmcError):
    """A request that cannot be carried out as asked (wrong partition type, unknown attribute, ...).

    ``details`` are returned next to ``msg`` by to_result().
    """

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details

    def to_result(self) -> dict[str, Any]:
        result = super().to_result()
        result.update(self.details)
        return result


def parallel(func: Callable[[T], R], items: Iterable[T], workers: int = DEFAULT_WORKERS) -> list[R]:
    """``[func(item) for item in items]`` on up to ``workers`` threads, results in the order of ``items``.

    The first exception raised by ``func`` is raised again here, after every call has ended.
    """
    todo = list(items)
    if len(todo) <= 1:
        return [func(item) for item in todo]
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
        return list(pool.map(func, todo))
