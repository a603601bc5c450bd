# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The mover service partition flag (``msp``) and time reference flag (``time_ref``) of a VIOS.

One read (``lssyscfg -r lpar --filter lpar_names=V -F name,lpar_env,msp,time_ref``), then at most one
change (``chsyscfg -r lpar -m S -i name=V,msp=1,time_ref=1``) holding only the flags that differ,
then one read to confirm the HMC shows the new values (hmc-cli-facts.md §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils import _hmc_commands as cmd
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_parsers import parse_fields
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import Client, PrepareError

FLAGS = ("msp", "time_ref")
FIELDS = ("name", "lpar_env", "msp", "time_ref")
VIOS_ENV = "vioserver"


@dataclass(frozen=True)
class MspRequest:
    """The wanted flags of one VIOS; None leaves a flag as it is."""

    system: str
    vios: str
    msp: bool | None = None
    time_ref: bool | None = None

    def wanted(self) -> dict[str, bool]:
        return {name: value for name, value in (("msp", self.msp), ("time_ref", self.time_ref)) if value is not None}


@dataclass
class MspOutcome:
    """What was found, what it is now (or would be, in check mode) and the change commands."""

    before: dict[str, bool]
    after: dict[str, bool]
    commands: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    def to_result(self, request: MspRequest) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "system": request.system,
            "vios": request.vios,
            "msp": self.after["msp"],
            "time_ref": self.after["time_ref"],
            "commands": self.commands,
            "diff": {"before": dict(self.before), "after": dict(self.after)},
        }


def read_command(system: str, vios: str) -> list[str]:
    return cmd.lssyscfg("lpar", system, filters={"lpar_names": vios}, fields=FIELDS)


def change_command(system: str, vios: str, changes: dict[str, bool]) -> list[str]:
    """``chsyscfg -r lpar -m S -i name=V,msp=1[,time_ref=0]`` (flags in the order of FLAGS)."""
    pairs: dict[str, cmd.RecordValue] = {"name": vios}
    pairs.update((name, changes[name]) for name in FLAGS if name in changes)
    return ["chsyscfg", "-r", "lpar", "-m", system, "-i", cmd.build_input_data(pairs)]


def _flag(raw: str, name: str, vios: str) -> bool:
    if raw not in ("0", "1"):
        raise PrepareError(f"the HMC shows {name}={raw!r} for {vios}; expected 0 or 1", vios=vios)
    return raw == "1"


def parse_flags(text: str, system: str, vios: str) -> dict[str, bool]:
    """The flags of ``vios`` from the lssyscfg output; refuses partitions that are not a VIOS."""
    records = [r for r in parse_fields(text, FIELDS) if r["name"] == vios]
    if not records:
        raise PrepareError(f"the partition {vios} was not found on the managed system {system}", system=system, vios=vios)
    record = records[0]
    if record["lpar_env"] != VIOS_ENV:
        raise PrepareError(
            f"{vios} on {system} is not a Virtual I/O Server (lpar_env={record['lpar_env']}): the msp and time_ref "
            "flags of a migration are set on the VIOS partitions that serve as mover service partitions; "
            "name a VIOS of this system instead",
            system=system,
            vios=vios,
            lpar_env=record["lpar_env"],
        )
    return {name: _flag(record[name], name, vios) for name in FLAGS}


def read_flags(client: Client, system: str, vios: str) -> dict[str, bool]:
    result = client.run(read_command(system, vios), read_only=True)
    return parse_flags(result.stdout, system, vios)


def differences(current: dict[str, bool], wanted: dict[str, bool]) -> dict[str, bool]:
    """The wanted flags whose value differs from the current one."""
    return {name: value for name, value in wanted.items() if current[name] != value}


def ensure(client: Client, request: MspRequest, check_mode: bool) -> MspOutcome:
    """Bring the flags of the VIOS to the wanted values; in check mode only say what would run."""
    if not request.wanted():
        raise PrepareError("nothing to do: set msp, time_ref or both")
    before = read_flags(client, request.system, request.vios)
    changes = differences(before, request.wanted())
    after = {**before, **changes}
    if not changes:
        return MspOutcome(before, after)
    argv = change_command(request.system, request.vios, changes)
    outcome = MspOutcome(before, after, [display_command(argv)])
    if check_mode:
        return outcome
    client.run(argv)
    shown = read_flags(client, request.system, request.vios)
    if shown != after:
        raise PrepareError(
            f"{display_command(argv)} succeeded but the HMC still shows msp={int(shown['msp'])},"
            f"time_ref={int(shown['time_ref'])} for {request.vios}",
            system=request.system,
            vios=request.vios,
            commands=outcome.commands,
        )
    return outcome
