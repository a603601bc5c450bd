"""What validation decides before it checks: the MSP pair, the destination VIOS of each client
adapter and the destination partition ID. Rules then check what was resolved.

- MSPs (active and suspended migrations): the requested ones when given, else the first pair of
  suitable MSPs (msp flag, Running, VASI, below ``cfg_msp_lpm_ops`` counting migrations in progress),
  preferring pairs whose RMC is active and whose MSPs can reach each other. A pair failing only on RMC
  or on the link is still chosen, so that the rules can name the precise problem. With redundant MSPs
  (``--redundantmsps 1|2``, default ``redundant_msps_default`` of data/migration.yaml) a second pair of
  other suitable MSPs, ranked the same way: the second element of ``redundant_msps`` when given (the
  first names the primary pair), else the first pair found.
- Client adapters: the requested mapping when given; else the destination VIOS in the same position
  (first/second VIOS) as the source VIOS, if it can host the adapter, else the first one that can.
- Partition ID: the requested one, else the source ID if free on the destination, else the lowest free.
"""
from __future__ import annotations

from typing import Callable, Optional

from ..migration import table
from ..model import Lpar, ManagedSystem, VFc, VScsi
from ..request import Mapping, MspPair
from . import lookup
from .base import Check, MspIssue


def resolve(check: Check) -> None:
    if check.dst is None:
        return
    if check.kind in ("active", "suspended"):
        _resolve_msps(check)
    _resolve_adapters(check)
    check.res.dest_lpar_id = _resolve_id(check)


# ----- mover service partitions -----

def msp_problem(check: Check, ms: ManagedSystem, lp: Lpar) -> Optional[MspIssue]:
    """Why a partition cannot serve as MSP (RMC is not considered here), or None."""
    limit = lookup.msp_limit(lp)
    if lp.env != "vioserver":
        return MspIssue(ms.name, lp.name, "not_vios")
    if not lp.msp:
        return MspIssue(ms.name, lp.name, "msp_off")
    if lp.state != "Running":
        return MspIssue(ms.name, lp.name, "not_running", {"state": lp.state})
    if lp.vios is None or not lp.vios.vasi:
        return MspIssue(ms.name, lp.name, "no_vasi")
    if lookup.msp_load(check.estate, ms, lp) >= limit:
        return MspIssue(ms.name, lp.name, "busy", {"limit": limit})
    return None


def _requested(ms: ManagedSystem, name: str, lpar_id: Optional[int]) -> tuple[bool, Optional[Lpar]]:
    if not name and lpar_id is None:
        return False, None
    for lp in ms.lpars:
        if (not name or lp.name == name) and (lpar_id is None or lp.id == lpar_id):
            return True, lp
    return True, None


def _candidates(check: Check, ms: ManagedSystem, name: str, lpar_id: Optional[int], report: bool = True) -> list[Lpar]:
    asked, lp = _requested(ms, name, lpar_id)
    if asked:
        if lp is None:
            if report:
                check.msp_issues.append(MspIssue(ms.name, name or str(lpar_id), "not_found"))
            return []
        issue = msp_problem(check, ms, lp)
        if issue is not None:
            if report:
                check.msp_issues.append(issue)
            return []
        return [lp]
    return [v for v in lookup.vioses(ms) if msp_problem(check, ms, v) is None]


def redundant_mode(check: Check) -> str:
    """--redundantmsps as given, else the default of data/migration.yaml: 0 | 1 | 2."""
    return check.flag("redundantmsps") or str(table()["redundant_msps_default"])


def _link_ok(lp: Lpar) -> bool:
    return lp.vios is not None and lp.vios.msp_link_gbps > 0


def _rank(pair: tuple[Lpar, Lpar]) -> tuple[bool, bool]:
    s, d = pair
    return (not (s.rmc_state == "active" and d.rmc_state == "active"), not (_link_ok(s) and _link_ok(d)))


def _resolve_msps(check: Check) -> None:
    req = check.req
    asked = req.redundant_msps[0] if req.redundant_msps else MspPair(
        "", req.source_msp_name, req.source_msp_id, req.dest_msp_name, req.dest_msp_id)
    sources = _candidates(check, check.src, asked.source_name, asked.source_id)
    dests = _candidates(check, check.target, asked.dest_name, asked.dest_id)
    if sources and not dests:
        check.res.source_msp = sources[0]
    if dests and not sources:
        check.res.dest_msp = dests[0]
    pairs = [(s, d) for s in sources for d in dests]
    if not pairs:
        return
    check.res.source_msp, check.res.dest_msp = sorted(pairs, key=_rank)[0]
    if redundant_mode(check) in ("1", "2"):
        _resolve_second_pair(check, req.redundant_msps[1] if len(req.redundant_msps) > 1 else None)


def _resolve_second_pair(check: Check, asked: Optional[MspPair]) -> None:
    """A second pair of other MSPs; a requested one that cannot serve is reported only when required."""
    first_source, first_dest = check.res.source_msp, check.res.dest_msp
    report = redundant_mode(check) == "1"
    if asked is None:
        asked = MspPair("")
    sources = [v for v in _candidates(check, check.src, asked.source_name, asked.source_id, report)
               if v is not first_source]
    dests = [v for v in _candidates(check, check.target, asked.dest_name, asked.dest_id, report)
             if v is not first_dest]
    pairs = [(s, d) for s in sources for d in dests]
    if pairs:
        check.res.redundant_source_msp, check.res.redundant_dest_msp = sorted(pairs, key=_rank)[0]


def second_msp_missing(check: Check) -> list[ManagedSystem]:
    """The systems of the migration that have no MSP left for a second pair."""
    out = []
    for ms, first in ((check.src, check.res.source_msp), (check.target, check.res.dest_msp)):
        if not any(v is not first and msp_problem(check, ms, v) is None for v in lookup.vioses(ms)):
            out.append(ms)
    return out


# ----- client adapters -----

def _mapping_for(mappings: list[Mapping], slot: int) -> Optional[Mapping]:
    return next((m for m in mappings if m.client_slot == slot), None)


def mapped_vios(ms: ManagedSystem, mapping: Mapping) -> Optional[Lpar]:
    for lp in lookup.vioses(ms):
        if mapping.dest_vios_name and lp.name != mapping.dest_vios_name:
            continue
        if mapping.dest_vios_id is not None and lp.id != mapping.dest_vios_id:
            continue
        if mapping.dest_vios_name or mapping.dest_vios_id is not None:
            return lp
    return None


def can_host_scsi(check: Check, vios: Lpar, client: VScsi) -> bool:
    if not lookup.running_vios(vios):
        return False
    luns = lookup.scsi_luns(check.src, check.lp, client)
    if luns is None:
        return False
    return all(lookup.disk_with_lun(vios, lun) is not None for lun in luns)


def can_host_fc(check: Check, vios: Lpar, client: VFc, port_name: str = "") -> bool:
    if not lookup.running_vios(vios):
        return False
    wwpns = lookup.wwpns_to_check(client, check.flag("npivval"))
    return bool(lookup.npiv_ports(vios, wwpns, check.estate.scenario.fabrics, port_name))


def _choose(check: Check, client: VScsi | VFc, mapping: Optional[Mapping],
            can_host: Callable[[Lpar], bool]) -> Optional[str]:
    dests = lookup.vioses(check.target)
    if mapping is not None:
        vios = mapped_vios(check.target, mapping)
        return vios.name if vios is not None and can_host(vios) else None
    pos = lookup.position(check.src, client.remote_lpar)
    ordered = list(dests)
    if pos is not None and pos < len(dests):
        ordered.insert(0, ordered.pop(pos))
    return next((v.name for v in ordered if can_host(v)), None)


def _resolve_adapters(check: Check) -> None:
    req = check.req
    for scsi in lookup.client_scsi(check.lp):
        chosen = _choose(check, scsi, _mapping_for(req.scsi_mappings, scsi.slot),
                         lambda v, a=scsi: can_host_scsi(check, v, a))
        if chosen is not None:
            check.res.scsi_dest[scsi.slot] = chosen
    for fc in lookup.client_fc(check.lp):
        mapping = _mapping_for(req.fc_mappings, fc.slot)
        port = mapping.dest_fc_port if mapping is not None else ""
        chosen = _choose(check, fc, mapping, lambda v, a=fc, p=port: can_host_fc(check, v, a, p))
        if chosen is not None:
            check.res.fc_dest[fc.slot] = chosen


# ----- partition ID -----

def _resolve_id(check: Check) -> Optional[int]:
    if check.req.dest_lpar_id is not None:
        return check.req.dest_lpar_id
    used = {lp.id for lp in check.target.lpars}
    if check.lp.id not in used and check.lp.id <= check.target.max_lpars:
        return check.lp.id
    return next((i for i in range(1, check.target.max_lpars + 1) if i not in used), None)
