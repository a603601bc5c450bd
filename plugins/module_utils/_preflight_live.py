# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Gathering the estate a preflight needs from one HMC: only the systems involved.

First one ``lssyscfg -r sys`` and one ``lssyscfg -r lpar -F name`` per queryable system find the
systems of the partitions checked; then the estate gathering reads those systems and the targets.
"""

from __future__ import annotations

from collections.abc import Sequence

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._estate import QUERYABLE_STATES, GatherOptions, GatherResult, gather
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Client, Listing, Runner
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError, HmcInputError


def _systems_listing() -> Listing:
    return Listing("sys", lambda f: cmd.lssyscfg("sys", fields=f), ("name", "type_model", "serial_num", "state"))


def _names_listing(system: str) -> Listing:
    return Listing("lpar", lambda f: cmd.lssyscfg("lpar", system, fields=f), ("name",))


def locate(runner: Runner, lpars: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(partition -> systems holding it, system reference -> name) over the queryable systems of the HMC."""
    fetched = runner.listing(_systems_listing(), None)
    if fetched.error:
        raise HmcError(fetched.error)
    refs: dict[str, str] = {}
    queryable = []
    for record in fetched.records:
        refs[record["name"]] = refs[f"{record['type_model']}*{record['serial_num']}"] = record["name"]
        if record["state"] in QUERYABLE_STATES:
            queryable.append(record["name"])
    listings = runner.parallel(lambda system: runner.listing(_names_listing(system), None), queryable)
    wanted = set(lpars)
    where: dict[str, list[str]] = {name: [] for name in lpars}
    for system, result in zip(queryable, listings):
        for record in result.records:
            if record["name"] in wanted:
                where[record["name"]].append(system)
    return where, refs


def gather_involved(client: Client, host: str, lpars: Sequence[str], targets: Sequence[str], workers: int) -> tuple[GatherResult, list[str]]:
    """The estate of the systems holding ``lpars`` and of the ``targets`` (names or type-model*serial).

    Returns the gathering and the commands of the locating step. A partition or target this HMC does
    not know is an input error.
    """
    runner = Runner(client, workers)
    where, refs = locate(runner, lpars)
    missing = [name for name, found in where.items() if not found]
    unknown = [target for target in targets if target not in refs]
    if missing or unknown:
        known = ", ".join(sorted(set(refs.values()))) or "none"
        parts = ([f"partitions not found: {', '.join(missing)}"] if missing else []) + (
            [f"target systems not managed by this HMC: {', '.join(unknown)}"] if unknown else [])
        raise HmcInputError(f"{'; '.join(parts)} (managed systems of {host}: {known})")
    systems = {system for found in where.values() for system in found} | {refs[target] for target in targets}
    result = gather(client, GatherOptions(host=host, systems=sorted(systems), vios_disks="mapped", workers=workers))
    return result, list(runner.commands)
