# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""Virtual network rules (field guide slides 8, 19, 29)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from ansible_collections.powervm.lpm.plugins.module_utils import _preflight_lookup as lk
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_context import PairContext
from ansible_collections.powervm.lpm.plugins.module_utils._preflight_registry import Hit, Outcome, Unknown, hmc_only_rule, rule


def _trunk_of(ctx: PairContext, vswitch: str) -> tuple[str, int] | None:
    """A running target VIOS and the slot of an SEA trunk adapter on ``vswitch`` (where to add a VLAN)."""
    for vios in lk.vioses(ctx.dst):
        if not lk.running(vios) or vios["vios"] is None:
            continue
        for sea in vios["vios"]["seas"]:
            if vswitch in (sea["vswitch"] or lk.DEFAULT_VSWITCH).split(",") and sea["trunk_slots"]:
                return vios["name"], sea["trunk_slots"][0]
    return None


@rule("LPM-NET-001", "Every VLAN of the partition is bridged by an SEA of a target VIOS on the same virtual switch",
      guide="slides 8, 19, 29")
def vlan_bridged(ctx: PairContext) -> Iterator[Outcome]:
    unread = [p for p in lk.vioses(ctx.dst) if lk.running(p) and not lk.collected(p)]
    bridged = lk.bridged_vlans(ctx.dst)
    reported: set[tuple[str, int]] = set()
    for adapter in ctx.lpar["virtual_eth"]:
        if adapter["is_trunk"]:
            continue
        vswitch = adapter["vswitch"] or lk.DEFAULT_VSWITCH
        vlans = ([adapter["port_vlan_id"]] if adapter["port_vlan_id"] is not None else []) + adapter["addl_vlan_ids"]
        for vlan in vlans:
            key = (vswitch, vlan)
            if key in bridged or key in reported:
                continue
            reported.add(key)
            if unread:
                yield Unknown(f"VLAN {vlan} is not bridged by the VIOS read; {lk.not_read_reason(unread[0])}")
                continue
            trunk = _trunk_of(ctx, vswitch)
            if trunk is not None:
                vios, slot = trunk
                argv = ["chhwres", "-r", "virtualio", "--rsubtype", "eth", "-m", ctx.dst["name"], "-o", "s", "-p", vios, "-s", str(slot),
                        "-a", f"addl_vlan_ids+={vlan}"]
                fix = (f"add VLAN {vlan} to the SEA trunk adapter (IEEE 802.1Q) of {vios}: {shlex.join(argv)} "
                       "(and to its profile; on both VIOS of an SEA failover pair)")
            else:
                fix = f"create an SEA on a VIOS of {ctx.dst['name']} bridging VLAN {vlan} on {vswitch} (mkvdev -sea ... -vadapter ...)"
            yield Hit(f"{ctx.dst['name']} VLAN {vlan}", f"VLAN {vlan} on {vswitch} (slot {adapter['slot']} of {ctx.name}) is not bridged by an SEA on "
                      f"{ctx.dst['name']}", fix, {"vlan": vlan, "vswitch": vswitch, "slot": adapter["slot"], "bridged": sorted(f"{s}/{v}" for s, v in bridged)},
                      ctx.dst["name"], fix_key=f"LPM-NET-001|{ctx.dst['name']}|{vswitch}/{vlan}")


hmc_only_rule(
    "LPM-NET-002", "Virtual switch mode (VEB/VEPA) and VSI profiles are supported on the target", guide="slide 19",
    reason="VSI profiles and the VEPA switch mode are not in the estate; the HMC validation checks them (migrlpar --vsi)",
)
