"""Small synthetic estates for migration tests: two systems behind one HMC, VIOS pairs as MSPs.

Every client partition is served by a vSCSI disk (same LUN on every VIOS) and a VLAN bridged on both
systems, so the real validator accepts it; memory, workload, link speed and caps are parameters.
"""
from __future__ import annotations

from typing import Any, Optional

from hmcsim.core import Core, Outcome, Session
from hmcsim.engine import attach
from hmcsim.estate import Estate
from hmcsim.scenario import from_dict

HMC = "hmc1"
SRC = "src"
DST = "dst"
CLIENT_SLOT = 5
REMOTE_HMC = "hmc2"
REMOTE_IP = "10.9.9.2"


def _vios(name: str, lpar_id: int, gbps: float, clients: list[dict[str, Any]], disks: list[str],
          slot_of: dict[str, int]) -> dict[str, Any]:
    return {
        "name": name, "id": lpar_id, "env": "vioserver", "mem_mb": 4096, "proc_units": 1.0, "procs": 2,
        "msp": True, "time_ref": True, "os_version": "VIOS 2.2.3.3",
        "vios": {"msp_link_gbps": gbps, "msp_ipaddr": f"10.0.{lpar_id}.1",
                 "disks": [{"name": f"hdisk{i + 2}", "lun": lun} for i, lun in enumerate(disks)],
                 "seas": [{"name": "ent8", "trunk_slots": [11]}]},
        "eth": [{"slot": 11, "port_vlan_id": 1, "addl_vlan_ids": [10], "is_trunk": True, "ieee_virtual_eth": True}],
        "scsi": [{"slot": slot_of[c["name"]], "adapter_type": "server", "remote_lpar": c["name"],
                  "remote_slot": CLIENT_SLOT, "backing": [f"hdisk{disks.index(c['lun'])+ 2}"]}
                 for c in clients],
    }


def lab(clients: list[dict[str, Any]], *, pairs: int = 1, gbps: float = 10.0, physics: Optional[dict] = None,
        active_cap: int = 8, inactive_cap: int = 4, seed: int = 7, dst_mem_mb: int = 262144,
        remote: str = "") -> dict[str, Any]:
    """Scenario data. ``clients``: dicts with name, mem_mb and optional workload / state / msp_pair
    (the VIOS pair, 0-based, whose first VIOS serves it). ``remote``: "trusted" or "untrusted" puts
    the destination behind a second HMC (REMOTE_HMC at REMOTE_IP)."""
    disks = [f"LUN{i:04d}" for i in range(len(clients))]
    clients = [dict(c, lun=disks[i]) for i, c in enumerate(clients)]
    slot_of = {c["name"]: 20 + i for i, c in enumerate(clients)}
    src_lpars: list[dict[str, Any]] = []
    dst_lpars: list[dict[str, Any]] = []
    for p in range(pairs):
        mine = [c for c in clients if c.get("msp_pair", 0) == p]
        src_lpars.append(_vios(f"srcvio{p + 1}", p + 1, gbps, mine, disks, slot_of))
        dst_lpars.append(_vios(f"dstvio{p + 1}", p + 1, gbps, [], disks, slot_of))
    for i, c in enumerate(clients):
        lp = {"name": c["name"], "id": 10 + i, "mem_mb": c["mem_mb"], "proc_units": 0.5, "procs": 1,
              "rmc_ipaddr": f"10.1.0.{i + 1}", "state": c.get("state", "Running"),
              "workload": c.get("workload", {"dirty_rate_mbs": 0.0, "wws_pct": 2.0, "touched_fraction": 1.0}),
              "eth": [{"slot": 2, "port_vlan_id": 10}],
              "scsi": [{"slot": CLIENT_SLOT, "remote_lpar": f"srcvio{c.get('msp_pair', 0) + 1}",
                        "remote_slot": slot_of[c["name"]]}]}
        if lp["state"] == "Not Activated":
            lp["rmc_state"] = "inactive"
        src_lpars.append(lp)

    def system(name: str, serial: str, lpars: list, mem: int, hmc: str = HMC) -> dict[str, Any]:
        return {"name": name, "type_model": "8233-E8B", "serial": serial, "hmc": hmc, "proc_type": "POWER7",
                "installed_mem_mb": mem, "installed_proc_units": 64.0, "active_migrations_supported": active_cap,
                "inactive_migrations_supported": inactive_cap, "lpars": lpars}

    hmcs: list[dict[str, Any]] = [{"name": HMC, "ipaddr": "10.9.9.1", "version": "V7R7.8.0",
                                   "users": [{"name": "hscroot", "password": "x"}]}]
    if remote:
        hmcs.append({"name": REMOTE_HMC, "ipaddr": REMOTE_IP, "version": "V7R7.8.0",
                     "users": [{"name": "hscroot", "password": "x"}]})
        if remote == "trusted":
            hmcs[0]["trusted"] = [f"hscroot@{REMOTE_IP}"]
    return {"name": "lab", "seed": seed, "clock": {"speed": 1},
            "physics": physics or {}, "hmcs": hmcs,
            "systems": [system(SRC, "0000001", src_lpars, 262144),
                        system(DST, "0000002", dst_lpars, dst_mem_mb, REMOTE_HMC if remote else HMC)]}


def estate_of(data: dict[str, Any]) -> Estate:
    return Estate(from_dict(data), manual_clock=True)


class Shell:
    """Run commands as hscroot on an HMC of the lab (hmc1 by default)."""

    def __init__(self, estate: Estate, hmc: str = HMC) -> None:
        self.estate = estate
        self.core = Core(estate)
        self.engine = attach(estate)
        self.session = Session(hmc, "hscroot", "test")

    def __call__(self, line: str) -> Outcome:
        return self.core.execute(self.session, line)

    def migrate(self, names: str, extra: str = "") -> Outcome:
        return self(f"migrlpar -o m -m {SRC} -t {DST} -p {names} {extra}".strip())
