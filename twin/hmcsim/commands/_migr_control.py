"""migrlpar -o s (stop), -o r (recover) and -o set (hmc-cli-facts.md §5.4, §5.6)."""
from __future__ import annotations

from ..core import Ctx, Options, Result, generic
from ..migration import error, latest, table
from ..model import Lpar, ManagedSystem
from ._migr_request import partitions, read_input


def stop(ctx: Ctx, opts: Options) -> Result:
    """Stop a migration before the suspend: it rolls back, the partition stays on the source."""
    opts.need("-m")
    ms = ctx.system(str(opts["-m"]))
    (lp,) = _one(ms, opts)
    m = latest(ctx.estate, lp.name, ms.name)
    if m is None or not m.in_progress:
        raise error("HSCLA24C", lpar=lp.name)
    if not m.can_stop:
        raise error("HSCLA2F0", lpar=lp.name)
    m.stop(ctx.estate.clock.now())
    return Result(0)


def recover(ctx: Ctx, opts: Options) -> Result:
    """Recover a failed migration (or, with --force, one still running)."""
    opts.need("-m")
    ms = ctx.system(str(opts["-m"]))
    (lp,) = _one(ms, opts)
    m = latest(ctx.estate, lp.name, ms.name)
    if m is None or not (m.needs_recovery or m.in_progress):
        raise error("HSCLA2F6", lpar=lp.name)
    if m.in_progress and "--force" not in opts:
        raise error("HSCLA2F1", lpar=lp.name)
    m.recover(ctx.estate.clock.now())
    return Result(0)


def _one(ms: ManagedSystem, opts: Options) -> list[Lpar]:
    found = partitions(ms, opts, allow_all=False)
    if len(found) != 1:
        raise generic("missing_parameter", params="-p, --id")
    return found


def set_attributes(ctx: Ctx, opts: Options) -> Result:
    opts.need("-r")
    resource = str(opts["-r"])
    if "-i" not in opts and "-f" not in opts:
        raise generic("missing_parameter", params="-i, -f")
    data = read_input(opts)
    if resource == "sys":
        return _set_sys(ctx, opts, data)
    if resource == "lpar":
        return _set_lpar(ctx, opts, data)
    raise generic("missing_parameter", params="-r")


def _set_sys(ctx: Ctx, opts: Options, data: dict[str, str]) -> Result:
    allowed = table()["set_sys"]
    _check(data, allowed)
    systems = [ctx.system(str(opts["-m"]))] if "-m" in opts else ctx.estate.systems_of(ctx.session.hmc)
    for ms in systems:
        if "inactive_prof_policy" in data:
            ms.inactive_prof_policy = data["inactive_prof_policy"]
    return Result(0)


def _set_lpar(ctx: Ctx, opts: Options, data: dict[str, str]) -> Result:
    opts.need("-m")
    ms = ctx.system(str(opts["-m"]))
    (lp,) = _one(ms, opts)
    allowed = table()["set_lpar"]
    _check(data, allowed)
    if lp.env != "vioserver" or lp.vios is None:
        raise error("HSCLA2F3", lpar=lp.name)
    for attr, value in data.items():
        lp.vios.vioslpm0[allowed[attr]["vioslpm0"]] = str(int(value))
    return Result(0)


def _check(data: dict[str, str], allowed: dict) -> None:
    if not data:
        raise generic("missing_parameter", params="-i")
    for attr, value in data.items():
        spec = allowed.get(attr)
        if spec is None:
            raise generic("invalid_attribute", attr=attr)
        if "values" in spec and value not in spec["values"]:
            raise error("HSCLA2F2", value=value, attr=attr, valid=", ".join(spec["values"]))
        if "range" in spec:
            low, high = spec["range"]
            if not value.isdigit() or not low <= int(value) <= high:
                raise error("HSCLA2F2", value=value, attr=attr, valid=f"{low} to {high}")
