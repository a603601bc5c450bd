"""Helpers for the VIOS command tests: run an ioscli command through viosvrcmd on the seed lab."""
from __future__ import annotations

import shlex
from typing import Callable

from hmcsim.core import Outcome, Result
from hmcsim.estate import Estate
from hmcsim.model import Lpar, ManagedSystem

P750 = "p750-Server-8233-E8B-SN069348P"
P740 = "p740-Server-8205-E6B-SN10934CP"
WRAPPER = "HSCL2970 The IOServer command has failed because of the following reason: \n"
AIX_PREFIX = "Some error messages may contain invalid information\nfor the Virtual I/O Server environment.\n"


def on_vios(run: Callable[[str], Outcome], command: str, vios: str = "b750vio1", system: str = P750) -> Result:
    """``viosvrcmd -m SYSTEM -p VIOS -c COMMAND`` with COMMAND quoted as one argument."""
    outcome = run(f"viosvrcmd -m {system} -p {vios} -c {shlex.quote(command)}")
    if not isinstance(outcome, Result):
        raise TypeError("viosvrcmd does not block")
    return outcome


def lpar(estate: Estate, name: str) -> tuple[ManagedSystem, Lpar]:
    found = list(estate.locate(name))
    if len(found) != 1:
        raise LookupError(name)
    return found[0]


def disk(estate: Estate, vios: str, name: str):
    _, lp = lpar(estate, vios)
    if lp.vios is None:
        raise LookupError(vios)
    return next(d for d in lp.vios.disks if d.name == name)
