"""The collection's HMC client interface over the twin's command core, in-process (no SSH).

Every command goes through ``Core.execute`` with a session of its own name, so the twin's command
log counts it exactly as it counts a command that arrived over SSH.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._estate import GatherOptions, GatherResult, gather
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_client import CommandResult
from ansible_collections.powervm.lpm.plugins.module_utils._hmc_errors import HmcCommandError
from hmcsim.core import Core, Pending, Session
from hmcsim.model import Scenario


class CoreClient:
    """``run(argv)`` of the collection's clients, answered by a twin ``Core`` in this process.

    A blocking command (``migrlpar -o m``) is not supported: it needs the simulated clock to move,
    which is the executor's business (bench.executor).
    """

    def __init__(self, core: Core, hmc: str, session_id: str = "bench", user: str = "hscroot") -> None:
        self.core = core
        self.session = Session(hmc, user, session_id)
        self.connections_opened = 1

    def run(self, argv: Sequence[str], *, read_only: bool = False, timeout: float | None = None, check: bool = True,
            secrets: Iterable[str] = ()) -> CommandResult:  # fmt: skip
        del read_only, timeout, secrets
        started = time.monotonic()
        out = self.core.execute(self.session, shlex.join(argv))
        if isinstance(out, Pending):
            raise RuntimeError(f"{argv[0]} blocks; run it through bench.executor")
        result = CommandResult(tuple(argv), out.rc, out.stdout, out.stderr, time.monotonic() - started)
        if check and out.rc != 0:
            raise HmcCommandError(result.command, out.rc, out.stdout, out.stderr)
        return result


def gather_facts(core: Core, hmc: str) -> GatherResult:
    """The estate facts of one HMC of the twin, read by the collection's gathering code."""
    return gather(CoreClient(core, hmc, "bench-gather"), GatherOptions(host=hmc))


def physics_params(scenario: Scenario) -> dict[str, Any]:
    """The planner's ``physics`` parameters for a twin scenario: its timings, link tables, link speeds
    and every partition's workload (the HMC reports neither workloads nor MSP link speeds)."""
    p = scenario.physics
    workloads: dict[str, dict[str, float]] = {}
    links: dict[str, float] = {}
    for system in scenario.systems:
        for lp in system.lpars:
            if lp.vios is not None:
                links[f"{system.name}/{lp.name}"] = lp.vios.msp_link_gbps
            if lp.env != "vioserver":
                w = lp.workload
                workloads[lp.name] = {"dirty_rate_mbs": w.dirty_rate_mbs, "wws_pct": w.wws_pct, "touched_fraction": w.touched_fraction}
    return {
        "t_validate_s": p.t_validate_s,
        "t_create_s": p.t_create_s,
        "t_msp_setup_s": p.t_msp_setup_s,
        "t_cleanup_s": p.t_cleanup_s,
        "t_suspend_s": p.t_suspend_s,
        "t_inactive_copy_s": p.t_inactive_copy_s,
        "v_th_seconds": p.v_th_seconds,
        "n_max": p.n_max,
        "link_payload_mbs": dict(p.link_payload_mbs),
        "stream_mbs": dict(p.stream_mbs),
        "msp_links": links,
        "workloads": workloads,
    }
