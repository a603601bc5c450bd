"""Virtual networking of the mobile partition (field guide slides 8, 19, 29)."""
from __future__ import annotations

from typing import Iterator

from ..attributes import capability_defaults
from ..estate import Estate
from . import lookup
from .base import Check, Fields, rule


@rule("vlan_bridged")
def vlan_bridged(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19), virtual networking (slide 29), prereqs (slide 8): every VLAN of each
    client virtual Ethernet adapter is bridged on the same virtual switch by a Shared Ethernet Adapter
    of a destination VIOS (--vlanbridge 2 turns the error into a warning)."""
    bridged = lookup.bridged_vlans(check.target)
    reported: set[tuple[str, int]] = set()
    for eth in check.lp.eth:
        if eth.is_trunk:
            continue
        for vlan in [eth.port_vlan_id, *eth.addl_vlan_ids]:
            key = (eth.vswitch, vlan)
            if key not in bridged and key not in reported:
                reported.add(key)
                yield {"vlan": vlan, "vswitch": eth.vswitch, "lpar": check.lp.name}


@rule("vsi_profiles")
def vsi_profiles(check: Check) -> Iterator[Fields]:
    """VIOS checklist (slide 19: validation also checks the VEB/VEPA configuration) and migrlpar --vsi:
    an adapter with a VSI profile needs a destination that supports VSI on virtual Ethernet
    (--vsi 2 turns the error into a warning)."""
    caps = {**capability_defaults(), **Estate.capabilities(check.target)}
    if caps.get("vsi_on_veth_capable", 0):
        return
    for eth in check.lp.eth:
        if eth.vsi_profile and not eth.is_trunk:
            yield {"slot": eth.slot, "lpar": check.lp.name, "profile": eth.vsi_profile}
