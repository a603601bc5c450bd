# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Gathering the estate facts of one HMC over one SSH connection.

The number of HMC commands grows with the number of managed systems, not of partitions:

1. per HMC: ``lshmc -V``, then ``lssyscfg -r sys``;
2. per managed system (all systems in parallel): the listings of ``_estate_hmc.system_listings``;
3. per VIOS that is Running with RMC active: the fixed ``viosvrcmd`` set of ``_estate_vios``;
4. per VIOS: one ``lsdev -attr`` per SEA and per disk in scope (see ``_estate_vios``).

A light gathering (``GatherOptions.light``, used by the inventory plugin) runs only the listings of
LIGHT_LISTINGS per managed system and no VIOS command: 2 commands per HMC and 3 per managed system.

Each stage runs its commands in parallel on several channels of the one connection. A command that
fails leaves the facts it would have given as None and adds a warning; only the first two HMC
commands are required.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_hmc as hmc
from ansible_collections.powervm.lpm.plugins.module_utils import _estate_vios as vios
from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._estate_lpar import partitions
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import (
    SCHEMA_VERSION,
    EstateFacts,
    PartitionFacts,
    SystemFacts,
    ViosFacts,
)
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Client, CommandFailed, Fetched, Listing, Runner
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError, HmcInputError

# Systems in these states answer the partition and resource listings.
QUERYABLE_STATES = ("Operating", "Standby")
# The per-system listings of a light gathering: partitions with their state, memory and processors.
LIGHT_LISTINGS = ("lpar", "mem_lpar", "proc_lpar")


@dataclass(frozen=True)
class GatherOptions:
    host: str
    systems: Sequence[str] | None = None
    vios_details: bool = True
    vios_disks: str = "mapped"
    workers: int = 8
    light: bool = False


@dataclass
class GatherResult:
    estate: EstateFacts
    commands: list[str]
    stats: dict[str, Any]


@dataclass
class _Vios:
    """A VIOS being read: where it is, its facts so far, and the outputs of its commands."""

    system: str
    partition: PartitionFacts
    facts: ViosFacts
    outputs: dict[str, str | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def gather(client: Client, options: GatherOptions) -> GatherResult:
    """Read the estate behind the HMC ``client`` is connected to."""
    if options.vios_disks not in vios.DISK_SCOPES:
        raise HmcInputError(f"vios_disks must be one of {', '.join(vios.DISK_SCOPES)}")
    runner = Runner(client, options.workers)
    warnings: list[str] = []
    hmc_facts = hmc.hmc_facts(options.host, runner.run(cmd.lshmc_version()).stdout)
    fetched = runner.listing(hmc.sys_listing(), hmc_facts["major"])
    if fetched.error:
        raise HmcError(fetched.error)
    records = _select(fetched.records, options.systems)
    systems = {r["name"]: hmc.system_facts(r) for r in records}
    queried = [name for name, s in systems.items() if s["state"] in QUERYABLE_STATES]
    for name, system in systems.items():
        if name not in queried:
            warnings.append(f"{name}: the managed system is {system['state']}; its partitions and resources were not read")
    _read_systems(runner, systems, queried, hmc_facts["major"], warnings, LIGHT_LISTINGS if options.light else None)
    details = options.vios_details and not options.light
    read = _read_vios(runner, systems, options, warnings) if details else 0
    if not details:
        _mark_vios(systems, "light gathering" if options.light else "vios_details is false")
    estate: EstateFacts = {"schema_version": SCHEMA_VERSION, "hmc": hmc_facts, "systems": systems, "warnings": warnings}
    stats = {
        "commands": len(runner.commands),
        "failed_commands": runner.failed,
        "connections": client.connections_opened,
        "seconds": runner.seconds,
        "systems": len(systems),
        "partitions": sum(len(s["partitions"]) for s in systems.values()),
        "vios_read": read,
    }
    return GatherResult(estate, list(runner.commands), stats)


def _select(records: list[dict[str, str]], wanted: Sequence[str] | None) -> list[dict[str, str]]:
    """The systems asked for, by name or type-model*serial, in HMC order; unknown names are an error."""
    if not wanted:
        return records
    keys = {r["name"]: r for r in records} | {f"{r['type_model']}*{r['serial_num']}": r for r in records}
    missing = [name for name in wanted if name not in keys]
    if missing:
        known = ", ".join(r["name"] for r in records) or "none"
        raise HmcInputError(f"not managed by this HMC: {', '.join(missing)} (managed systems: {known})")
    chosen = {id(keys[name]) for name in wanted}
    return [r for r in records if id(r) in chosen]


def _read_systems(
    runner: Runner, systems: dict[str, SystemFacts], names: list[str], major: int | None, warnings: list[str], keys: Sequence[str] | None
) -> None:
    jobs: list[tuple[str, Listing]] = [
        (name, listing) for name in names for listing in hmc.system_listings(name) if keys is None or listing.key in keys
    ]

    def fetch(job: tuple[str, Listing]) -> Fetched:
        return runner.listing(job[1], major)

    results = runner.parallel(fetch, jobs)
    by_system: dict[str, dict[str, list[dict[str, str]]]] = {name: {} for name in names}
    for (name, listing), result in zip(jobs, results):
        by_system[name][listing.key] = result.records
        if result.error:
            warnings.append(f"{name}: {listing.key}: {result.error}")
    for name in names:
        system = systems[name]
        hmc.merge_system(system, by_system[name])
        system["partitions"] = partitions(by_system[name], system["shared_proc_pools"])


def _mark_vios(systems: dict[str, SystemFacts], reason: str) -> None:
    for system in systems.values():
        for partition in system["partitions"].values():
            if partition["is_vios"] and partition["vios"] is None:
                partition["vios"] = vios.empty_vios(reason)


def _read_vios(runner: Runner, systems: dict[str, SystemFacts], options: GatherOptions, warnings: list[str]) -> int:
    targets: list[_Vios] = []
    for name, system in systems.items():
        for partition in system["partitions"].values():
            if not partition["is_vios"]:
                continue
            reason = vios.skip_reason(partition)
            partition["vios"] = vios.empty_vios(reason)
            if reason is None:
                targets.append(_Vios(name, partition, partition["vios"]))
            else:
                warnings.append(f"{name}: {partition['name']}: VIOS details not read: {reason}")
    jobs = [(target, key) for target in targets for key in vios.VIOS_COMMANDS]

    def fetch(job: tuple[_Vios, str]) -> tuple[str | None, CommandFailed | HmcError | None]:
        target, key = job
        return _viosvrcmd(runner, target, vios.VIOS_COMMANDS[key])

    for (target, key), (out, error) in zip(jobs, runner.parallel(fetch, jobs)):
        target.outputs[key] = out
        if error is not None:
            target.errors[key] = error.message
    for target in targets:
        _parse_fixed(target, systems[target.system]["partitions"])
    _read_devices(runner, targets, options.vios_disks)
    for target in targets:
        for key, message in sorted(target.errors.items()):
            warnings.append(f"{target.system}: {target.partition['name']}: {key}: {message}")
    return sum(1 for target in targets if target.facts["collected"])


def _viosvrcmd(runner: Runner, target: _Vios, command: list[str]) -> tuple[str | None, CommandFailed | HmcError | None]:
    try:
        return runner.run(cmd.viosvrcmd(target.system, target.partition["name"], command)).stdout, None
    except CommandFailed as exc:
        if command == vios.VIOS_COMMANDS["nports"] and exc.result.rc == vios.NO_NPIV_PORTS_RC:
            return "", None
        if command == vios.VIOS_COMMANDS["vioslpm0"]:
            return None, None  # VIOS older than 2.2.2.0: no vioslpm0 pseudo-device
        return None, exc
    except HmcError as exc:
        return None, exc


def _parse_fixed(target: _Vios, all_partitions: dict[str, PartitionFacts]) -> None:
    facts, out = target.facts, target.outputs
    if out.get("devices") is None or out.get("vscsi") is None:
        facts["skipped_reason"] = "; ".join(sorted(set(target.errors.values()))) or "VIOS commands failed"
        return
    try:
        device_list = vios.devices(out["devices"] or "")
        facts["ioslevel"] = (out.get("ioslevel") or "").strip() or None
        facts["vioslpm0"] = vios.vioslpm(out.get("vioslpm0"))
        facts["vasi_devices"] = sorted(d["name"] for d in device_list if d["name"].startswith("vasi"))
        facts["vasi"] = bool(facts["vasi_devices"])
        facts["disks"] = vios.disks(device_list)
        partners = vios.Partners(target.partition, all_partitions)
        facts["vscsi_mappings"] = vios.vscsi_mappings(out["vscsi"] or "", partners, facts["disks"])
        facts["npiv_mappings"] = vios.npiv_mappings(out.get("npiv") or "", partners)
        facts["fc_ports"] = vios.fc_ports(out.get("nports") or "")
        facts["seas"] = vios.seas(out.get("net") or "", target.partition)
    except HmcError as exc:
        target.errors["parse"] = exc.message
        facts["skipped_reason"] = exc.message
        return
    facts["collected"] = True
    facts["skipped_reason"] = None


def _read_devices(runner: Runner, targets: list[_Vios], scope: str) -> None:
    jobs: list[tuple[_Vios, str, str]] = []
    for target in targets:
        if not target.facts["collected"]:
            continue
        jobs += [(target, "sea", sea["name"]) for sea in target.facts["seas"]]
        jobs += [(target, "disk", name) for name in vios.disks_in_scope(target.facts, scope)]

    def fetch(job: tuple[_Vios, str, str]) -> tuple[str | None, CommandFailed | HmcError | None]:
        return _viosvrcmd(runner, job[0], vios.device_command(job[2]))

    for (target, kind, name), (out, error) in zip(jobs, runner.parallel(fetch, jobs)):
        if error is not None or out is None:
            target.errors[f"{kind} {name}"] = error.message if error is not None else "no output"
            continue
        try:
            if kind == "sea":
                sea = next(s for s in target.facts["seas"] if s["name"] == name)
                vios.add_sea_attributes(sea, out)
            else:
                vios.add_disk_attributes(target.facts["disks"][name], out)
        except HmcError as exc:
            target.errors[f"{kind} {name}"] = exc.message
