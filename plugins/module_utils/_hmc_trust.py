# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""SSH key trust from this HMC to a remote HMC, which remote partition migration needs (hmc-cli-facts.md §5.5).

``mkauthkeys --ip R -u U --test`` exits 0 when the trust exists. ``mkauthkeys --ip R -u U --passwd P``
sets it up, using the password of user U on the remote HMC once. The password only ever appears in
the argv sent to the HMC; commands shown in results and errors are masked with the client's redaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import display_command, redact_text
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HINTS, HmcCommandError
from ansible_collections.powervm.lpm.plugins.module_utils._prepare_common import Client, PrepareError

STATES = ("present", "tested")


@dataclass(frozen=True)
class TrustRequest:
    remote_hmc: str
    remote_user: str
    remote_password: str | None = None
    state: str = "present"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.remote_password,) if self.remote_password else ()


@dataclass
class TrustOutcome:
    before: bool
    after: bool
    commands: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.commands)

    def to_result(self, request: TrustRequest) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "remote_hmc": request.remote_hmc,
            "remote_user": request.remote_user,
            "trusted": self.after,
            "commands": self.commands,
            "diff": {"before": {"trusted": self.before}, "after": {"trusted": self.after}},
        }


def test_command(remote: str, user: str) -> list[str]:
    return ["mkauthkeys", "--ip", remote, "-u", user, "--test"]


def setup_command(remote: str, user: str, password: str) -> list[str]:
    return ["mkauthkeys", "--ip", remote, "-u", user, "--passwd", password]


def is_trusted(client: Client, request: TrustRequest) -> tuple[bool, str]:
    """Run the test; any non-zero exit means no usable trust. Returns (trusted, the HMC's text)."""
    result = client.run(test_command(request.remote_hmc, request.remote_user), read_only=True, check=False,
                        secrets=request.secrets)
    text = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
    return result.rc == 0, text


def _untrusted(request: TrustRequest, text: str, what: str, **extra: Any) -> PrepareError:
    return PrepareError(
        f"{what}: this HMC has no SSH key trust to {request.remote_hmc} for user {request.remote_user}"
        + (f" ({text})" if text else "") + f". {HINTS['HSCL3653']}",
        remote_hmc=request.remote_hmc,
        remote_user=request.remote_user,
        trusted=False,
        **extra,
    )


def ensure(client: Client, request: TrustRequest, check_mode: bool) -> TrustOutcome:
    """Test the trust; with state=present set it up when missing and test again."""
    if request.state not in STATES:
        raise PrepareError(f"state must be one of {', '.join(STATES)}")
    trusted, text = is_trusted(client, request)
    if trusted:
        return TrustOutcome(True, True)
    if request.state == "tested":
        raise _untrusted(request, redact_text(text, request.secrets), "state=tested")
    if not request.remote_password:
        raise PrepareError("remote_password is needed to set up the trust (state=present)", trusted=False)
    argv = setup_command(request.remote_hmc, request.remote_user, request.remote_password)
    shown = display_command(argv, request.secrets)
    outcome = TrustOutcome(False, True, [shown])
    if check_mode:
        return outcome
    try:
        client.run(argv, secrets=request.secrets)
    except HmcCommandError as exc:
        raise PrepareError(redact_text(exc.message, request.secrets), cmd=shown, rc=exc.rc,
                           hscl_code=exc.code, hint=exc.hint, trusted=False) from None
    trusted, text = is_trusted(client, request)
    if not trusted:
        raise _untrusted(request, redact_text(text, request.secrets), f"{shown} succeeded but the test still fails",
                         commands=[shown], changed=True)
    return outcome
