"""viosvrcmd: run one padmin (ioscli) command on a Virtual I/O Server over RMC (hmc-cli-facts.md §6).

    viosvrcmd -m SYSTEM {-p VIOS | --id ID} -c "command" [-t timeout] [--admin] [--help]

The HMC side checks the partition (a VIOS, Running, RMC active) and refuses shell metacharacters in
the command; the command line is then split the way the VIOS's restricted shell splits it and run by
hmcsim.vios. The VIOS output comes back verbatim; a VIOS-side failure comes back inside the HSCL2970
wrapper with the VIOS's exit status (both configurable in data/vios_rules.yaml).
"""
from __future__ import annotations

import shlex

from ..core import Ctx, Options, OptSpec, Result, command, fail, generic, hscl, parse_options
from ..model import Lpar, ManagedSystem
from ..vios import run
from ..vios.data import message, rules

SPEC = OptSpec(options={"-m": 1, "-p": 1, "--id": 1, "-c": 1, "-t": 1, "--admin": 0, "--help": 0})
USAGE = ('Usage: viosvrcmd -m <managed system> {-p <partition name> | --id <partition ID>}\n'
         '                 -c "<command>" [-t <timeout>] [--admin] [--help]\n')


@command("viosvrcmd")
def viosvrcmd(ctx: Ctx, args: list[str]) -> Result:
    opts = parse_options(args, SPEC)
    if "--help" in opts:
        return Result(0, USAGE)
    opts.need("-m", "-c")
    if "-p" not in opts and "--id" not in opts:
        raise generic("missing_parameter", params="-p, --id")
    if "-p" in opts and "--id" in opts:
        raise generic("invalid_parameter", params="--id")
    if "-t" in opts and not str(opts["-t"]).isdigit():
        raise generic("missing_parameter", params="-t")
    ms = ctx.system(str(opts["-m"]))
    lpar = _partition(ctx, ms, opts)
    line = str(opts["-c"])
    if not line.strip():
        raise generic("missing_parameter", params="-c")
    _check_partition(lpar)
    _check_metacharacters(line)
    try:
        argv = shlex.split(line)
    except ValueError:
        text, rc = message("syntax_error")
        return _failure(rc, text + "\n")
    rc, out = run(ctx.estate, ms, lpar, argv)
    if rc != 0:
        return _failure(rc, out)
    return Result(0, out)


def _partition(ctx: Ctx, ms: ManagedSystem, opts: Options) -> Lpar:
    if "-p" in opts:
        lpar = ctx.estate.find_lpar(ms, name=str(opts["-p"]))
        if lpar is None:
            raise fail("HSCL8012", lpar=opts["-p"])
        return lpar
    ident = str(opts["--id"])
    if not ident.isdigit():
        raise generic("missing_parameter", params="--id")
    lpar = ctx.estate.find_lpar(ms, lpar_id=int(ident))
    if lpar is None:
        raise fail("HSCL8013", lpar_id=ident)
    return lpar


def _check_partition(lpar: Lpar) -> None:
    if lpar.env != "vioserver":
        raise fail("HSCL2971", lpar=lpar.name)
    rule = rules("viosvrcmd")
    if lpar.state != rule["required_state"] or lpar.rmc_state != rule["required_rmc_state"]:
        raise fail("HSCLA246", lpar=lpar.name)


def _check_metacharacters(line: str) -> None:
    for char in rules("viosvrcmd")["refused_metacharacters"]:
        if char in line:
            raise fail("HSCL2972", command=line, char=char)


def _failure(rc: int, text: str) -> Result:
    rule = rules("viosvrcmd")
    status = rc if rule.get("failure_rc") is None else int(rule["failure_rc"])
    if not rule.get("wrap_failures", True):
        return Result(status, text)
    text = text.rstrip("\n")
    reason = str(rule.get("reason_separator", "")) + text if text else ""
    return Result(status, hscl("HSCL2970", reason=reason) + "\n")
