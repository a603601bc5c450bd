# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Exceptions raised by the HMC client and the parsing of HMC/VIOS error texts.

Every exception derives from HmcError so a module's main() can catch them in one place and
pass ``error.to_result()`` to ``fail_json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Remediation hints, keyed by HSCL code, VIOS/AIX message number or generic error kind.
# Codes marked "unconfirmed" in the reference are phrased as likely causes, never as facts.
HINTS: dict[str, str] = {
    "HSCLA246": (
        "RMC is not active between the HMC and a partition. Check 'lssyscfg -r lpar -F name,rmc_state' on the HMC, "
        "and on the partition or VIOS restart RMC with 'rmcctrl -z; rmcctrl -A; rmcctrl -p' (open port 657)."
    ),
    "HSCLA319": (
        "A virtual FC client adapter cannot be hosted on the destination. Check NPIV zoning and LUN masking of BOTH "
        "WWPNs of every virtual FC adapter, and that the destination VIOS has NPIV-capable ports on the same fabric."
    ),
    "HSCL3653": (
        "SSH trust between the source and destination HMCs is not set up. Run 'mkauthkeys --ip <remote HMC> -u <user>' "
        "on the source HMC (check with 'mkauthkeys --ip <remote HMC> -u <user> --test')."
    ),
    "HSCL8012": "The partition name was not found on that managed system. Check the spelling and the managed system name.",
    "HSCL350B": "The HMC user lacks the authority for this command. Use a user with the hmcsuperadmin role or adjust its task role.",
    "HSCLA4C0": "The managed system does not support virtual fibre channel.",
    "HSCL2970": "A VIOS command run through viosvrcmd failed. The VIOS message is part of the error text.",
    "HSCLA2CF": "The mobile partition did not complete its part of the migration (often a suspend timeout). Check the partition's OS logs.",
    "HSCL365C": "The migration failed while the partition was being suspended or resumed. Check the partition's OS logs and retry.",
    "HSCLA24E": (
        "A virtual SCSI adapter probably cannot be hosted by a destination VIOS. Check that every backing device is a whole "
        "physical volume visible to the destination VIOS, with a compatible reserve_policy."
    ),
    "HSCLA27C": (
        "The HMC could not locate a backing device on a VIOS. This is commonly caused by reserve_policy=single_path or unmapped "
        "disks: set 'chdev -dev hdiskN -attr reserve_policy=no_reserve' on both VIOS."
    ),
    "HSCLA252": (
        "A destination VIOS has too few free virtual slots for the adapters the migration creates. Raise its "
        "max_virtual_slots (a profile change: chsyscfg -r prof, then restart the VIOS with that profile) or remove unused "
        "virtual adapters."
    ),
    "HSCLA25C": (
        "A requested destination VIOS slot is taken, or at or above the VIOS's max_virtual_slots. Give another slot in the "
        "mapping, free that slot, or raise max_virtual_slots of the VIOS (chsyscfg -r prof, then restart it with that profile)."
    ),
    "0514-062": "The VIOS device is busy. Change it with '-perm' (applies at the next reboot) or release the device first.",
    "missing_parameter": "The HMC rejected the command: a required parameter is missing or has an invalid value.",
    "invalid_parameter": "The HMC rejected a parameter that this HMC version does not know. Check the HMC version.",
}

_HSCL_RE = re.compile(r"\bHSCL[0-9A-F]{4}\b")
_NESTED_RE = re.compile(r"\b(HSCL[0-9A-F]{4}):\s*(HSCL[0-9A-F]{4})\b")
_AIX_RE = re.compile(r"\b\d{4}-\d{3}\b")
_VIOS_BLOCK_RE = re.compile(r"VIOS_DETAILED_ERROR\s*\n(.*?)\n?\s*End Detailed Message\.", re.DOTALL)
_GENERIC = (
    ("missing_parameter", "is either missing a required parameter or a parameter value is invalid"),
    ("invalid_parameter", "An invalid parameter was entered"),
)


@dataclass(frozen=True)
class ErrorDetails:
    """What could be read from the text of a failed HMC or VIOS command."""

    code: str | None
    inner_code: str | None
    codes: tuple[str, ...]
    aix_codes: tuple[str, ...]
    vios_detail: tuple[str, ...]
    kind: str | None
    message: str
    hint: str | None


def parse_error_text(text: str) -> ErrorDetails:
    """Read HSCL codes, nested codes, the VIOS detailed block and generic texts from an error message."""
    message = text.strip()
    nested = _NESTED_RE.search(message)
    codes = tuple(dict.fromkeys(_HSCL_RE.findall(message)))
    block = _VIOS_BLOCK_RE.search(message)
    vios_detail = tuple(line.strip() for line in block.group(1).splitlines() if line.strip()) if block else ()
    aix_codes = tuple(dict.fromkeys(_AIX_RE.findall(message)))
    kind = next((name for name, needle in _GENERIC if needle in message), None)
    code = nested.group(1) if nested else (codes[0] if codes else None)
    inner_code = nested.group(2) if nested else None
    hint = _pick_hint((inner_code, code, *codes, *aix_codes, kind))
    return ErrorDetails(code, inner_code, codes, aix_codes, vios_detail, kind, message, hint)


def _pick_hint(keys: tuple[str | None, ...]) -> str | None:
    for key in keys:
        if key is not None and key in HINTS:
            return HINTS[key]
    return None


class HmcError(Exception):
    """Base class of every error raised by the HMC helpers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_result(self) -> dict[str, Any]:
        """Keyword arguments for AnsibleModule.fail_json()."""
        return {"msg": self.message, "error_type": type(self).__name__}


class HmcConnectionError(HmcError):
    """The TCP connection or SSH transport could not be set up or was lost."""


class HmcAuthError(HmcError):
    """The HMC refused every configured authentication method."""


class HmcHostKeyError(HmcError):
    """The HMC host key is unknown or differs from the known_hosts entry."""

    def __init__(self, message: str, fingerprint: str | None = None) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint

    def to_result(self) -> dict[str, Any]:
        result = super().to_result()
        result["host_key_fingerprint"] = self.fingerprint
        return result


class HmcTimeout(HmcError):
    """A command did not finish within its timeout."""


class HmcInputError(HmcError, ValueError):
    """A value cannot be carried safely by the HMC command grammar."""


class HmcParseError(HmcError, ValueError):
    """HMC or VIOS output did not have the expected format."""


class HmcCommandError(HmcError):
    """A command ran and returned a non-zero exit status.

    ``cmd`` is the redacted command line; ``code`` the outer HSCL code, ``inner_code`` a nested one.
    """

    def __init__(self, cmd: str, rc: int, stdout: str, stderr: str) -> None:
        details = parse_error_text("\n".join(part for part in (stdout.strip(), stderr.strip()) if part))
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.details = details
        self.code = details.code
        self.inner_code = details.inner_code
        self.hint = details.hint
        summary = f"{cmd} failed with rc={rc}: {details.message or '(no output)'}"
        if details.hint:
            summary = f"{summary} Hint: {details.hint}"
        super().__init__(summary)

    def to_result(self) -> dict[str, Any]:
        result = super().to_result()
        result.update(
            cmd=self.cmd,
            rc=self.rc,
            stdout=self.stdout,
            stderr=self.stderr,
            hscl_code=self.code,
            hscl_inner_code=self.inner_code,
            hint=self.hint,
            vios_detail=list(self.details.vios_detail),
        )
        return result
