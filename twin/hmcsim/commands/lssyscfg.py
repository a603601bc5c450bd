"""``lssyscfg``: managed systems, partitions and partition profiles (hmc-cli-facts.md §1)."""
from __future__ import annotations

from .. import attributes as attrs
from .. import records
from ..core import Ctx, OptSpec, Options, Result, command, generic, parse_options
from ..formats import NO_RESULTS
from ..listing import LISTING_OPTIONS, bare_f, parse_filters, respond, select_lpars

SPEC = OptSpec({"-r": 1, "-e": 1, "--osrefresh": 0, "--lastvalidcfg": 0, **LISTING_OPTIONS})
RESOURCES = ("lpar", "prof", "sys", "sysprof", "cage", "frame")
LPAR_FILTERS = ("lpar_names", "lpar_ids", "work_groups")
PROF_FILTERS = ("lpar_names", "lpar_ids", "profile_names")


@command("lssyscfg")
def lssyscfg(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), SPEC)
    opts.need("-r")
    resource = opts["-r"]
    if resource not in RESOURCES:
        raise generic("missing_parameter", params="-r")
    if resource == "sys":
        return _systems(ctx, opts)
    if resource in ("cage", "frame"):        # frames are not modelled
        return Result(0, NO_RESULTS + "\n")
    opts.need("-m")
    if resource == "lpar":
        return _lpars(ctx, opts)
    if resource == "prof":
        return _profiles(ctx, opts)
    ctx.system(opts["-m"])
    parse_filters(opts.get("--filter"), ())
    return Result(0, NO_RESULTS + "\n")       # sysprof: no system profiles are modelled


def _systems(ctx: Ctx, opts: Options) -> Result:
    parse_filters(opts.get("--filter"), ())
    systems = [ctx.system(opts["-m"])] if "-m" in opts else ctx.estate.systems_of(ctx.session.hmc)
    known: list[str] = []
    for ms in systems:
        major = records.major_of(ctx.estate, ms)
        for name in attrs.known("sys", major, records.capability_names(ctx.estate, ms)):
            if name not in known:
                known.append(name)
    return respond([records.sys_record(ctx.estate, ms) for ms in systems], opts, known)


def _lpars(ctx: Ctx, opts: Options) -> Result:
    ms = ctx.system(opts["-m"])
    filters = parse_filters(opts.get("--filter"), LPAR_FILTERS)
    lpars = select_lpars(ms, filters)
    if "work_groups" in filters:
        lpars = [lp for lp in lpars if lp.work_group_id in filters["work_groups"]]
    out = [records.lpar_record(ctx.estate, ms, lp) for lp in lpars]
    return respond(out, opts, attrs.known("lpar", records.major_of(ctx.estate, ms)))


def _profiles(ctx: Ctx, opts: Options) -> Result:
    ms = ctx.system(opts["-m"])
    filters = parse_filters(opts.get("--filter"), PROF_FILTERS)
    wanted = filters.get("profile_names")
    out = [records.profile_record(ctx.estate, ms, lp, prof)
           for lp in select_lpars(ms, filters)
           for prof in lp.profiles
           if wanted is None or prof.name in wanted]
    return respond(out, opts, attrs.known("prof", records.major_of(ctx.estate, ms)))
