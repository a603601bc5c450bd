# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin_util is **PRIVATE** to the collection. It can change at any time.

"""Reading every HMC of an inventory source: a light estate gathering per HMC, all HMCs in parallel.

The result of one HMC is plain JSON data (so the inventory cache can hold it): its name, where it
was reached, and either the estate facts or the error that stopped the reading. One HMC failing
never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, gather
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import EstateFacts
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import HmcClient
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.plugin_utils._inventory_sources import HmcSource

MAX_PARALLEL_HMCS = 8

ClientFactory = Callable[[HmcSource], HmcClient]


class HmcResult(TypedDict):
    """What one HMC gave: ``estate`` when it was read, ``error`` (and no estate) when not."""

    name: str
    host: str
    port: int
    estate: EstateFacts | None
    error: str | None
    commands: int


def fetch_one(source: HmcSource, make_client: ClientFactory) -> HmcResult:
    """Read one HMC; every failure becomes the ``error`` of the result."""
    result: HmcResult = {"name": source.name, "host": source.host, "port": source.port, "estate": None, "error": None, "commands": 0}
    try:
        with make_client(source) as client:
            # Connect first: connection set-up has its own retries, which the read retries of every
            # command would otherwise repeat for an HMC that is down.
            client.connect()
            gathered = gather(client, GatherOptions(host=source.host, light=True))
    except HmcError as exc:
        result["error"] = exc.message
        return result
    except Exception as exc:  # pylint: disable=broad-exception-caught
        # One HMC must not hide the others: anything unexpected is reported for this HMC only.
        result["error"] = f"unexpected {type(exc).__name__}: {exc}"
        return result
    result["estate"] = gathered.estate
    result["commands"] = len(gathered.commands)
    return result


def fetch_all(sources: Sequence[HmcSource], make_client: ClientFactory) -> list[HmcResult]:
    """The results of every HMC, in the order of ``sources``."""
    if len(sources) <= 1:
        return [fetch_one(source, make_client) for source in sources]
    with ThreadPoolExecutor(max_workers=min(len(sources), MAX_PARALLEL_HMCS)) as pool:
        return list(pool.map(lambda source: fetch_one(source, make_client), sources))


def complete(results: Sequence[HmcResult]) -> bool:
    """True when every HMC was read (only then is the result worth caching)."""
    return all(result["error"] is None for result in results)


def to_cache(results: Sequence[HmcResult]) -> dict[str, Any]:
    return {"version": 1, "hmcs": list(results)}


def from_cache(data: Any) -> list[HmcResult] | None:
    """The results held in the cache, or None when the cache holds something else (an older layout)."""
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("hmcs"), list):
        return None
    return list(data["hmcs"])
