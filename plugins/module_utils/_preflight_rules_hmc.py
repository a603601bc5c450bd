# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Management console rules for a target managed by another HMC (remote migration)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, rule

# Remote migration needs HMC V7R3.4 or later on both consoles (field guide slides 17-18).
REMOTE_MIN_VERSION = (7, 3, 4)
_VERSION_RE = re.compile(r"V(\d+)R(\d+)(?:\.(\d+))?(?:\.(\d+))?", re.IGNORECASE)


def hmc_version(text: str | None) -> tuple[int, ...] | None:
    """``V7R7.8.0`` -> (7, 7, 8, 0); None when it cannot be read."""
    match = _VERSION_RE.match((text or "").strip())
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def trust_command(remote: str, user: str, test: bool) -> list[str]:
    return ["mkauthkeys", "-u", user, "--ip", remote] + (["--test"] if test else [])


@rule("LPM-HMC-001", "SSH key trust from the source HMC to the target's HMC", guide="slides 17-18 (remote migration)")
def remote_trust(ctx: PairContext) -> Iterator[Outcome]:
    if not ctx.remote:
        return
    local, remote = ctx.facts.hmc_name(ctx.src["name"]), ctx.facts.hmc_name(ctx.dst["name"])
    trust = ctx.facts.trust(remote)
    if trust is None:
        yield Unknown(f"the trust from {local} to {remote} was not tested (the source HMC was not connected)")
    elif trust["trusted"] is None:
        yield Unknown(f"the trust from {local} to {remote} could not be tested: {trust['detail']}")
    elif not trust["trusted"]:
        yield Hit(
            remote, f"{local} has no SSH key trust to {remote} for user {trust['user']}: {trust['detail']}",
            f"on {local}: {shlex.join(trust_command(remote, trust['user'], False))} (asks for the remote password); "
            f"check with {shlex.join(trust_command(remote, trust['user'], True))}; or the powervm.lpm.hmc_trust module with "
            f"remote_hmc={remote}, remote_user={trust['user']}",
            {"local_hmc": local, "remote_hmc": remote, "user": trust["user"]}, local,
        )


@rule("LPM-HMC-002", "Both HMCs are V7R3.4 or later for a remote migration", guide="slides 7, 17-18")
def remote_level(ctx: PairContext) -> Iterator[Outcome]:
    if not ctx.remote:
        return
    minimum = "V7R3.4"
    for system in ctx.both():
        hmc = ctx.facts.hmc_of[system["name"]]
        version = hmc_version(hmc["version"])
        if version is None:
            yield Unknown(f"the version of HMC {hmc['name']} was not read")
        elif version < REMOTE_MIN_VERSION:
            yield Hit(
                hmc["name"], f"HMC {hmc['name']} runs {hmc['version']}; remote migration needs {minimum} or later",
                f"update HMC {hmc['name']} to {minimum} or later", {"hmc": hmc["name"], "version": hmc["version"], "minimum": minimum},
                hmc["name"],
            )
