"""``migrlpar``: validate (-o v), migrate (-o m), stop (-o s), recover (-o r), set (-o set).

``-o m`` validates each named partition and starts it at once, so the caps count the ones started
before; a partition that fails validation (or is migrating, or needs recovery) is reported and the
others go on. The command then blocks (a :class:`core.Pending`) until every started migration has
ended; a dropped SSH session does not stop them. Output layout: see ``output`` in data/migration.yaml.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .. import migration
from ..core import Ctx, Options, Pending, Result, command, generic, parse_options
from ..engine import attach
from ..estate import Estate
from ..migration import Migration, error, latest, table, text
from ..model import Lpar, ManagedSystem
from ..request import MigrationRequest, Resolution
from . import _migr_control as control
from ._migr_request import build, check_attributes, flags, number, partitions, read_input, spec, target_system

Validator = Callable[[Estate, MigrationRequest], Resolution]


@dataclass
class Part:
    """One partition of the command: what validation said and the migration started for it."""

    lpar: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    migration: Optional[Migration] = None

    @property
    def ok(self) -> bool:
        return not self.errors and (self.migration is None or self.migration.status == "complete")


@command("migrlpar")
def migrlpar(ctx: Ctx, args: list[str]) -> Any:
    opts = parse_options(args, spec())
    if "--help" in opts:
        return Result(0, table()["usage"]["migrlpar"] + "\n")
    opts.need("-o")
    op = str(opts["-o"])
    if op == "set":
        return control.set_attributes(ctx, opts)
    if op == "s":
        return control.stop(ctx, opts)
    if op == "r":
        return control.recover(ctx, opts)
    if op not in ("v", "m"):
        raise generic("missing_parameter", params="-o")
    return validate_or_migrate(ctx, opts, op)


def _validator() -> Validator:
    from .. import validation  # pylint: disable=import-outside-toplevel
    return validation.validate


def blocked(estate: Estate, lp: Lpar, ms: ManagedSystem) -> str:
    """Why the engine refuses a new migration of this partition ('' when it does not)."""
    m = latest(estate, lp.name, ms.name)
    if m is not None and m.in_progress:
        return text("HSCLA245", lpar=lp.name)
    if m is not None and m.needs_recovery:
        return text("HSCLA254", lpar=lp.name)
    return ""


def validate_or_migrate(ctx: Ctx, opts: Options, op: str) -> Any:
    opts.need("-m")
    source = ctx.system(str(opts["-m"]))
    lpars = partitions(source, opts)
    target = target_system(ctx, opts)
    data = read_input(opts)
    check_attributes(data, table()["input_attributes"])
    if len(lpars) > 1:
        for attr in table()["single_partition_attributes"]:
            if attr in data:
                raise error("HSCLA2F4", attr=attr)
    override = flags(opts)
    low, high = table()["detail_levels"]
    number(opts, "-d", low, high)
    validate = _validator()
    parts: list[Part] = []
    for lp in lpars:
        req = build(ctx, opts, op, source, lp, target, data, override)
        refusal = blocked(ctx.estate, lp, source)
        if refusal:
            parts.append(Part(lp.name, errors=[refusal]))
            continue
        res = validate(ctx.estate, req)
        part = Part(lp.name, [f.text for f in res.errors], [f.text for f in res.findings if f.warning])
        if not part.errors:
            part.errors = migration.reserve(ctx.estate, req, res)
        if op == "m" and not part.errors:
            part.migration = migration.start(ctx.estate, req, res)
        parts.append(part)
    several = len(lpars) > 1
    nodetails = "--nodetails" in opts
    started = [p.migration for p in parts if p.migration is not None]
    if not started:
        return render(parts, several, nodetails)

    def poll() -> Optional[Result]:
        if any(m.in_progress for m in started):
            return None
        return render(parts, several, nodetails)

    def wake_at() -> Optional[float]:
        return attach(ctx.estate).projected_end(started)

    return Pending(poll, wake_at, lambda: None)


def render(parts: list[Part], several: bool, nodetails: bool) -> Result:
    layout = table()["output"]
    lines: list[str] = []
    for part in parts:
        block: list[str] = []
        if part.migration is not None and part.migration.outcome_line():
            block.append(part.migration.outcome_line())
        if part.errors:
            block += [layout["errors_heading"], *part.errors]
        if part.warnings:
            block += [layout["warnings_heading"], *part.warnings]
        if block and several:
            block.insert(0, layout["partition_heading"].format(lpar=part.lpar))
        lines += block
    out = "\n".join(lines)
    if nodetails:
        out = strip_details(out, layout["detail_start"], layout["detail_end"])
    return Result(0 if all(p.ok for p in parts) else 1, out + "\n" if out else "")


def strip_details(out: str, start: str, end: str) -> str:
    """Drop the VIOS_DETAILED_ERROR ... End Detailed Message. blocks (--nodetails)."""
    kept: list[str] = []
    inside = False
    for line in out.split("\n"):
        if line.strip() == start:
            inside = True
            continue
        if inside:
            inside = line.strip() != end
            continue
        kept.append(line)
    return "\n".join(kept)
