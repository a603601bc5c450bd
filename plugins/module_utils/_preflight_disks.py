# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Reading the identity of target VIOS disks, one ``lsdev -dev hdiskN -attr`` each, as few as needed.

A VIOS prints a disk's ``unique_id`` and ``reserve_policy`` only per disk, and the estate reads only
the disks that back a mapping. To see whether a target VIOS has the LUNs of the partitions checked
(and their reserve policy there), preflight reads more of them:

* ``all``: every unread disk of every target VIOS.
* ``needed`` (default): per target VIOS, only the disks behind the storage ports of the LUNs checked
  (the ``-W<port>`` of the disk's location code, as on the source VIOS), and it stops reading a VIOS
  once every LUN checked against its system was found there. Disks behind other storage ports stay
  unread; a LUN not found then leaves the rules that need it undecided (the HMC validation decides).

Reads run in rounds of ``workers`` commands spread over the VIOS still looking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ansible_collections.powervm.lpm.plugins.module_utils import _estate_vios as estate_vios
from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._estate_model import PartitionFacts
from ansible_collections.powervm.lpm.plugins.module_utils._estate_query import Runner
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcError
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_facts import Facts

TARGET_DISK_MODES = ("needed", "all")
_PORT_RE = re.compile(r"-W([0-9A-Fa-f]+)-L")


def storage_port(physloc: str | None) -> str | None:
    """``...-T1-W50050768019DE659-L1000000000000`` -> ``50050768019de659``."""
    match = _PORT_RE.search(physloc or "")
    return match.group(1).lower() if match else None


@dataclass
class Search:
    """The unread disks of one target VIOS to read, in order, and the LUNs still looked for."""

    system: str
    vios: PartitionFacts
    queue: list[str]
    wanted: set[str] = field(default_factory=set)
    stop_when_found: bool = True

    def done(self) -> bool:
        return not self.queue or (self.stop_when_found and not self.wanted)


def _wanted(contexts: Sequence[PairContext]) -> dict[str, tuple[set[str], set[str]]]:
    """Per target system: the LUNs (unique_id) checked against it and their storage ports on the source VIOS."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for ctx in contexts:
        if ctx.pair.source == ctx.pair.target:
            continue
        luns, ports = out.setdefault(ctx.pair.target, (set(), set()))
        for client in lk.client_scsi(ctx.lpar):
            vios = lk.remote_vios(ctx.src, client)
            mapping = lk.scsi_mapping(vios, ctx.lpar, client) if vios is not None else None
            for device in mapping["devices"] if mapping and vios else []:
                disk = lk.disk_of(vios, device["backing"]) if vios else None
                if disk is not None and disk["unique_id"]:
                    luns.add(disk["unique_id"])
                    port = storage_port(disk["physloc"])
                    if port:
                        ports.add(port)
    return out


def searches(facts: Facts, contexts: Sequence[PairContext], targets: Sequence[str], mode: str) -> list[Search]:
    wanted = _wanted(contexts)
    out = []
    for system in targets:
        luns, ports = wanted.get(system, (set(), set()))
        for vios in lk.vioses(facts.systems[system]):
            if not lk.running(vios) or not lk.collected(vios) or vios["vios"] is None:
                continue
            unread = lk.unread_disks(vios)
            if mode == "all":
                out.append(Search(system, vios, unread, stop_when_found=False))
                continue
            missing = {lun for lun in luns if lk.disk_with_lun(vios, lun) is None}
            disks = vios["vios"]["disks"]
            queue = [name for name in unread if storage_port(disks[name]["physloc"]) in ports or storage_port(disks[name]["physloc"]) is None]
            queue.sort(key=lambda name: storage_port(disks[name]["physloc"]) is None)
            if missing and queue:
                out.append(Search(system, vios, queue, missing))
    return out


def _read(runner: Runner, search: Search, disk: str) -> str | None:
    try:
        out = runner.run(cmd.viosvrcmd(search.system, search.vios["name"], estate_vios.device_command(disk))).stdout
        facts = search.vios["vios"]
        if facts is not None:
            estate_vios.add_disk_attributes(facts["disks"][disk], out)
            search.wanted.discard(facts["disks"][disk]["unique_id"] or "")
        return None
    except HmcError as exc:
        return f"{search.system}: {search.vios['name']}: {disk}: {exc.message}"


def read_target_disks(runner: Runner, facts: Facts, contexts: Sequence[PairContext], targets: Sequence[str], mode: str) -> list[str]:
    """Read target VIOS disks as ``mode`` says; returns the problems met."""
    active = [s for s in searches(facts, contexts, targets, mode) if not s.done()]
    problems: list[str] = []
    while active:
        batch: list[tuple[Search, str]] = []
        while len(batch) < runner.workers and any(s.queue for s in active):
            for search in active:
                if search.queue and len(batch) < runner.workers:
                    batch.append((search, search.queue.pop(0)))
        problems += [p for p in runner.parallel(lambda job: _read(runner, job[0], job[1]), batch) if p]
        active = [s for s in active if not s.done()]
    return problems
