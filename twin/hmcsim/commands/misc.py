"""``lshmc``, ``lsrefcode``, ``lssysconn`` and ``mkauthkeys`` (hmc-cli-facts.md §5.5, §7)."""
from __future__ import annotations

from .. import attributes as attrs
from .. import records
from ..core import Ctx, OptSpec, Result, command, fail, generic, parse_options
from ..estate import Estate
from ..listing import LISTING_OPTIONS, bare_f, parse_filters, respond, select_lpars
from ..model import Hmc

MASK = "********"


# ----- lshmc -----

LSHMC = OptSpec({"-V": 0, "-n": 0, "-F": 1, "--header": 0})


@command("lshmc")
def lshmc(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), LSHMC)
    if "-V" in opts:
        return Result(0, records.hmc_version_text(ctx.hmc))
    if "-n" in opts:
        known = attrs.known("hmc_network", attrs.hmc_major(ctx.hmc.version))
        return respond([records.hmc_network_record(ctx.hmc)], opts, known)
    raise generic("missing_parameter", params="-V, -n")


# ----- lsrefcode -----

LSREFCODE = OptSpec({"-r": 1, "-s": 1, "-n": 1, **LISTING_OPTIONS})


@command("lsrefcode")
def lsrefcode(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), LSREFCODE)
    opts.need("-r", "-m")
    resource = opts["-r"]
    if resource not in ("lpar", "sys"):
        raise generic("missing_parameter", params="-r")
    if opts.get("-s", "p") not in ("p", "s"):
        raise generic("missing_parameter", params="-s")
    if not str(opts.get("-n", "1")).isdigit() or int(opts.get("-n", "1")) < 1:
        raise generic("missing_parameter", params="-n")
    ms = ctx.system(opts["-m"])
    major = records.major_of(ctx.estate, ms)
    if resource == "sys":
        parse_filters(opts.get("--filter"), ())
        return respond([records.refcode_sys_record(ctx.estate, ms)], opts, attrs.known("refcode_sys", major))
    lpars = select_lpars(ms, parse_filters(opts.get("--filter"), ("lpar_names", "lpar_ids")))
    out = [records.refcode_lpar_record(ctx.estate, ms, lp) for lp in lpars]
    return respond(out, opts, attrs.known("refcode_lpar", major))


# ----- lssysconn -----

LSSYSCONN = OptSpec({"-r": 1, "-F": 1, "--header": 0})


@command("lssysconn")
def lssysconn(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(bare_f(args), LSSYSCONN)
    opts.need("-r")
    if opts["-r"] not in ("all", "alluser"):
        raise generic("missing_parameter", params="-r")
    systems = ctx.estate.systems_of(ctx.session.hmc)
    known = attrs.known("sysconn", attrs.hmc_major(ctx.hmc.version))
    return respond([records.sysconn_record(ctx.estate, ms) for ms in systems], opts, known)


# ----- mkauthkeys -----

MKAUTHKEYS = OptSpec({"-a": 1, "-r": 1, "--ip": 1, "-u": 1, "--passwd": 1, "-t": 1, "--test": 0})


def trusted(estate: Estate, hmc: Hmc, address: str, user: str) -> bool:
    """Whether ``hmc`` has SSH key trust to the HMC at ``address`` (name or IP) for ``user`` there.

    Trust entries are ``user@host`` (host = the remote's name or address) or a bare host (any user).
    """
    remote = estate.hmc_by_address(address)
    refs = {address} | ({remote.name, remote.ipaddr} if remote else set())
    return any(entry in hmc.trusted for ref in refs for entry in (f"{user}@{ref}", ref))


def redact_password(ctx: Ctx) -> None:
    """Replace the value after ``--passwd`` in the command log (and ctx.argv) so it is never kept in clear."""
    original = list(ctx.argv)
    for entry in reversed(ctx.estate.log.entries):
        if entry.argv is ctx.argv or (entry.rc is None and entry.session == ctx.session.session_id
                                      and entry.argv == original):
            _mask(entry.argv)
            break
    _mask(ctx.argv)


def _mask(argv: list[str]) -> None:
    for i in range(len(argv) - 1):
        if argv[i] == "--passwd":
            argv[i + 1] = MASK


@command("mkauthkeys")
def mkauthkeys(ctx: Ctx, args: list[str]) -> Result:
    redact_password(ctx)
    opts = parse_options(args, MKAUTHKEYS)
    if "--ip" not in opts and ("-a" in opts or "-r" in opts):
        return _local_keys(ctx, opts.get("-a"), opts.get("-r"))
    opts.need("--ip")
    address = str(opts["--ip"])
    user = str(opts.get("-u", ctx.session.user))
    if "--test" in opts:
        if trusted(ctx.estate, ctx.hmc, address, user):
            return Result(0)
        raise fail("HSCL3653", user=user)
    opts.need("--passwd")
    remote = ctx.estate.hmc_by_address(address)
    if remote is None:
        raise fail("HSCL3651", ip=address)
    account = ctx.estate.user(remote.name, user)
    if account is None or account.password != opts["--passwd"]:
        raise fail("HSCL3652", ip=address, user=user)
    if not trusted(ctx.estate, ctx.hmc, address, user):
        ctx.hmc.trusted.append(f"{user}@{address}")
    return Result(0)


def _local_keys(ctx: Ctx, add: object, remove: object) -> Result:
    """``mkauthkeys -a "KEY"`` / ``-r "KEY or its comment"`` on the calling user's authorized keys."""
    account = ctx.estate.user(ctx.session.hmc, ctx.session.user)
    if account is None:
        raise fail("HSCL350B")
    if isinstance(add, str) and add and add not in account.authorized_keys:
        account.authorized_keys.append(add)
    if isinstance(remove, str) and remove:
        account.authorized_keys[:] = [k for k in account.authorized_keys
                                      if k != remove and not k.endswith(" " + remove)]
    return Result(0)
