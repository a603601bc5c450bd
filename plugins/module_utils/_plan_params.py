# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The planner's parameters from plain dicts (module options, benchmark files): Policy and Physics.

Keys set to None take the default, so the dicts Ansible builds from suboptions can be passed as they
are. Unknown keys and values out of range raise :class:`PlanInputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.powervm.lpm.plugins.module_utils._concurrency_limits import DEFAULT_MAX_CONCURRENT
from ansible_collections.powervm.lpm.plugins.module_utils._plan_model import DEFAULT_LINK_PAYLOAD_MBS, DEFAULT_STREAM_MBS, Physics, Workload, speed_key
from ansible_collections.powervm.lpm.plugins.module_utils._plan_types import INACTIVE_POLICIES, STORAGE_POLICIES, DisruptionGroup, Policy

PHYSICS_SECONDS = ("t_validate_s", "t_create_s", "t_msp_setup_s", "t_cleanup_s", "t_suspend_s", "t_inactive_copy_s", "v_th_seconds")
WORKLOAD_KEYS = ("dirty_rate_mbs", "wws_pct", "touched_fraction")
PHYSICS_KEYS = (*PHYSICS_SECONDS, "n_max", "link_payload_mbs", "stream_mbs", "msp_link_gbps", "msp_links", *WORKLOAD_KEYS, "workloads")
CAP_KEYS = ("max_concurrent", "max_per_system", "max_inactive_per_system", "max_per_msp", "max_per_msp_pair")
POLICY_KEYS = ("exclude", "pin", "disruption_groups", "inactive", "reserve_inactive_capacity", "unverified_storage", "fc_fabrics", *CAP_KEYS, "max_evaluations")


class PlanInputError(ValueError):
    """A parameter of the planner is not acceptable."""


def _given(data: Mapping[str, Any] | None, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PlanInputError(f"{what} must be a dict")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise PlanInputError(f"unknown {what} keys: {', '.join(unknown)}")
    return {k: v for k, v in data.items() if v is not None}


def _number(value: Any, name: str, minimum: float = 0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise PlanInputError(f"{name} must be a number") from exc
    if number < minimum:
        raise PlanInputError(f"{name} must be at least {minimum:g}")
    return number


def _rates(value: Any, name: str, default: Mapping[str, float]) -> dict[str, float]:
    """A speed table: the defaults, with the speeds given replaced or added."""
    table = dict(default)
    if value is None:
        return table
    if not isinstance(value, Mapping):
        raise PlanInputError(f"{name} must be a dict of link speed (Gbit/s) to MB/s")
    for speed in sorted(value, key=str):
        table[speed_key(_number(speed, f"{name} speed", 0.001))] = _number(value[speed], f"{name}[{speed}]", 0.001)
    return table


def workload(data: Mapping[str, Any] | None, base: Workload, what: str) -> Workload:
    given = _given(data, WORKLOAD_KEYS, what)
    fraction = _number(given.get("touched_fraction", base.touched_fraction), f"{what}.touched_fraction")
    if fraction > 1.0:
        raise PlanInputError(f"{what}.touched_fraction must be at most 1")
    return Workload(
        dirty_rate_mbs=_number(given.get("dirty_rate_mbs", base.dirty_rate_mbs), f"{what}.dirty_rate_mbs"),
        wws_pct=_number(given.get("wws_pct", base.wws_pct), f"{what}.wws_pct"),
        touched_fraction=fraction,
    )


def physics_from(data: Mapping[str, Any] | None) -> Physics:
    """Physics from a dict of the keys in PHYSICS_KEYS; missing keys take the lpm-model.md §2.5 defaults."""
    given = _given(data, PHYSICS_KEYS, "physics")
    base = Physics()
    seconds = {k: _number(given.get(k, getattr(base, k)), f"physics.{k}") for k in PHYSICS_SECONDS}
    n_max = int(_number(given.get("n_max", base.n_max), "physics.n_max"))
    default_workload = workload({k: given.get(k) for k in WORKLOAD_KEYS}, base.workload, "physics")
    workloads = {str(name): workload(w, default_workload, f"physics.workloads.{name}") for name, w in sorted(dict(given.get("workloads", {})).items())}
    links = {str(k): _number(v, f"physics.msp_links.{k}", 0.001) for k, v in sorted(dict(given.get("msp_links", {})).items())}
    return Physics(
        **seconds,
        n_max=n_max,
        link_payload_mbs=_rates(given.get("link_payload_mbs"), "physics.link_payload_mbs", DEFAULT_LINK_PAYLOAD_MBS),
        stream_mbs=_rates(given.get("stream_mbs"), "physics.stream_mbs", DEFAULT_STREAM_MBS),
        msp_link_gbps=_number(given.get("msp_link_gbps", base.msp_link_gbps), "physics.msp_link_gbps", 0.001),
        msp_links=links,
        workload=default_workload,
        workloads=workloads,
    )


def _groups(value: Any) -> tuple[DisruptionGroup, ...]:
    out = []
    for n, group in enumerate(value or ()):
        if isinstance(group, Mapping):
            name, members = str(group.get("name") or f"group{n + 1}"), group.get("members") or ()
        else:
            name, members = f"group{n + 1}", group
        if isinstance(members, (str, bytes)):
            raise PlanInputError(f"disruption group {name}: members must be a list")
        out.append(DisruptionGroup(name, tuple(sorted({str(m) for m in members}))))
    return tuple(out)


def _cap(value: Any, name: str) -> int | None:
    if value is None:
        return None
    cap = int(_number(value, f"policy.{name}", 1))
    return cap


def policy_from(data: Mapping[str, Any] | None) -> Policy:
    """Policy from a dict of the keys in POLICY_KEYS."""
    given = _given(data, POLICY_KEYS, "policy")
    inactive = str(given.get("inactive", "move"))
    if inactive not in INACTIVE_POLICIES:
        raise PlanInputError(f"policy.inactive must be one of {', '.join(INACTIVE_POLICIES)}")
    storage = str(given.get("unverified_storage", "allow"))
    if storage not in STORAGE_POLICIES:
        raise PlanInputError(f"policy.unverified_storage must be one of {', '.join(STORAGE_POLICIES)}")
    exclude = given.get("exclude", ())
    if isinstance(exclude, (str, bytes)):
        raise PlanInputError("policy.exclude must be a list")
    return Policy(
        exclude=tuple(sorted({str(x) for x in exclude})),
        pin={str(k): str(v) for k, v in sorted(dict(given.get("pin", {})).items())},
        disruption_groups=_groups(given.get("disruption_groups")),
        inactive=inactive,
        reserve_inactive_capacity=bool(given.get("reserve_inactive_capacity", True)),
        unverified_storage=storage,
        fc_fabrics={str(k): str(v) for k, v in sorted(dict(given.get("fc_fabrics", {})).items())},
        max_concurrent=_cap(given.get("max_concurrent", DEFAULT_MAX_CONCURRENT), "max_concurrent"),
        max_per_system=_cap(given.get("max_per_system"), "max_per_system"),
        max_inactive_per_system=_cap(given.get("max_inactive_per_system"), "max_inactive_per_system"),
        max_per_msp=_cap(given.get("max_per_msp"), "max_per_msp"),
        max_per_msp_pair=_cap(given.get("max_per_msp_pair"), "max_per_msp_pair"),
        max_evaluations=int(_number(given.get("max_evaluations", 0), "policy.max_evaluations")),
    )
