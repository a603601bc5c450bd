# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this plugin_util is **PRIVATE** to the collection. It can change at any time.

"""From the estate facts of each HMC to inventory hosts, groups and variables (pure functions).

Every partition (LPAR or VIOS) is a host named like the partition. Groups:

* ``hmc_<name>``: one per HMC; its children are the groups of the systems it manages;
* ``system_<name>``: one per managed system, holding its partitions;
* ``aixlinux``, ``vioserver``, ``os400``: by partition environment;
* ``msp``: the VIOS that are mover service partitions.

Names are sanitised to letters, digits and ``_``. The plan holds the values as read from the HMC;
the plugin marks them unsafe when it adds them to the inventory.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import PartitionFacts, SystemFacts
from ansible_collections.powervm.lpm.plugins.plugin_utils._inventory_fetch import HmcResult

MSP_GROUP = "msp"
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_]")


def safe_name(text: str) -> str:
    """``text`` with every character other than a letter, digit or ``_`` replaced by ``_``."""
    return _UNSAFE_CHARS.sub("_", text)


def hmc_group(name: str) -> str:
    return f"hmc_{safe_name(name)}"


def system_group(name: str) -> str:
    return f"system_{safe_name(name)}"


@dataclass
class GroupPlan:
    name: str
    variables: dict[str, Any] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)


@dataclass
class HostPlan:
    name: str
    variables: dict[str, Any]
    groups: list[str]
    identity: str  # the partition's UUID (or system MTMS and partition id): the same partition seen twice


@dataclass
class InventoryPlan:
    groups: dict[str, GroupPlan] = field(default_factory=dict)
    hosts: dict[str, HostPlan] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def group(self, name: str) -> GroupPlan:
        return self.groups.setdefault(name, GroupPlan(name))


@dataclass(frozen=True)
class PlanOptions:
    prefix: str = "powervm_"
    use_rmc_ip: bool = True


def build_plan(results: Sequence[HmcResult], options: PlanOptions = PlanOptions()) -> InventoryPlan:
    """The hosts and groups of all HMCs; what could not be read is in ``warnings``."""
    plan = InventoryPlan()
    # The HMC and system groups first (in HMC order), then the partitions and their other groups.
    for result in results:
        estate = result["estate"]
        if estate is None:
            plan.warnings.append(
                f"HMC {result['name']} ({result['host']}:{result['port']}): {str(result['error']).rstrip('.')}; "
                "its managed systems and partitions are not in the inventory"
            )
            continue
        hmc = plan.group(hmc_group(result["name"]))
        hmc.variables.update(_prefixed(options.prefix, {
            "hmc_host": result["host"], "hmc_port": result["port"], "hmc_version": estate["hmc"]["version"],
        }))
        plan.warnings.extend(f"HMC {result['name']}: {warning}" for warning in estate["warnings"])
        for system in estate["systems"].values():
            group = plan.group(system_group(system["name"]))
            group.variables.update(_prefixed(options.prefix, system_variables(system)))
            if group.name not in hmc.children:
                hmc.children.append(group.name)
    for result in results:
        estate = result["estate"]
        for system in estate["systems"].values() if estate is not None else ():
            for partition in system["partitions"].values():
                _add_partition(plan, result, system, partition, options)
    return plan


def system_variables(system: SystemFacts) -> dict[str, Any]:
    return {
        "system_name": system["name"],
        "system_mtms": system["mtms"],
        "system_type_model": system["type_model"],
        "system_serial": system["serial"],
        "system_state": system["state"],
        "system_ipaddr": system["ipaddr"],
        "system_compat_modes": list(system["compat_modes"]),
    }


def partition_variables(result: HmcResult, system: SystemFacts, partition: PartitionFacts) -> dict[str, Any]:
    """The migration facts of a partition, without the prefix."""
    memory, processors = partition["memory"], partition["processors"]
    return {
        "name": partition["name"],
        "lpar_id": partition["id"],
        "uuid": partition["uuid"],
        "env": partition["env"],
        "is_vios": partition["is_vios"],
        "state": partition["state"],
        "os_version": partition["os_version"],
        "rmc_state": partition["rmc_state"],
        "rmc_ipaddr": partition["rmc_ipaddr"],
        "compat_current": partition["compat_current"],
        "compat_desired": partition["compat_desired"],
        "memory_mb": memory["current_mb"],
        "proc_mode": processors["mode"],
        "proc_units": processors["units"],
        "procs": processors["procs"],
        "msp": partition["msp"],
        "migration_disabled": partition["migration_disabled"],
        "system": system["name"],
        "system_mtms": system["mtms"],
        "hmc": result["name"],
        "hmc_host": result["host"],
        "hmc_port": result["port"],
    }


def _add_partition(plan: InventoryPlan, result: HmcResult, system: SystemFacts, partition: PartitionFacts, options: PlanOptions) -> None:
    identity = partition["uuid"] or f"{system['mtms']}/{partition['id']}"
    groups = [system_group(system["name"])]
    if partition["env"]:
        groups.append(safe_name(partition["env"]))
    if partition["is_vios"] and partition["msp"]:
        groups.append(MSP_GROUP)
    known = plan.hosts.get(partition["name"])
    if known is not None:
        if known.identity == identity:
            # The same partition through a second HMC (redundant HMCs): one host, in both systems' groups.
            known.groups.extend(g for g in groups if g not in known.groups)
        else:
            plan.warnings.append(
                f"HMC {result['name']}: partition {partition['name']} of {system['name']} is not in the inventory: "
                f"the host {partition['name']} is already the partition of that name on "
                f"{known.variables[options.prefix + 'system']} (HMC {known.variables[options.prefix + 'hmc']})"
            )
        return
    variables = _prefixed(options.prefix, partition_variables(result, system, partition))
    if options.use_rmc_ip and partition["rmc_ipaddr"]:
        variables["ansible_host"] = partition["rmc_ipaddr"]
    for name in groups:
        plan.group(name)
    plan.hosts[partition["name"]] = HostPlan(partition["name"], variables, groups, identity)


def _prefixed(prefix: str, variables: dict[str, Any]) -> dict[str, Any]:
    return {prefix + key: value for key, value in variables.items()}
