# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The concurrency limits the evacuation planner and the evacuation run share.

An HMC limits concurrent migrations per managed system, active and inactive counted apart, on the
source and on the destination (``lslparmigr -r sys``: ``num_active_migrations_supported``, 16 on
current firmware, and ``num_inactive_migrations_supported``; its validation compares each with the
migrations in progress), and each mover service partition by its ``cfg_msp_lpm_ops`` (8 by default;
active migrations only). It has no limit on migrations in flight in all. The planner's simulation
(``_plan_sim``) and the run's caps (``_evac_caps``) both count exactly those limits, plus the caps of
the policy, so the plan predicts the parallelism the run is allowed. A cap in all is the policy's
choice (``policy.max_concurrent``), never a default: a default the planner did not know would hold
migrations back that the plan started.
"""

from __future__ import annotations

DEFAULT_MSP_OPS = 8  # vioslpm0 cfg_msp_lpm_ops default: active migrations one MSP serves at once
# Concurrent migrations per system every firmware level supports: assumed when a system does not report its own.
DEFAULT_SYSTEM_CAP = 4
DEFAULT_MAX_CONCURRENT: int | None = None  # migrations in flight in all when no cap is set: no such cap


def run_cap(policy_cap: int | None, option_cap: int | None = DEFAULT_MAX_CONCURRENT) -> int | None:
    """The cap in all a run holds: the policy's (the plan knows it), else the run's own option, else none."""
    return policy_cap if policy_cap is not None else option_cap
