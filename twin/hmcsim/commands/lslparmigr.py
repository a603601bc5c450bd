"""``lslparmigr``: migration state of partitions and systems, and what a migration would use
(hmc-cli-facts.md §3, all [inferred]; states and layouts come from data/migration.yaml).

- ``-r lpar -m S``: ``name,lpar_id,migration_state`` and, once a partition has a migration to show,
  its type, destination, MSPs, byte counters and remote manager;
- ``-r sys -m S``: mobility capability, migrations supported and in progress;
- ``-r msp|virtualio|procpool -m S -t T --filter lpar_names=X``: the MSP pairs, the suggested adapter
  mappings and the destination shared pools, from validation's resolution;
- ``-r manager``: remote migration capability of this HMC.
"""
from __future__ import annotations

from typing import Optional

from ..core import CommandError, Ctx, OptSpec, Options, Result, command, fail, generic, parse_options
from ..formats import Record
from ..listing import LISTING_OPTIONS, bare_f, parse_filters, respond, select_lpars
from ..migration import Migration, kind_of, latest, table
from ..model import Lpar, ManagedSystem
from ..request import MigrationRequest, Resolution
from ._migr_request import remote

SPEC = OptSpec({"-r": 1, "-t": 1, "--ip": 1, "-u": 1, "--help": 0, **LISTING_OPTIONS})
LPAR_ATTRS = ["name", "lpar_id", "migration_state", "migration_type", "dest_sys_name", "dest_lpar_id",
              "source_msp_name", "source_msp_id", "dest_msp_name", "dest_msp_id", "bytes_transmitted",
              "bytes_remaining", "remote_manager", "remote_user"]
SYS_ATTRS = ["inactive_lpar_mobility_capable", "num_inactive_migrations_supported",
             "num_inactive_migrations_in_progress", "active_lpar_mobility_capable",
             "num_active_migrations_supported", "num_active_migrations_in_progress", "inactive_prof_policy"]
MSP_ATTRS = ["source_msp_name", "source_msp_id", "dest_msp_names", "dest_msp_ids", "ipaddr_mappings"]
VIO_ATTRS = ["lpar_name", "lpar_id", "suggested_virtual_scsi_mappings", "suggested_virtual_fc_mappings"]
POOL_ATTRS = ["shared_proc_pool_ids", "shared_proc_pool_names"]
FILTERS = ("lpar_names", "lpar_ids")


@command("lslparmigr")
def lslparmigr(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), SPEC)
    if "--help" in opts:
        return Result(0, table()["usage"]["lslparmigr"] + "\n")
    opts.need("-r")
    conf = table()["lslparmigr"]
    resource = str(opts["-r"])
    if resource not in conf["resources"]:
        raise generic("missing_parameter", params="-r")
    if resource == "manager":
        record = dict(conf["manager"])
        return respond([record], opts, list(record))
    opts.need("-m")
    ms = ctx.system(str(opts["-m"]))
    if resource == "sys":
        parse_filters(opts.get("--filter"), ())
        return respond([sys_record(ctx, ms)], opts, SYS_ATTRS)
    lpars = select_lpars(ms, parse_filters(opts.get("--filter"), FILTERS))
    if resource == "lpar":
        return respond([lpar_record(ctx, ms, lp) for lp in lpars], opts, LPAR_ATTRS)
    opts.need("-t", "--filter")
    target = _target(ctx, opts)
    records: list[Record] = []
    for lp in lpars:
        res = _resolve(ctx, opts, ms, lp, target)
        if resource == "msp":
            records += msp_records(ctx, ms, target, lp, res)
        elif resource == "virtualio":
            records.append(virtualio_record(target, lp, res))
        else:
            records += pool_records(ctx, target, lp)
    known = {"msp": MSP_ATTRS, "virtualio": VIO_ATTRS, "procpool": POOL_ATTRS}[resource]
    return respond(records, opts, known)


# ----- -r lpar / -r sys -----

def lpar_record(ctx: Ctx, ms: ManagedSystem, lp: Lpar) -> Record:
    m: Optional[Migration] = latest(ctx.estate, lp.name, ms.name)
    state = m.migration_state if m is not None else table()["not_migrating"]
    record: Record = {"name": lp.name, "lpar_id": lp.id, "migration_state": state}
    if m is None or state == table()["not_migrating"]:
        return record
    unavailable = table()["lslparmigr"]["unavailable"]
    manager = m.remote_manager
    if manager and ms.name == m.target:           # seen from the destination's HMC: the source HMC
        source_hmc = ctx.estate.hmcs.get(m.source_ms.hmc)
        manager = source_hmc.ipaddr if source_hmc is not None else manager
    record.update({
        "migration_type": m.kind, "dest_sys_name": m.target, "dest_lpar_id": m.dest_lpar_id,
        "source_msp_name": m.source_msp or None, "source_msp_id": m.source_msp_id,
        "dest_msp_name": m.dest_msp or None, "dest_msp_id": m.dest_msp_id,
        "bytes_transmitted": m.bytes_transmitted, "bytes_remaining": m.bytes_remaining,
        "remote_manager": manager or unavailable, "remote_user": m.remote_user or unavailable})
    return record


def sys_record(ctx: Ctx, ms: ManagedSystem) -> Record:
    caps = ctx.estate.capabilities(ms)
    count = ctx.estate.migrations_in_progress
    return {"inactive_lpar_mobility_capable": caps.get("inactive_lpar_mobility_capable", 0),
            "num_inactive_migrations_supported": ms.inactive_migrations_supported,
            "num_inactive_migrations_in_progress": count(ms, "inactive"),
            "active_lpar_mobility_capable": caps.get("active_lpar_mobility_capable", 0),
            "num_active_migrations_supported": ms.active_migrations_supported,
            "num_active_migrations_in_progress": count(ms, "active") + count(ms, "suspended"),
            "inactive_prof_policy": ms.inactive_prof_policy}


# ----- what a migration would use -----

def _target(ctx: Ctx, opts: Options) -> ManagedSystem:
    ref = str(opts["-t"])
    if "--ip" in opts:
        hmc = ctx.estate.hmc_by_address(str(opts["--ip"]))
        target = ctx.estate.find_system(ref, hmc=hmc.name) if hmc is not None else None
    else:
        target = ctx.estate.find_system(ref, hmc=ctx.session.hmc)
    if target is None:
        raise fail("HSCL8001", system=ref)
    return target


def _resolve(ctx: Ctx, opts: Options, ms: ManagedSystem, lp: Lpar, target: ManagedSystem) -> Resolution:
    from .. import validation  # pylint: disable=import-outside-toplevel
    remote_hmc, remote_user = remote(ctx, opts)
    req = MigrationRequest("v", ms, lp, target, kind=kind_of(lp), remote_hmc=remote_hmc, remote_user=remote_user)
    return validation.validate(ctx.estate, req)


def _mover(lp: Lpar) -> bool:
    return lp.env == "vioserver" and lp.msp and lp.state == "Running" and lp.vios is not None and lp.vios.vasi


def _movers(ms: ManagedSystem, first: Optional[Lpar]) -> list[Lpar]:
    out = [first] if first is not None else []
    out += [lp for lp in sorted(ms.lpars, key=lambda x: x.id) if _mover(lp) and lp is not first]
    return out


def _ip(lp: Lpar) -> str:
    return (lp.vios.msp_ipaddr if lp.vios is not None else "") or lp.rmc_ipaddr


def msp_records(ctx: Ctx, ms: ManagedSystem, target: ManagedSystem, lp: Lpar, res: Resolution) -> list[Record]:
    if res.source_msp is None or res.dest_msp is None:
        errors = [f.text for f in res.errors]
        if errors:
            raise _errors(errors)
        return []
    element = table()["lslparmigr"]["ipaddr_mapping"]
    dests = _movers(target, res.dest_msp)
    out: list[Record] = []
    for src in _movers(ms, res.source_msp):
        out.append({"source_msp_name": src.name, "source_msp_id": src.id,
                    "dest_msp_names": [d.name for d in dests], "dest_msp_ids": [str(d.id) for d in dests],
                    "ipaddr_mappings": [element.format(src_ip=_ip(src), src_id=src.id, dst_name=d.name,
                                                       dst_id=d.id, dst_ip=_ip(d)) for d in dests]})
    return out


def _errors(lines: list[str]) -> CommandError:
    return CommandError(Result(1, "\n".join(lines) + "\n"))


def _elements(target: ManagedSystem, chosen: dict[int, str]) -> list[str]:
    ids = {lp.name: lp.id for lp in target.lpars}
    return [f"{slot}/{name}/{ids.get(name, '')}" for slot, name in sorted(chosen.items())]


def virtualio_record(target: ManagedSystem, lp: Lpar, res: Resolution) -> Record:
    return {"lpar_name": lp.name, "lpar_id": lp.id,
            "suggested_virtual_scsi_mappings": _elements(target, res.scsi_dest),
            "suggested_virtual_fc_mappings": _elements(target, res.fc_dest)}


def pool_records(ctx: Ctx, target: ManagedSystem, lp: Lpar) -> list[Record]:
    """Shared processor pools of the target with room for the partition's processing units."""
    if lp.proc_mode != "shared":
        return []
    fits = []
    for pool in target.shared_proc_pools:
        if pool.max_proc_units <= 0:
            fits.append(pool)
            continue
        used = sum(x.proc_units for x in target.lpars
                   if x.proc_mode == "shared" and x.shared_proc_pool == pool.name and ctx.estate.is_active(x))
        if pool.max_proc_units - max(used, pool.reserved_proc_units) >= lp.proc_units - 1e-9:
            fits.append(pool)
    if not fits:
        return []
    return [{"shared_proc_pool_ids": [str(p.id) for p in fits], "shared_proc_pool_names": [p.name for p in fits]}]

