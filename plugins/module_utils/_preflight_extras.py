# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Facts preflight reads from the HMC besides the estate, with a fixed number of commands per system.

Per HMC: ``lssyscfg -r sys`` (service partition, capability flags the estate does not read) and, for
each other HMC managing a target, ``mkauthkeys --test``. Per source system: ``lssyscfg -r lpar``
(resource_config, suspend_capable, redundant error path reporting) and one ``lssyscfg -r prof``
filtered on the partitions checked (BSR, huge pages, HEA and SR-IOV logical ports). Per target
system: ``lshwres -r virtualio --rsubtype slot`` for its VIOS. Per target VIOS: ``lsdev -dev hdiskN
-attr`` for disks whose identity the estate did not read (``_preflight_disks`` says which), so the
LUNs and their reserve policy can be checked on the target side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_values as v
from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import CommandFailed, Listing, Runner
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_disks import read_target_disks
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts, PartitionExtras, SystemExtras, TrustFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_rules_hmc import trust_command

SYS_CAPABILITIES = ("os400_lpar_mobility_capable", "redundant_err_path_reporting_capable", "vsi_on_veth_capable")
TRUST_FAILED_CODE = "HSCL3653"


@dataclass
class Scope:
    """What to read: source systems with the partitions checked there, target systems, remote HMCs."""

    host: str
    sources: dict[str, list[str]] = field(default_factory=dict)
    targets: list[str] = field(default_factory=list)
    remotes: list[str] = field(default_factory=list)
    remote_user: str = "hscroot"
    target_disks: str = "needed"  # see _preflight_disks


def sys_listing() -> Listing:
    return Listing("x_sys", lambda f: cmd.lssyscfg("sys", fields=f), ("name",), ("service_lpar_id",) + SYS_CAPABILITIES)


def lpar_listing(system: str) -> Listing:
    return Listing("x_lpar", lambda f: cmd.lssyscfg("lpar", system, fields=f), ("name", "lpar_id"),
                   ("resource_config", "redundant_err_path_reporting", "suspend_capable"))


def prof_listing(system: str, lpars: Sequence[str]) -> Listing:
    return Listing(
        "x_prof", lambda f: cmd.lssyscfg("prof", system, filters=cmd.lpar_names_filter(lpars), fields=f), ("name", "lpar_name", "lpar_id"),
        ("desired_num_huge_pages", "bsr_arrays", "lhea_logical_ports", "sriov_eth_logical_ports"),
        min_major={"sriov_eth_logical_ports": 8}, max_major={"bsr_arrays": 9, "lhea_logical_ports": 9},
    )


def slot_listing(system: str, vios: Sequence[str]) -> Listing:
    return Listing("x_slot", lambda f: cmd.lshwres("virtualio", system, level="lpar", rsubtype="slot", filters=cmd.lpar_names_filter(vios), fields=f),
                   ("lpar_name", "lpar_id", "curr_max_virtual_slots"))


def _empty_partition() -> PartitionExtras:
    return {"ever_activated": None, "redundant_err_path_reporting": None, "suspend_capable": None, "bsr_arrays": None,
            "desired_huge_pages": None, "lhea_logical_ports": None, "sriov_logical_ports": None, "max_virtual_slots": None}


def _system(facts: Facts, name: str) -> SystemExtras:
    return facts.extras["systems"].setdefault(name, {"service_lpar_id": None, "capabilities": {}, "partitions": {}})


def _partition(facts: Facts, system: str, lpar: str) -> PartitionExtras:
    return _system(facts, system)["partitions"].setdefault(lpar, _empty_partition())


def merge_sys(facts: Facts, records: list[dict[str, str]], wanted: Sequence[str]) -> None:
    for record in records:
        if record["name"] not in wanted:
            continue
        extras = _system(facts, record["name"])
        extras["service_lpar_id"] = v.integer(record.get("service_lpar_id"))
        extras["capabilities"].update({flag: v.flag(record[flag]) for flag in SYS_CAPABILITIES if flag in record})


def merge_lpar(facts: Facts, system: str, records: list[dict[str, str]]) -> None:
    for record in records:
        extras = _partition(facts, system, record["name"])
        config = v.integer(record.get("resource_config"))
        extras["ever_activated"] = None if config is None else config != 0
        extras["redundant_err_path_reporting"] = v.flag(record.get("redundant_err_path_reporting"))
        extras["suspend_capable"] = v.flag(record.get("suspend_capable"))


def merge_prof(facts: Facts, system: str, records: list[dict[str, str]]) -> None:
    """One profile per partition: the one the estate read (current, else default), else the first listed."""
    partitions = facts.systems[system]["partitions"]
    chosen: dict[str, dict[str, str]] = {}
    for record in records:
        lpar = partitions.get(record["lpar_name"])
        wanted = (lpar["profile"]["name"] if lpar and lpar["profile"] else None) or (lpar["curr_profile"] if lpar else None)
        if record["lpar_name"] not in chosen or record["name"] == wanted:
            chosen[record["lpar_name"]] = record
    for name, record in chosen.items():
        extras = _partition(facts, system, name)
        extras["desired_huge_pages"] = v.integer(record.get("desired_num_huge_pages"))
        extras["bsr_arrays"] = v.integer(record.get("bsr_arrays"))
        extras["lhea_logical_ports"] = v.strings(record["lhea_logical_ports"]) if "lhea_logical_ports" in record else None
        extras["sriov_logical_ports"] = v.strings(record["sriov_eth_logical_ports"]) if "sriov_eth_logical_ports" in record else None


def merge_slots(facts: Facts, system: str, records: list[dict[str, str]]) -> None:
    for record in records:
        _partition(facts, system, record["lpar_name"])["max_virtual_slots"] = v.integer(record.get("curr_max_virtual_slots"))


MERGERS = {"x_lpar": merge_lpar, "x_prof": merge_prof, "x_slot": merge_slots}


def _listings(facts: Facts, scope: Scope) -> list[tuple[str, Listing]]:
    jobs: list[tuple[str, Listing]] = [("", sys_listing())]
    for system, lpars in sorted(scope.sources.items()):
        jobs.append((system, lpar_listing(system)))
        if lpars:
            jobs.append((system, prof_listing(system, lpars)))
    for system in scope.targets:
        names = [p["name"] for p in lk.vioses(facts.systems[system])]
        if names:
            jobs.append((system, slot_listing(system, names)))
    return jobs


def _test_trust(runner: Runner, remote: str, user: str) -> TrustFacts:
    try:
        runner.run(trust_command(remote, user, test=True))
        return {"remote": remote, "user": user, "trusted": True, "detail": "mkauthkeys --test succeeded"}
    except CommandFailed as exc:
        trusted = False if exc.code == TRUST_FAILED_CODE else None
        return {"remote": remote, "user": user, "trusted": trusted, "detail": exc.text or f"rc={exc.result.rc}"}
    except HmcError as exc:
        return {"remote": remote, "user": user, "trusted": None, "detail": exc.message}


def gather_extras(runner: Runner, facts: Facts, scope: Scope, major: int | None, contexts: Sequence[PairContext]) -> None:
    """Read the extra facts of ``scope`` into ``facts.extras`` (and target VIOS disks into the estate)."""
    warnings = facts.extras["warnings"]
    jobs = _listings(facts, scope)
    fetched = runner.parallel(lambda job: runner.listing(job[1], major), jobs)
    for (system, listing), result in zip(jobs, fetched):
        if result.error:
            warnings.append(f"{system or scope.host}: {listing.key}: {result.error}")
        if listing.key == "x_sys":
            merge_sys(facts, result.records, sorted(set(scope.sources) | set(scope.targets)))
        else:
            MERGERS[listing.key](facts, system, result.records)
    warnings.extend(read_target_disks(runner, facts, contexts, scope.targets, scope.target_disks))
    facts.extras["trust"] = runner.parallel(lambda remote: _test_trust(runner, remote, scope.remote_user), scope.remotes)
