"""SEA failover: which SEA of a failover pair bridges (PRIMARY) and which waits (BACKUP).

SEAs on one managed system whose default trunk adapters sit on the same virtual switch with the same
PVID form a failover group. Among the group's SEAs whose ha_mode is not ``disabled``, the one with the
best (lowest) priority that has ha_mode auto or sharing, its link up and its VIOS running becomes
PRIMARY; if none qualifies, standby SEAs are considered too. When every candidate is in sharing
mode the states carry the ``_SH`` suffix. SEAs with ha_mode disabled keep their state.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Lpar, ManagedSystem, Sea
from .naming import topology


@dataclass
class _Member:
    lpar: Lpar
    sea: Sea


def groups(ms: ManagedSystem) -> dict[tuple[str, int], list[_Member]]:
    out: dict[tuple[str, int], list[_Member]] = {}
    for lp in ms.lpars:
        if lp.env != "vioserver" or lp.vios is None:
            continue
        topo = topology(lp.vios, lp)
        for sea in lp.vios.seas:
            eth = topo.veth_of(sea.pvid_adapter)
            key = (eth.vswitch, eth.port_vlan_id) if eth is not None else (f"{lp.name}/{sea.name}", 0)
            out.setdefault(key, []).append(_Member(lp, sea))
    return out


def recompute_states(ms: ManagedSystem) -> None:
    for members in groups(ms).values():
        enabled = [m for m in members if m.sea.ha_mode != "disabled"]
        up = [m for m in enabled if m.sea.link_up and m.lpar.state == "Running"]
        candidates = [m for m in up if m.sea.ha_mode in ("auto", "sharing")] or up
        if not candidates:
            for m in enabled:
                m.sea.state = "BACKUP"
            continue
        primary = min(candidates, key=lambda m: (m.sea.priority, m.lpar.id))
        sharing = len(candidates) > 1 and all(m.sea.ha_mode == "sharing" for m in candidates)
        for m in enabled:
            state = "PRIMARY" if m is primary else "BACKUP"
            m.sea.state = state + ("_SH" if sharing and m in candidates else "")
