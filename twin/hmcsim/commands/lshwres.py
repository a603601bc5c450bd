"""``lshwres``: memory, processors, virtual and physical I/O of a managed system (hmc-cli-facts.md §2)."""
from __future__ import annotations

from typing import Callable, Optional

from .. import attributes as attrs
from .. import records
from ..core import Ctx, OptSpec, Options, Result, command, generic, parse_options
from ..estate import Estate
from ..formats import NO_RESULTS, Record
from ..listing import LISTING_OPTIONS, bare_f, parse_filters, respond, select_lpars
from ..model import Lpar, ManagedSystem

SPEC = OptSpec({"-r": 1, "--rsubtype": 1, "--level": 1, "-R": 0, "--maxmem": 1, "--hptratio": 1,
                **LISTING_OPTIONS})
LPAR_FILTERS = ("lpar_names", "lpar_ids")
POOL_FILTERS = ("pool_names", "pool_ids")

# Resource types the HMC accepts; those without a listing here answer "No results were found."
RESOURCES = ("io", "virtualio", "mem", "proc", "procpool", "hea", "sriov", "mempool", "rspool", "hca", "sni")
IO_SUBTYPES = ("unit", "bus", "slot", "iopool", "taggedio", "slotchildren")
VIRTUALIO_SUBTYPES = ("eth", "fc", "hsl", "virtualopti", "scsi", "serial", "slot", "vnetwork", "vnic",
                      "vnicbkdev", "vswitch")

PerLpar = Callable[[Estate, ManagedSystem, Lpar], list[Record]]
PerSystem = Callable[[Estate, ManagedSystem], list[Record]]

# (resource, subtype or level) -> (table, records of one partition)
LPAR_LISTINGS: dict[tuple[str, str], tuple[str, PerLpar]] = {
    ("mem", "lpar"): ("mem_lpar", lambda e, ms, lp: [records.mem_lpar_record(e, ms, lp)]),
    ("proc", "lpar"): ("proc_lpar", lambda e, ms, lp: [records.proc_lpar_record(e, ms, lp)]),
    ("virtualio", "scsi"): ("vscsi", records.vscsi_records),
    ("virtualio", "fc"): ("vfc", records.vfc_records),
    ("virtualio", "eth"): ("veth", records.veth_records),
    ("virtualio", "serial"): ("vserial", records.vserial_records),
    ("virtualio", "slot"): ("vslot", lambda e, ms, lp: [records.vslot_record(e, ms, lp)]),
}
# (resource, subtype or level) -> (table, records of the system)
SYSTEM_LISTINGS: dict[tuple[str, str], tuple[str, PerSystem]] = {
    ("mem", "sys"): ("mem_sys", lambda e, ms: [records.mem_sys_record(e, ms)]),
    ("proc", "sys"): ("proc_sys", lambda e, ms: [records.proc_sys_record(e, ms)]),
    ("proc", "pool"): ("proc_pool", lambda e, ms: [records.proc_pool_record(e, ms)]),
    ("procpool", ""): ("procpool", records.procpool_records),
    ("virtualio", "vswitch"): ("vswitch", records.vswitch_records),
}


@command("lshwres")
def lshwres(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), SPEC)
    opts.need("-r", "-m")
    resource = opts["-r"]
    if resource not in RESOURCES:
        raise generic("missing_parameter", params="-r")
    ms = ctx.system(opts["-m"])
    key = _listing_key(resource, opts)
    major = records.major_of(ctx.estate, ms)
    if key in SYSTEM_LISTINGS:
        table, per_system = SYSTEM_LISTINGS[key]
        pool_filters = parse_filters(opts.get("--filter"), POOL_FILTERS if key == ("procpool", "") else ())
        out = [rec for rec in per_system(ctx.estate, ms) if _pool_wanted(rec, pool_filters)]
        return respond(out, opts, attrs.known(table, major))
    filters = parse_filters(opts.get("--filter"), LPAR_FILTERS)
    lpars = select_lpars(ms, filters)
    if key in LPAR_LISTINGS:
        table, per_lpar = LPAR_LISTINGS[key]
        out = [rec for lp in lpars for rec in per_lpar(ctx.estate, ms, lp)]
        return respond(out, opts, attrs.known(table, major))
    if key == ("io", "slot"):
        chosen = {lp.id for lp in lpars}
        out = [rec for rec in records.io_slot_records(ctx.estate, ms)
               if not filters or rec.get("lpar_id") in chosen]
        return respond(out, opts, attrs.known("io_slot", major))
    return Result(0, NO_RESULTS + "\n")


def _pool_wanted(rec: Record, filters: dict[str, list[str]]) -> bool:
    if "pool_names" in filters and rec.get("name") not in filters["pool_names"]:
        return False
    return "pool_ids" not in filters or str(rec.get("shared_proc_pool_id")) in filters["pool_ids"]


def _listing_key(resource: str, opts: Options) -> tuple[str, str]:
    """Check --rsubtype/--level for the resource; returns (resource, subtype or level)."""
    level: Optional[str] = opts.get("--level")
    if resource in ("mem", "proc"):
        opts.need("--level")
        if level not in (("sys", "lpar") if resource == "mem" else ("sys", "lpar", "pool")):
            raise generic("missing_parameter", params="--level")
        return resource, str(level)
    if resource in ("io", "virtualio"):
        opts.need("--rsubtype")
        subtype = str(opts["--rsubtype"])
        if subtype not in (IO_SUBTYPES if resource == "io" else VIRTUALIO_SUBTYPES):
            raise generic("missing_parameter", params="--rsubtype")
        if (resource, subtype) in LPAR_LISTINGS:
            opts.need("--level")
            if level != "lpar":
                raise generic("missing_parameter", params="--level")
        return resource, subtype
    return resource, ""
