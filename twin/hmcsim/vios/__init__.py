"""The Virtual I/O Server behind viosvrcmd: its padmin (ioscli) commands and device view.

Everything a VIOS shows is derived from the model on each command (see devices.py and naming.py);
chdev writes back into the model so that HMC-side checks see the change.

Public entry points:
- :func:`run` — run one ioscli command (argv list) on a VIOS partition: (exit status, output);
- :func:`pending_changes` / :func:`apply_pending` — chdev -perm values waiting for a VIOS restart;
- :func:`on_restart` — what a VIOS restart does to its devices (apply pending values, SEA failover); the
  restart itself (migrations through it, the time it is down) is :mod:`hmcsim.vios_restart`.
"""
from __future__ import annotations

from ..model import Lpar, ManagedSystem
from . import chdev, entstat, lsdev, lsmap, lspv, misc  # noqa: F401  (importing registers the commands)
from .attrs import apply_pending, pending_changes
from .sea import recompute_states
from .shell import VIOS_COMMANDS, ViosError, run


def on_restart(ms: ManagedSystem, lpar: Lpar) -> dict[str, dict[str, str]]:
    """Apply a VIOS's pending chdev -perm values and settle SEA failover; returns what was applied."""
    applied = apply_pending(lpar.vios) if lpar.vios is not None else {}
    recompute_states(ms)
    return applied


__all__ = ["VIOS_COMMANDS", "ViosError", "apply_pending", "on_restart", "pending_changes", "recompute_states", "run"]
