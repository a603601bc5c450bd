"""migrlpar options -> partitions, target system and MigrationRequest (hmc-cli-facts.md §5.1, §5.3)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..core import Ctx, OptSpec, Options, fail, generic
from ..formats import parse_input_data, split_list
from ..migration import error, kind_of, table
from ..model import Lpar, ManagedSystem
from ..request import Mapping, MigrationRequest, MspPair


def spec() -> OptSpec:
    options = {"-o": 1, "-m": 1, "-t": 1, "--ip": 1, "-u": 1, "-p": 1, "--id": 1, "--all": 0, "-n": 1, "-r": 1,
               "-f": 1, "-i": 1, "-w": 1, "-d": 1, "--force": 0, "-v": 0, "--nodetails": 0, "--help": 0}
    options.update({flag: 1 for flag in table()["flag_values"]})
    options.update({flag: 0 for flag in table()["switch_flags"]})
    return OptSpec(options)


def partitions(ms: ManagedSystem, opts: Options, allow_all: bool = True) -> list[Lpar]:
    """The partitions named by -p, --id or --all (VIOS excluded from --all)."""
    chosen = [o for o in ("-p", "--id", "--all") if o in opts and (allow_all or o != "--all")]
    if len(chosen) != 1:
        raise generic("missing_parameter", params="-p, --id" + (", --all" if allow_all else ""))
    if chosen[0] == "--all":
        return sorted((lp for lp in ms.lpars if lp.env != "vioserver"), key=lambda lp: lp.id)
    out: list[Lpar] = []
    if chosen[0] == "-p":
        for name in split_list(str(opts["-p"])):
            lp = next((x for x in ms.lpars if x.name == name), None)
            if lp is None:
                raise fail("HSCL8012", lpar=name)
            out.append(lp)
        return out
    for text in split_list(str(opts["--id"])):
        try:
            lpar_id = int(text)
        except ValueError:
            raise generic("missing_parameter", params="--id") from None
        lp = next((x for x in ms.lpars if x.id == lpar_id), None)
        if lp is None:
            raise fail("HSCL8013", lpar_id=lpar_id)
        out.append(lp)
    return out


def remote(ctx: Ctx, opts: Options) -> tuple[str, str]:
    """(remote HMC as given with --ip, remote user: -u or the caller)."""
    if "--ip" not in opts:
        if "-u" in opts:
            raise generic("missing_parameter", params="--ip")
        return "", ""
    return str(opts["--ip"]), str(opts.get("-u", ctx.session.user))


def target_system(ctx: Ctx, opts: Options) -> Optional[ManagedSystem]:
    """The -t system: on the remote HMC with --ip, else anywhere in the estate (validation says
    whether this HMC can reach it); None when no such system exists."""
    opts.need("-t")
    ref = str(opts["-t"])
    if "--ip" in opts:
        hmc = ctx.estate.hmc_by_address(str(opts["--ip"]))
        return ctx.estate.find_system(ref, hmc=hmc.name) if hmc is not None else None
    return ctx.estate.find_system(ref, hmc=ctx.session.hmc) or ctx.estate.find_system(ref)


def read_input(opts: Options) -> dict[str, str]:
    """-i data, or the contents of the -f file."""
    if "-i" in opts and "-f" in opts:
        raise generic("invalid_parameter", params="-f")
    if "-f" in opts:
        path = Path(str(opts["-f"]))
        try:
            raw = path.read_text()
        except OSError:
            raise error("HSCLA2F5", file=opts["-f"]) from None
        raw = ",".join(line.strip() for line in raw.splitlines() if line.strip())
        source = "-f"
    else:
        raw = str(opts.get("-i", ""))
        source = "-i"
    try:
        return parse_input_data(raw)
    except ValueError:
        raise generic("missing_parameter", params=source) from None


def check_attributes(data: dict[str, str], allowed: list[str]) -> None:
    for name in data:
        if name not in allowed:
            raise generic("invalid_attribute", attr=name)


def flags(opts: Options) -> dict[str, str]:
    """Override / redundancy flags as given, keyed without the dashes; invalid values are refused."""
    out: dict[str, str] = {}
    for flag, values in table()["flag_values"].items():
        if flag in opts:
            value = str(opts[flag])
            if value not in [str(v) for v in values]:
                raise generic("missing_parameter", params=flag)
            out[flag.lstrip("-")] = value
    for flag in table()["switch_flags"]:
        if flag in opts:
            out[flag.lstrip("-")] = "1"
    return out


def number(opts: Options, name: str, low: int = 0, high: Optional[int] = None) -> Optional[int]:
    if name not in opts:
        return None
    try:
        value = int(str(opts[name]))
    except ValueError:
        raise generic("missing_parameter", params=name) from None
    if value < low or (high is not None and value > high):
        raise generic("missing_parameter", params=name)
    return value


def _int(data: dict[str, str], attr: str) -> Optional[int]:
    if attr not in data or data[attr] == "":
        return None
    try:
        return int(data[attr])
    except ValueError:
        raise error("HSCLA2F2", value=data[attr], attr=attr, valid="an integer") from None


def mappings(data: dict[str, str], attr: str) -> list[Mapping]:
    """client_slot/dest_vios_name/dest_vios_id[/dest_vios_slot[/dest_fc_port]] elements."""
    out: list[Mapping] = []
    for element in split_list(data.get(attr, "")):
        parts = element.split("/")
        try:
            if len(parts) < 2 or len(parts) > 5:
                raise ValueError(element)
            parts += [""] * (5 - len(parts))
            out.append(Mapping(int(parts[0]), parts[1], int(parts[2]) if parts[2] else None,
                               int(parts[3]) if parts[3] else None, parts[4]))
        except ValueError:
            raise error("HSCLA2F2", value=element, attr=attr,
                        valid="client_slot/dest_vios_name/dest_vios_id[/dest_vios_slot[/dest_fc_port]]") from None
    return out


def msp_pairs(data: dict[str, str]) -> list[MspPair]:
    """redundant_msps: group/src_msp_name/src_msp_id/src_msp_ipaddr/dest_msp_name/dest_msp_id/dest_msp_ipaddr
    elements, two with the same group (the primary pair, then the second)."""
    out: list[MspPair] = []
    valid = "group/src_msp_name/src_msp_id/src_msp_ipaddr/dest_msp_name/dest_msp_id/dest_msp_ipaddr"
    for element in split_list(data.get("redundant_msps", "")):
        parts = element.split("/")
        try:
            if len(parts) != 7:
                raise ValueError(element)
            out.append(MspPair(parts[0], parts[1], int(parts[2]) if parts[2] else None,
                               parts[4], int(parts[5]) if parts[5] else None))
        except ValueError:
            raise error("HSCLA2F2", value=element, attr="redundant_msps", valid=valid) from None
    if out and (len(out) != 2 or out[0].group != out[1].group):
        raise error("HSCLA2F2", value=data["redundant_msps"], attr="redundant_msps",
                    valid=f"two elements of the same group, {valid}")
    return out


def build(ctx: Ctx, opts: Options, op: str, source: ManagedSystem, lp: Lpar,
          target: Optional[ManagedSystem], data: dict[str, str], override: dict[str, str]) -> MigrationRequest:
    remote_hmc, remote_user = remote(ctx, opts)
    return MigrationRequest(
        op=op, source=source, lpar=lp, target=target, kind=kind_of(lp),
        remote_hmc=remote_hmc, remote_user=remote_user, profile_name=str(opts.get("-n", "")),
        dest_lpar_id=_int(data, "dest_lpar_id"),
        source_msp_name=data.get("source_msp_name", ""), source_msp_id=_int(data, "source_msp_id"),
        dest_msp_name=data.get("dest_msp_name", ""), dest_msp_id=_int(data, "dest_msp_id"),
        shared_proc_pool_name=data.get("shared_proc_pool_name", ""),
        shared_proc_pool_id=_int(data, "shared_proc_pool_id"),
        scsi_mappings=mappings(data, "virtual_scsi_mappings"),
        fc_mappings=mappings(data, "virtual_fc_mappings"), redundant_msps=msp_pairs(data),
        flags=dict(override), wait_minutes=number(opts, "-w"), force="--force" in opts,
        input_data=dict(data))
