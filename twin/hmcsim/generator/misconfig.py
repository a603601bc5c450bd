"""Injected misconfigurations: break a share of the client partitions (or their VIOS, fabric or system) in
ways LPM validation must catch, and say what was broken.

Each kind of ``params.MISCONFIG_KINDS`` has a method ``_<kind>`` that breaks one partition and returns the
detail reported for it, and a condition in ``_applies``.
"""
from __future__ import annotations

import random

from ..estate import COMPAT_MODES, NATIVE_MODE
from ..model import Lpar, ManagedSystem, Scenario, VEth
from .catalogue import MISMATCHED_LMB_MB
from .naming import drc_index
from .partitions import EXTRA_ETH_SLOT
from .plans import SystemPlan

FIRST_ODD_VLAN = 3001           # VLANs bridged only on the partition's own system: 3001, 3002, ...


class Injector:
    def __init__(self, rng: random.Random, sc: Scenario, plans: list[SystemPlan]) -> None:
        self.rng = rng
        self.sc = sc
        self.group_of = {ms.name: plan.group for ms, plan in zip(sc.systems, plans)}
        self.fabrics = {f.name: f for f in sc.fabrics}
        self.lmb_done = False
        self.odd_vlan = FIRST_ODD_VLAN - 1

    def inject(self, share: float, kinds: list[str]) -> list[dict[str, str]]:
        """Break ``share`` of the client partitions, drawing a kind that applies to each; returns
        ``{kind, system, lpar, detail}`` per injection."""
        running = [(ms, lp) for ms in self.sc.systems for lp in ms.lpars
                   if lp.env != "vioserver" and lp.state == "Running"]
        clients = sum(1 for ms in self.sc.systems for lp in ms.lpars if lp.env != "vioserver")
        count = min(len(running), round(share * clients))
        injected: list[dict[str, str]] = []
        if not kinds or count == 0:
            return injected
        for ms, lp in self.rng.sample(running, len(running)):
            if len(injected) == count:
                break
            options = [k for k in kinds if self._applies(k, ms, lp)]
            if not options:
                continue
            kind = self.rng.choice(options)
            detail = getattr(self, f"_{kind}")(ms, lp)
            injected.append({"kind": kind, "system": ms.name, "lpar": "" if kind == "lmb_mismatch" else lp.name,
                             "detail": detail})
        return injected

    def _peers(self, ms: ManagedSystem) -> list[ManagedSystem]:
        return [o for o in self.sc.systems if o is not ms and self.group_of[o.name] == self.group_of[ms.name]]

    def _applies(self, kind: str, ms: ManagedSystem, lp: Lpar) -> bool:
        if kind == "reserve_policy":
            return bool(lp.scsi)
        if kind == "wwpn_not_zoned":
            return bool(lp.fc)
        if kind == "compat_mode":
            return ms.proc_type == "POWER9" and any(o.proc_type == "POWER8" for o in self._peers(ms))
        if kind == "lmb_mismatch":
            return not self.lmb_done and bool(self._peers(ms))
        return True

    def _vios(self, ms: ManagedSystem, name: str) -> Lpar:
        return next(v for v in ms.lpars if v.name == name)

    def _reserve_policy(self, ms: ManagedSystem, lp: Lpar) -> str:
        adapter = self.rng.choice(lp.scsi)
        vios = self._vios(ms, adapter.remote_lpar)
        server = next(a for a in vios.scsi if a.remote_lpar == lp.name)
        assert vios.vios is not None
        disk = next(d for d in vios.vios.disks if d.name == server.backing[0])
        disk.reserve_policy = "single_path"
        return f"{disk.name} (LUN {disk.lun}) on {vios.name} backs {lp.name} with reserve_policy=single_path"

    def _wwpn_not_zoned(self, ms: ManagedSystem, lp: Lpar) -> str:
        adapter = self.rng.choice(lp.fc)
        wwpn = adapter.wwpns[1]
        fabric = next(f for f in self.fabrics.values() if wwpn in f.zoned_wwpns)
        fabric.zoned_wwpns.remove(wwpn)
        return f"inactive WWPN {wwpn} of virtual FC client adapter {adapter.slot} is not zoned on {fabric.name}"

    def _vlan_not_bridged(self, ms: ManagedSystem, lp: Lpar) -> str:
        self.odd_vlan += 1
        vlan = self.odd_vlan
        lp.eth.append(VEth(slot=EXTRA_ETH_SLOT, port_vlan_id=vlan))
        for vios in ms.lpars:
            if vios.env == "vioserver":
                trunk = max((a for a in vios.eth if a.is_trunk), key=lambda a: a.slot)
                trunk.addl_vlan_ids = trunk.addl_vlan_ids + [vlan]
        return f"VLAN {vlan} (virtual ethernet slot {EXTRA_ETH_SLOT}) is bridged only on {ms.name}"

    def _rmc_inactive(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.rmc_state = "inactive"
        return "rmc_state=inactive while the partition is Running"

    def _physical_io(self, ms: ManagedSystem, lp: Lpar) -> str:
        used = {(int(d.split("/")[0], 16) >> 16) & 0xFF for p in ms.lpars for d in p.io_slots}
        position = next(p for p in range(5, 256) if p not in used)
        drc = drc_index(position)
        lp.io_slots = lp.io_slots + [drc]
        return f"owns physical I/O slot {drc} (C{position})"

    def _migration_disabled(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.migration_disabled = True
        return "migration_disabled=1"

    def _huge_pages(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.huge_pages = self.rng.choice((2, 4, 8))
        return f"{lp.huge_pages} huge pages of {ms.huge_page_mb} MB configured"

    def _compat_mode(self, ms: ManagedSystem, lp: Lpar) -> str:
        lp.compat_desired = "POWER9"
        lp.compat_current = ""
        others = [o.name for o in self._peers(ms) if "POWER9" not in (o.compat_modes or COMPAT_MODES[o.proc_type])]
        return f"runs in POWER9 mode ({NATIVE_MODE[ms.proc_type]} system); not supported on {', '.join(others)}"

    def _lmb_mismatch(self, ms: ManagedSystem, lp: Lpar) -> str:
        self.lmb_done = True
        ms.lmb_mb = MISMATCHED_LMB_MB
        others = sorted({o.lmb_mb for o in self._peers(ms)})
        return f"LMB size {ms.lmb_mb} MB; the rest of its SAN group uses {', '.join(map(str, others))} MB"
