# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Virtual storage rules (field guide slides 8-9, 19, 21, 26-28, 32, 36, 46)."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import Disk, PartitionFacts
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, rule
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_storage import FcPath, ScsiPath, view

RESERVE_GUIDE = "slides 8, 26; IBM: reserve policy attributes for partition mobility"
NOT_EXTERNAL = {"lv": "a logical volume", "internal": "an internal disk", "file": "a file"}
ZONING_NOTE = ("zoning and LUN masking of both WWPNs are not visible in the HMC and VIOS listings; only the HMC validation "
               "(migrlpar -o v, HSCLA319 when it fails) can check them")


def _source_paths(ctx: PairContext) -> Iterator[tuple[ScsiPath, PartitionFacts] | Unknown]:
    for path in view(ctx).scsi:
        if path.problem is not None or path.vios is None:
            yield Unknown(path.problem or "no source VIOS")
        else:
            yield path, path.vios


@rule("LPM-STG-001", "Virtual SCSI disks are external SAN disks, not logical volumes, files or internal disks", guide="slides 8, 26, 36")
def backing_external(ctx: PairContext) -> Iterator[Outcome]:
    for item in _source_paths(ctx):
        if isinstance(item, Unknown):
            yield item
            continue
        path, vios = item
        for dev in path.devices:
            if dev.kind in NOT_EXTERNAL:
                yield Hit(f"{vios['name']} {dev.device}", f"client slot {path.client['slot']} of {ctx.name} is backed by {dev.device} on {vios['name']}, "
                          f"{NOT_EXTERNAL[dev.kind]}", "copy the data to a SAN LUN zoned to the VIOS of both systems (on the client: extendvg, "
                          f"migratepv, reducevg), map the LUN instead, then {lk.on_vios(ctx.src['name'], vios['name'], ['rmvdev', '-vtd', dev.vtd])}",
                          {"vios": vios["name"], "device": dev.device, "kind": dev.kind, "vtd": dev.vtd, "client_slot": path.client["slot"]},
                          ctx.src["name"])
            elif dev.kind == "unknown":
                yield Unknown(f"the kind of {dev.device} on {vios['name']} is not known")


def _reserve_hit(system: str, vios: PartitionFacts, disk: Disk, side: str, ctx: PairContext) -> Hit:
    change = ["chdev", "-dev", disk["name"], "-attr", "reserve_policy=no_reserve"]
    busy = " (if the disk is open, add -perm and restart the VIOS, or remove its mapping, change it and map it again)" if disk["mapped"] else ""
    module = (f"; or the powervm.lpm.vios_device module with system={system}, vios={vios['name']}, devices=[{disk['name']}], "
              "attributes={reserve_policy: no_reserve}" + (", allow_perm=true" if disk["mapped"] else ""))
    return Hit(f"{vios['name']} {disk['name']}", f"{disk['name']} on the {side} VIOS {vios['name']} has reserve_policy={disk['reserve_policy']}",
               lk.on_vios(system, vios["name"], change) + busy + module,
               {"vios": vios["name"], "system": system, "disk": disk["name"], "reserve_policy": disk["reserve_policy"],
                "unique_id": disk["unique_id"], "lpar": ctx.name}, system)


@rule("LPM-STG-002", "Backing disks have reserve_policy no_reserve (or PR_shared) on the source VIOS", guide=RESERVE_GUIDE)
def reserve_source(ctx: PairContext) -> Iterator[Outcome]:
    for item in _source_paths(ctx):
        if isinstance(item, Unknown):
            yield item
            continue
        path, vios = item
        for dev in path.devices:
            if dev.kind != "san":
                continue
            if dev.disk is None or dev.disk["reserve_policy"] is None:
                yield Unknown(f"the reserve_policy of {dev.device} on {vios['name']} was not read")
            elif not lk.good_reserve(dev.disk["reserve_policy"]):
                yield _reserve_hit(ctx.src["name"], vios, dev.disk, "source", ctx)


@rule("LPM-STG-003", "The same disks have reserve_policy no_reserve (or PR_shared) on the target VIOS", guide=RESERVE_GUIDE)
def reserve_target(ctx: PairContext) -> Iterator[Outcome]:
    reported: set[tuple[str, str]] = set()
    for path in view(ctx).scsi:
        for lun in path.luns() or []:
            for vios in lk.vioses(ctx.dst):
                if not lk.running(vios) or not lk.collected(vios):
                    continue
                disk = lk.disk_with_lun(vios, lun)
                if disk is None or (vios["name"], disk["name"]) in reported:
                    continue
                reported.add((vios["name"], disk["name"]))
                if disk["reserve_policy"] is None:
                    yield Unknown(f"the reserve_policy of {disk['name']} on {vios['name']} was not read")
                elif not lk.good_reserve(disk["reserve_policy"]):
                    yield _reserve_hit(ctx.dst["name"], vios, disk, "target", ctx)


@rule("LPM-STG-004", "No virtual optical device is mapped to the partition", guide="slide 9 (cd0 may not be attached to the mobile partition)")
def optical(ctx: PairContext) -> Iterator[Outcome]:
    for item in _source_paths(ctx):
        if isinstance(item, Unknown):
            continue
        path, vios = item
        for dev in path.devices:
            if dev.kind == "optical":
                steps = ["unloadopt", "-vtd", dev.vtd] if dev.vtd.startswith("vtopt") else ["rmvdev", "-vtd", dev.vtd]
                yield Hit(f"{vios['name']} {dev.vtd}", f"virtual optical {dev.device} ({dev.vtd}) on {vios['name']} is mapped to {ctx.name}",
                          lk.on_vios(ctx.src["name"], vios["name"], steps) + (f", then rmvdev -vtd {dev.vtd}" if steps[0] == "unloadopt" else ""),
                          {"vios": vios["name"], "vtd": dev.vtd, "device": dev.device, "client_slot": path.client["slot"]}, ctx.src["name"])


@rule("LPM-STG-005", "A target VIOS sees every LUN of each virtual SCSI adapter", guide="slides 8, 19, 26")
def scsi_hosted(ctx: PairContext) -> Iterator[Outcome]:
    for path in view(ctx).scsi:
        if path.problem is not None or path.dest is not None:
            continue
        if path.dest_problem is not None:
            yield Unknown(path.dest_problem)
            continue
        luns = path.luns() or []
        yield Hit(f"{ctx.name} slot {path.client['slot']}", f"no running VIOS of {ctx.dst['name']} sees the LUNs of client slot {path.client['slot']}",
                  f"zone and map the LUNs {', '.join(luns) or '(none)'} to the FC ports of the VIOS of {ctx.dst['name']} (same LUNs for both "
                  "systems), then run cfgdev on those VIOS and check the disks' unique_id (lsdev -dev hdiskN -attr unique_id)",
                  {"client_slot": path.client["slot"], "source_vios": path.vios["name"] if path.vios else None, "unique_ids": luns,
                   "target_vios": [p["name"] for p in lk.vioses(ctx.dst)]}, ctx.dst["name"])


@rule("LPM-STG-006", "A target VIOS has an NPIV-capable port for each virtual FC adapter (both WWPNs zoned)", guide="slides 21, 26-28")
def fc_hosted(ctx: PairContext) -> Iterator[Outcome]:
    for path in view(ctx).fc:
        wwpns = path.client["wwpns"]
        if path.dest is not None:
            yield Unknown(f"virtual FC slot {path.client['slot']} (WWPNs {', '.join(wwpns)}): {ZONING_NOTE}")
        elif path.dest_problem is not None:
            yield Unknown(path.dest_problem)
        else:
            yield Hit(f"{ctx.name} slot {path.client['slot']}",
                      f"no running VIOS of {ctx.dst['name']} has an NPIV-capable FC port with free virtual ports for FC slot {path.client['slot']}",
                      f"cable an NPIV-capable FC port of a VIOS of {ctx.dst['name']} to an NPIV switch port on the same fabric (lsnports must list it "
                      f"with fabric=1), and zone both WWPNs {', '.join(wwpns)} to the same LUNs",
                      {"client_slot": path.client["slot"], "wwpns": wwpns, "target_ports": path.ports, "zoning": ZONING_NOTE},
                      ctx.dst["name"])
        if len(wwpns) < 2:
            yield Unknown(f"virtual FC slot {path.client['slot']} shows {len(wwpns)} WWPN(s); LPM needs the pair (active and inactive)")


@rule("LPM-STG-007", "The VIOS server adapters are not required and not open to any partition", guide="slides 19, 46")
def server_adapters(ctx: PairContext) -> Iterator[Outcome]:
    clients = [(a, True) for a in lk.client_fc(ctx.lpar)] + [(a, False) for a in lk.client_scsi(ctx.lpar)]
    for client, fc in clients:
        vios = lk.remote_vios(ctx.src, client)
        server = lk.server_adapter(vios, client, fc) if vios is not None else None
        if vios is None or server is None:
            continue
        problems = (["required"] if server["is_required"] else []) + (["open to any partition"] if server["remote_lpar_id"] is None else [])
        if problems:
            kind = "fc" if fc else "scsi"
            yield Hit(f"{vios['name']} slot {server['slot']}",
                      f"server adapter {server['slot']} of {vios['name']} serving {ctx.name} is {' and '.join(problems)}",
                      f"recreate it not required and for {ctx.name} slot {client['slot']} only: " + shlex.join(
                          ["chhwres", "-r", "virtualio", "--rsubtype", kind, "-m", ctx.src["name"], "-o", "r", "-p", vios["name"], "-s", str(server["slot"])])
                      + ", "
                      f"then -o a with remote_lpar_name={ctx.name},remote_slot_num={client['slot']} (and the same in the VIOS profile)",
                      {"vios": vios["name"], "slot": server["slot"], "is_required": server["is_required"], "remote_lpar_id": server["remote_lpar_id"]},
                      ctx.src["name"])


def _hosts(ctx: PairContext, luns: list[str] | None, fc: bool) -> tuple[list[str], bool]:
    """Target VIOS that can host the adapters of one redundancy group, and whether some could not be decided."""
    hosts: list[str] = []
    undecided = False
    for vios in lk.vioses(ctx.dst):
        if not lk.running(vios):
            continue
        if not lk.collected(vios):
            undecided = True
        elif fc and lk.npiv_ports(vios):
            hosts.append(vios["name"])
        elif not fc and luns is not None and all(lk.disk_with_lun(vios, lun) is not None for lun in luns):
            hosts.append(vios["name"])
        elif not fc and (luns is None or lk.unread_disks(vios)):
            undecided = True
    return hosts, undecided


@rule("LPM-STG-008", "Storage reached through two VIOS (MPIO) needs two VIOS on the target", guide="slide 32 (dual VIOS)")
def dual_vios(ctx: PairContext) -> Iterator[Outcome]:
    storage = view(ctx)
    by_lun: dict[str, set[str]] = {}
    for path in storage.scsi:
        for lun in path.luns() or []:
            if path.vios is not None:
                by_lun.setdefault(lun, set()).add(path.vios["name"])
    groups: list[tuple[str, list[str] | None, bool]] = []
    redundant = sorted(lun for lun, names in by_lun.items() if len(names) > 1)
    if redundant:
        groups.append(("virtual SCSI", redundant, False))
    if len({p.vios["name"] for p in storage.fc if p.vios is not None}) > 1:
        groups.append(("virtual FC", None, True))
    for label, luns, fc in groups:
        hosts, undecided = _hosts(ctx, luns, fc)
        if len(hosts) >= 2 or (not hosts and not undecided):
            continue  # no host at all is reported by LPM-STG-005 / LPM-STG-006
        if undecided:
            yield Unknown(f"the {label} redundancy on {ctx.dst['name']} cannot be decided: VIOS details not read")
            continue
        yield Hit(ctx.dst["name"], f"{ctx.name} reaches its {label} storage through two VIOS but only {len(hosts)} VIOS of {ctx.dst['name']} can host it",
                  f"set up a second VIOS on {ctx.dst['name']} with access to the same storage, or migrate with less redundancy "
                  "(migrlpar --mpio 2 / --redundantvios 2, or remove one path first)",
                  {"kind": label, "target_hosts": hosts}, ctx.dst["name"], fix_key=f"LPM-STG-008|{ctx.dst['name']}|{label}")


@rule("LPM-STG-009", "Each target VIOS has enough free virtual slots for the adapters it must create", guide="slides 19, 46")
def vios_slots(ctx: PairContext) -> Iterator[Outcome]:
    storage = view(ctx)
    paths: list[ScsiPath | FcPath] = [*storage.scsi, *storage.fc]
    needed = Counter(p.dest["name"] for p in paths if p.dest is not None)
    for name, count in sorted(needed.items()):
        vios = ctx.dst["partitions"][name]
        extras = ctx.facts.partition_extras(ctx.dst["name"], name)
        maximum = extras["max_virtual_slots"] if extras is not None else None
        if maximum is None:
            yield Unknown(f"the maximum virtual slots of {name} were not read")
            continue
        free = maximum - lk.used_slots(vios)
        if free < count:
            yield Hit(name, f"target VIOS {name} has {free} free virtual slots, {count} are needed",
                      f"raise max_virtual_slots: {lk.chsyscfg_prof(ctx.dst['name'], vios, {'max_virtual_slots': maximum + count * 10})} "
                      "and restart the VIOS with that profile, or remove unused virtual adapters",
                      {"vios": name, "free": free, "needed": count, "max_virtual_slots": maximum}, ctx.dst["name"])
