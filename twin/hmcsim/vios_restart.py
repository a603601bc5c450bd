"""A VIOS restart: what it keeps, what it resets, and what it does to migrations through it.

``restart(estate, system, vios, seconds)`` (``hmcsim ctl vios-restart``):

- migrations in progress that use the VIOS as their source or destination MSP fail with
  ``restart.failure_code`` of data/vios_rules.yaml and need ``migrlpar -o r`` (a migration whose
  partition already resumed on the target completes there on recovery, as after any failure); a
  migration with redundant MSPs instead drops the pair the VIOS belongs to and goes on over the other
  one at that pair's rate (inferred: the resilience redundant MSP pairs are meant to give);
- for ``seconds`` of simulated time the partition is down (``restart.down_state``, RMC inactive): it
  cannot serve as MSP, viosvrcmd refuses it, and its SEAs fail over to the peer VIOS;
- when it is up again (Running, RMC active), every ``chdev -perm`` value waiting for the restart is put
  in effect (disk attributes, SEA attributes, vioslpm0 tunables such as ``cfg_msp_lpm_ops``) and SEA
  failover settles again (:func:`hmcsim.vios.on_restart`);
- everything else is kept: the MSP flag, time reference, vioslpm0 values set without ``-perm``,
  device attributes, mappings and adapters.
"""
from __future__ import annotations

from typing import Any

from .estate import Estate
from .migration import table
from .model import Lpar, ManagedSystem
from .vios import on_restart, pending_changes, recompute_states
from .vios.data import rules


class RestartError(Exception):
    """The restart cannot be done (unknown system or VIOS, not a VIOS, not running)."""


def _find(estate: Estate, system: str, vios: str) -> tuple[ManagedSystem, Lpar]:
    ms = estate.find_system(system)
    if ms is None:
        raise RestartError(f"no managed system {system!r}")
    lp = Estate.find_lpar(ms, name=vios)
    if lp is None:
        raise RestartError(f"no partition {vios!r} on {ms.name}")
    if lp.env != "vioserver":
        raise RestartError(f"{vios} is not a Virtual I/O Server")
    if lp.state != "Running":
        raise RestartError(f"{vios} is {lp.state}, not Running")
    return ms, lp


def through(estate: Estate, ms: ManagedSystem, lp: Lpar) -> list[Any]:
    """Migrations in progress that use this VIOS as an MSP (of either pair)."""
    return [m for m in estate.migrations if m.in_progress
            and ((m.source == ms.name and lp.name in (m.source_msp, m.redundant_source_msp))
                 or (m.target == ms.name and lp.name in (m.dest_msp, m.redundant_dest_msp)))]


def restart(estate: Estate, system: str, vios: str, seconds: float = 0.0, code: str = "") -> dict[str, Any]:
    """Restart a running VIOS; returns what happened (failed migrations, values applied, when it is up)."""
    with estate.lock:
        estate.advance()
        ms, lp = _find(estate, system, vios)
        spec = rules("restart")
        now = estate.clock.now()
        code = code or str(spec["failure_code"])
        reason = str(table()["failure_reasons"]["vios_restart"]).format(msp=lp.name)
        failed, continued = [], []
        for m in through(estate, ms, lp):
            if m.lose_msp(now, lp.name):
                continued.append({"lpar": m.lpar_name, "source_msp": m.source_msp, "dest_msp": m.dest_msp})
                continue
            m.fail(now, code, reason)
            failed.append({"lpar": m.lpar_name, "source": m.source, "target": m.target, "code": code})
        waiting = pending_changes(lp.vios) if lp.vios is not None else {}
        answer: dict[str, Any] = {"system": ms.name, "vios": lp.name, "failed_migrations": failed,
                                  "continued_migrations": continued,
                                  "pending": waiting, "up_at": now + max(0.0, seconds)}
        if seconds > 0:
            state, rmc = lp.state, lp.rmc_state
            lp.state, lp.rmc_state = str(spec["down_state"]), str(spec["down_rmc_state"])
            recompute_states(ms)
            estate.at(now + seconds, lambda: _come_up(ms, lp, state, rmc))
            answer["applied"] = {}
            answer["state"] = lp.state
        else:
            answer["applied"] = on_restart(ms, lp)
            answer["state"] = lp.state
        return answer


def _come_up(ms: ManagedSystem, lp: Lpar, state: str, rmc_state: str) -> None:
    lp.state, lp.rmc_state = state, rmc_state
    on_restart(ms, lp)
