"""``chsyscfg``: change partition and managed-system attributes (hmc-cli-facts.md §4).

``-r lpar -m SYS -i "name=X,msp=1"`` (or ``lpar_id=N``) sets msp (VIOS only), time_ref,
migration_disabled, lpar_proc_compat_mode (the preferred mode, used from the next activation),
description and new_name; ``-r sys -m SYS -i "new_name=Y"`` renames a system. Every attribute is checked
before any is changed. Success prints nothing.
"""
from __future__ import annotations

from typing import Callable

from ..core import Ctx, OptSpec, Result, command, fail, generic, parse_options
from ..estate import Estate
from ..formats import parse_input_data
from ..model import Lpar, ManagedSystem

SPEC = OptSpec({"-r": 1, "-m": 1, "-i": 1, "--force": 0})
RESOURCES = ("lpar", "sys")
READ_ONLY_ROLES = ("hmcviewer",)
MAX_NAME_LENGTH = 47                       # HMC partition and system names
NAME_FORBIDDEN = (",", "=", '"')           # break the attribute grammar (hmc-cli-facts.md §0.3)
BOOLEAN_VALUES = {"0": False, "1": True}
LPAR_IDENTIFIERS = ("name", "lpar_id")
LPAR_ATTRIBUTES = ("msp", "time_ref", "migration_disabled", "lpar_proc_compat_mode", "description", "new_name")
SYS_ATTRIBUTES = ("new_name",)


@command("chsyscfg")
def chsyscfg(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(args, SPEC)
    opts.need("-r")
    if opts["-r"] not in RESOURCES:
        raise generic("missing_parameter", params="-r")
    opts.need("-m", "-i")
    ms = ctx.system(opts["-m"])
    user = ctx.estate.user(ctx.session.hmc, ctx.session.user)
    if user is not None and user.role in READ_ONLY_ROLES:
        raise fail("HSCL350B")
    try:
        data = parse_input_data(opts["-i"])
    except ValueError:
        raise generic("missing_parameter", params="-i") from None
    if opts["-r"] == "sys":
        _change_system(ctx.estate, ms, data)
    else:
        _change_lpar(ctx.estate, ms, data)
    return Result(0)


# ----- -r lpar -----

def _target_lpar(ms: ManagedSystem, data: dict[str, str]) -> Lpar:
    if "name" in data:
        lp = Estate.find_lpar(ms, name=data["name"])
        if lp is None:
            raise fail("HSCL8012", lpar=data["name"])
        return lp
    if "lpar_id" in data:
        try:
            lpar_id = int(data["lpar_id"])
        except ValueError:
            raise fail("HSCLA2E2", value=data["lpar_id"], attr="lpar_id") from None
        lp = Estate.find_lpar(ms, lpar_id=lpar_id)
        if lp is None:
            raise fail("HSCL8013", lpar_id=lpar_id)
        return lp
    raise fail("HSCLA2E3")


def _boolean(attr: str, value: str) -> bool:
    if value not in BOOLEAN_VALUES:
        raise fail("HSCLA2E2", value=value, attr=attr)
    return BOOLEAN_VALUES[value]


def _check_name(attr: str, value: str) -> None:
    if not value or len(value) > MAX_NAME_LENGTH or any(ch in value for ch in NAME_FORBIDDEN):
        raise fail("HSCLA2E2", value=value, attr=attr)


def _lpar_changes(estate: Estate, ms: ManagedSystem, lp: Lpar, data: dict[str, str]) -> list[Callable[[], None]]:
    """Validate every attribute; return the changes to apply, in the order given."""
    changes: list[Callable[[], None]] = []
    for attr, value in data.items():
        if attr in LPAR_IDENTIFIERS:
            continue
        if attr in ("msp", "time_ref", "migration_disabled"):
            flag = _boolean(attr, value)
            if attr == "msp" and lp.env != "vioserver":
                raise fail("HSCLA2E0", attr=attr, lpar=lp.name)
            changes.append(lambda a=attr, f=flag: setattr(lp, a, f))
        elif attr == "lpar_proc_compat_mode":
            if value not in estate.compat_modes(ms):
                raise fail("HSCLA2E2", value=value, attr=attr)
            changes.append(lambda v=value: _set_preferred_mode(estate, ms, lp, v))
        elif attr == "description":
            changes.append(lambda v=value: setattr(lp, "description", v))
        elif attr == "new_name":
            _check_name(attr, value)
            other = Estate.find_lpar(ms, name=value)
            if other is not None and other is not lp:
                raise fail("HSCLA2E1", name=value, system=ms.name)
            changes.append(lambda v=value: _rename_lpar(ms, lp, v))
        else:
            raise generic("invalid_attribute", attr=attr)
    return changes


def _set_preferred_mode(estate: Estate, ms: ManagedSystem, lp: Lpar, mode: str) -> None:
    """The preferred mode takes effect at the next activation: a running partition keeps its current one."""
    if estate.is_active(lp) and not lp.compat_current:
        lp.compat_current = estate.current_compat(ms, lp)
    lp.compat_desired = mode


def _change_lpar(estate: Estate, ms: ManagedSystem, data: dict[str, str]) -> None:
    lp = _target_lpar(ms, data)
    for change in _lpar_changes(estate, ms, lp, data):
        change()


def _rename_lpar(ms: ManagedSystem, lp: Lpar, new: str) -> None:
    """Rename a partition and the adapters of other partitions that name it as their partner."""
    old = lp.name
    for other in ms.lpars:
        for adapter in [*other.scsi, *other.fc]:
            if adapter.remote_lpar == old:
                adapter.remote_lpar = new
    lp.name = new


# ----- -r sys -----

def _change_system(estate: Estate, ms: ManagedSystem, data: dict[str, str]) -> None:
    unknown = [attr for attr in data if attr not in SYS_ATTRIBUTES]
    if unknown:
        raise generic("invalid_attribute", attr=unknown[0])
    if "new_name" not in data:
        raise generic("missing_parameter", params="-i")
    new = data["new_name"]
    _check_name("new_name", new)
    if new != ms.name and new in estate.systems:
        raise fail("HSCLA2E4", name=new)
    ms.name = new
    estate.reindex()
