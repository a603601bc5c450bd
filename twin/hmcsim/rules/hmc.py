"""Management console checks: remote HMC trust and level, and a reachable destination."""
from __future__ import annotations

import re
from typing import Iterator, Optional

from ..model import Hmc
from .base import Check, Fields, rule

# Remote migration needs HMC V7R3.4 or later on both consoles (field guide, slides 17-18).
REMOTE_MIN_VERSION = (7, 3, 4)
# The user named in HSCL3653 when the request carries none (migrlpar defaults -u to the caller).
DEFAULT_REMOTE_USER = "hscroot"


def hmc_version(text: str) -> Optional[tuple[int, ...]]:
    """``V7R7.8.0`` -> (7, 7, 8, 0); None when the string cannot be read."""
    match = re.match(r"V(\d+)R(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip(), re.IGNORECASE)
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def _local(check: Check) -> Optional[Hmc]:
    return check.estate.hmcs.get(check.src.hmc)


def _remote(check: Check) -> Optional[Hmc]:
    return check.estate.hmc_by_address(check.req.remote_hmc) if check.req.remote_hmc else None


def trust_failed(check: Check) -> bool:
    """Whether a remote HMC was named and is unknown or not trusted for the user."""
    if not check.req.remote_hmc:
        return False
    local, remote = _local(check), _remote(check)
    return local is None or remote is None or not _trusted(local, remote, check.req.remote_user)


def _trusted(local: Hmc, remote: Hmc, user: str) -> bool:
    refs = {remote.name, remote.ipaddr}
    for entry in local.trusted:
        who, _, where = entry.rpartition("@")
        if where in refs and (not who or not user or who == user):
            return True
    return False


@rule("remote_hmc_trust", needs_target=False)
def remote_hmc_trust(check: Check) -> Iterator[Fields]:
    """Remote migration checklist (slides 17-18): the remote HMC is reachable and SSH key
    authentication to it is set up (mkauthkeys) for the user."""
    if trust_failed(check):
        yield {"user": check.req.remote_user or DEFAULT_REMOTE_USER}


@rule("remote_hmc_level", needs_target=False)
def remote_hmc_level(check: Check) -> Iterator[Fields]:
    """HMC checklist (slide 17): remote operation needs HMC V7R3.4 or later on both consoles."""
    if not check.req.remote_hmc:
        return
    minimum = "V" + "R".join([str(REMOTE_MIN_VERSION[0]), ".".join(map(str, REMOTE_MIN_VERSION[1:]))])
    for hmc in (_local(check), _remote(check)):
        if hmc is None:
            continue
        version = hmc_version(hmc.version)
        if version is not None and version < REMOTE_MIN_VERSION:
            yield {"hmc": hmc.name, "version": hmc.version, "minimum": minimum}


@rule("target_known", needs_target=False)
def target_known(check: Check) -> Iterator[Fields]:
    """HMC checklist (slide 17): the destination system must be managed by this HMC, or by the remote
    HMC named with --ip; otherwise it cannot be reached."""
    if trust_failed(check):
        return
    remote = _remote(check)
    hmc_name = remote.name if remote is not None else check.src.hmc
    if check.dst is None or check.dst.hmc != hmc_name:
        yield {"hmc": check.req.remote_hmc or hmc_name}
