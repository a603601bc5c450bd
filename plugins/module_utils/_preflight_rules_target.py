# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""What must be free on the target: the partition name, an ID, the MAC addresses, the UUID."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, rule


@rule("LPM-TGT-001", "No partition on the target has the same name", guide="slides 8, 20, 36")
def name_free(ctx: PairContext) -> Iterator[Outcome]:
    if ctx.name in ctx.dst["partitions"] and ctx.dst["name"] != ctx.src["name"]:
        clash = ctx.dst["partitions"][ctx.name]
        yield Hit(
            f"{ctx.dst['name']} {ctx.name}", f"{ctx.dst['name']} already has a partition named {ctx.name} (id {clash['id']}, {clash['state']})",
            "rename or remove the partition on the target (a leftover of a failed migration is removed with migrlpar -o r): "
            f"{shlex.join(['chsyscfg', '-r', 'lpar', '-m', ctx.dst['name'], '-i', f'name={ctx.name},new_name={ctx.name}_old'])}",
            {"target": ctx.dst["name"], "lpar": ctx.name, "target_lpar_id": clash["id"], "target_state": clash["state"]}, ctx.dst["name"],
        )


@rule("LPM-TGT-002", "The target has a free partition ID", guide="slide 5 (create new LPAR)")
def id_available(ctx: PairContext) -> Iterator[Outcome]:
    limit = ctx.dst["max_lpars"]
    if limit is None:
        yield Unknown(f"{ctx.dst['name']}: max_lpars was not read")
        return
    used = {p["id"] for p in ctx.dst["partitions"].values()}
    if len([i for i in used if 1 <= i <= limit]) >= limit:
        yield Hit(ctx.dst["name"], f"all {limit} partition IDs of {ctx.dst['name']} are in use",
                  f"remove unused partition definitions from {ctx.dst['name']} (rmsyscfg -r lpar -m {ctx.dst['name']} -n NAME)",
                  {"target": ctx.dst["name"], "max_lpars": limit, "partitions": len(used)}, ctx.dst["name"])


@rule("LPM-TGT-003", "The partition keeps its ID on the target", severity="info", guide="migrlpar man page (dest_lpar_id)")
def id_kept(ctx: PairContext) -> Iterator[Outcome]:
    holder = lk.by_id(ctx.dst, ctx.lpar["id"])
    if holder is not None and holder["name"] != ctx.name:
        yield Hit(ctx.name, f"ID {ctx.lpar['id']} is used by {holder['name']} on {ctx.dst['name']}; the partition gets another ID",
                  "no action needed; set dest_lpar_id on the migration to choose the new ID",
                  {"lpar_id": ctx.lpar["id"], "target_holder": holder["name"]}, ctx.dst["name"])


@rule("LPM-TGT-004", "The partition's virtual MAC addresses are unique on the target", guide="slides 20, 36")
def mac_unique(ctx: PairContext) -> Iterator[Outcome]:
    used: dict[str, str] = {}
    for partition in ctx.dst["partitions"].values():
        if partition["name"] == ctx.name:
            continue
        for adapter in partition["virtual_eth"]:
            if adapter["mac_addr"]:
                used[adapter["mac_addr"].upper()] = partition["name"]
    for adapter in ctx.lpar["virtual_eth"]:
        mac = (adapter["mac_addr"] or "").upper()
        if mac and mac in used:
            yield Hit(f"{ctx.name} MAC {mac}", f"MAC {mac} of {ctx.name} (slot {adapter['slot']}) is used by {used[mac]} on {ctx.dst['name']}",
                      f"give the adapter of {used[mac]} (or of {ctx.name}) another MAC address: remove and re-add the virtual Ethernet "
                      "adapter without a fixed mac_addr", {"mac": mac, "slot": adapter["slot"], "target_holder": used[mac]}, ctx.dst["name"])


@rule("LPM-TGT-005", "The partition UUID is not in use on the target", guide="migrlpar man page (--uuid)")
def uuid_unique(ctx: PairContext) -> Iterator[Outcome]:
    uuid = ctx.lpar["uuid"]
    if not uuid:
        return
    holder = next((p for p in ctx.dst["partitions"].values() if p["uuid"] == uuid and p["name"] != ctx.name), None)
    if holder is not None:
        yield Hit(ctx.name, f"UUID {uuid} of {ctx.name} is used by {holder['name']} on {ctx.dst['name']}",
                  "migrate with --uuid 2 (the HMC generates a new UUID), or remove the stale partition on the target",
                  {"uuid": uuid, "target_holder": holder["name"]}, ctx.dst["name"])


@rule("LPM-TGT-006", "The partition's shared processor pool exists on the target", severity="info",
      guide="slide 38 (destination shared processor pool)")
def proc_pool(ctx: PairContext) -> Iterator[Outcome]:
    pool = ctx.lpar["processors"]["pool_name"]
    if ctx.lpar["processors"]["mode"] != "shared" or not pool or pool == "DefaultPool":
        return
    if pool not in {p["name"] for p in ctx.dst["shared_proc_pools"]}:
        yield Hit(ctx.name, f"{ctx.name} runs in pool {pool}, which {ctx.dst['name']} does not have; it lands in DefaultPool",
                  f"create pool {pool} on {ctx.dst['name']}, or name a target pool with shared_proc_pool on the migration",
                  {"pool": pool, "target_pools": [p["name"] for p in ctx.dst["shared_proc_pools"]]}, ctx.dst["name"])


@rule("LPM-TGT-007", "The partition is not already on the target", severity="info", guide="idempotence: nothing to migrate")
def already_there(ctx: PairContext) -> Iterator[Outcome]:
    if ctx.src["name"] == ctx.dst["name"]:
        yield Hit(ctx.name, f"{ctx.name} already runs on {ctx.dst['name']}", "no action needed", {"system": ctx.dst["name"]}, ctx.dst["name"])
