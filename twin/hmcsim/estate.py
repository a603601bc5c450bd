"""The live estate: a scenario plus indexes, derived values, the clock, migrations and the command log.

Every front end (SSH server, control socket, in-process use) works on one Estate; ``lock`` guards it.
"""
from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from .clock import SimClock
from .model import Hmc, Lpar, ManagedSystem, Scenario, User

# Processor compatibility modes a system supports, by processor (field guide, slide 30).
COMPAT_MODES = {
    "POWER6": ["default", "POWER5", "POWER6", "POWER6_enhanced"],
    "POWER6+": ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER6_Plus_enhanced"],
    "POWER7": ["default", "POWER5", "POWER6", "POWER6_Plus", "POWER7"],
    "POWER8": ["default", "POWER6", "POWER6_Plus", "POWER7", "POWER8"],
    "POWER9": ["default", "POWER7", "POWER8", "POWER9", "POWER9_base"],
    "POWER10": ["default", "POWER9", "POWER9_base", "POWER10"],
    "POWER11": ["default", "POWER9", "POWER9_base", "POWER10", "POWER11"],
}

# The mode a partition runs in when its preferred mode is "default".
NATIVE_MODE = {"POWER6": "POWER6", "POWER6+": "POWER6_Plus", "POWER7": "POWER7", "POWER8": "POWER8",
               "POWER9": "POWER9", "POWER10": "POWER10", "POWER11": "POWER11"}

DEFAULT_CAPABILITIES = {
    "active_lpar_mobility_capable": 1, "inactive_lpar_mobility_capable": 1,
    "active_mem_expansion_capable": 1, "active_mem_sharing_capable": 1, "bsr_capable": 1,
    "cod_mem_capable": 0, "cod_proc_capable": 1, "huge_page_mem_capable": 1,
    "lhea_capable": 1, "lpar_proc_compat_mode_capable": 1, "lpar_suspend_capable": 1,
    "micro_lpar_capable": 1, "os400_capable": 1, "os400_lpar_mobility_capable": 1,
    "redundant_err_path_reporting_capable": 1, "shared_eth_failover_capable": 1,
    "sp_failover_capable": 1, "virtual_fc_capable": 1, "virtual_io_server_capable": 1,
    "virtual_switch_capable": 1, "hardware_discovery_capable": 1,
}


@dataclass
class LogEntry:
    seq: int
    time: float            # simulated seconds
    real_time: float       # unix time
    hmc: str
    user: str
    session: str
    argv: list[str]
    rc: Optional[int] = None
    duration: float = 0.0


@dataclass
class CommandLog:
    entries: list[LogEntry] = field(default_factory=list)

    def add(self, entry: LogEntry) -> LogEntry:
        entry.seq = len(self.entries) + 1
        self.entries.append(entry)
        return entry


class Estate:
    def __init__(self, scenario: Scenario, *, speed: Optional[float] = None, manual_clock: bool = False,
                 seed: Optional[int] = None) -> None:
        self.scenario = scenario
        self.lock = threading.RLock()
        self.clock = SimClock(scenario.clock.start, scenario.clock.speed if speed is None else speed,
                              manual=manual_clock)
        self.random = random.Random(scenario.seed if seed is None else seed)
        self.log = CommandLog()
        self.migrations: list[Any] = []      # hmcsim.migration.Migration objects
        self.faults: list[Any] = []          # hmcsim.faults.Fault objects
        self.engine: Any = None              # hmcsim.migration.Engine, attached by it
        self.timers: list[tuple[float, int, Callable[[], None]]] = []   # (simulated time, order, action)
        self._timer_seq = 0
        self.reindex()
        self._fill_identities()

    def advance(self) -> None:
        """Bring running migrations up to the current simulated time, then run the timers that are due."""
        now = self.clock.now()
        if self.engine is not None:
            self.engine.advance(now)
        due = sorted((t for t in self.timers if t[0] <= now), key=lambda t: (t[0], t[1]))
        if due:
            self.timers = [t for t in self.timers if t[0] > now]
            for _, _, action in due:
                action()

    def at(self, when: float, action: Callable[[], None]) -> None:
        """Run ``action`` (under the lock) once the simulated clock reaches ``when`` (see :meth:`advance`)."""
        self._timer_seq += 1
        self.timers.append((when, self._timer_seq, action))

    # ----- indexes -----
    def reindex(self) -> None:
        self.hmcs = {h.name: h for h in self.scenario.hmcs}
        self.systems = {s.name: s for s in self.scenario.systems}

    def systems_of(self, hmc: str) -> list[ManagedSystem]:
        return [s for s in self.scenario.systems if s.hmc == hmc]

    def find_system(self, ref: str, hmc: Optional[str] = None) -> Optional[ManagedSystem]:
        """A system by name or by type-model*serial, optionally only among those an HMC manages."""
        for ms in self.scenario.systems:
            if hmc is not None and ms.hmc != hmc:
                continue
            if ref in (ms.name, f"{ms.type_model}*{ms.serial}"):
                return ms
        return None

    @staticmethod
    def find_lpar(ms: ManagedSystem, name: Optional[str] = None, lpar_id: Optional[int] = None) -> Optional[Lpar]:
        for lp in ms.lpars:
            if (name is not None and lp.name == name) or (lpar_id is not None and lp.id == lpar_id):
                return lp
        return None

    def locate(self, lpar_name: str) -> Iterator[tuple[ManagedSystem, Lpar]]:
        for ms in self.scenario.systems:
            for lp in ms.lpars:
                if lp.name == lpar_name:
                    yield ms, lp

    def user(self, hmc: str, name: str) -> Optional[User]:
        h = self.hmcs.get(hmc)
        if h is None:
            return None
        return next((u for u in h.users if u.name == name), None)

    def hmc_by_address(self, ref: str) -> Optional[Hmc]:
        return next((h for h in self.scenario.hmcs if ref in (h.name, h.ipaddr)), None)

    # ----- derived values -----
    @staticmethod
    def compat_modes(ms: ManagedSystem) -> list[str]:
        return ms.compat_modes or COMPAT_MODES.get(ms.proc_type, ["default"])

    @staticmethod
    def current_compat(ms: ManagedSystem, lp: Lpar) -> str:
        if lp.compat_current:
            return lp.compat_current
        if lp.compat_desired not in ("", "default"):
            return lp.compat_desired
        return NATIVE_MODE.get(ms.proc_type, ms.proc_type)

    @staticmethod
    def capabilities(ms: ManagedSystem) -> dict[str, int]:
        caps = dict(DEFAULT_CAPABILITIES)
        caps.update(ms.capabilities)
        return caps

    @staticmethod
    def is_active(lp: Lpar) -> bool:
        """Whether the partition holds memory and processors (anything but Not Activated)."""
        return lp.state not in ("Not Activated", "Migrating - Not Activated")

    @staticmethod
    def hpt_mb(lp: Lpar) -> int:
        """Hypervisor page table for the partition, charged to system firmware memory."""
        return max(1, lp.max_mem_mb or lp.mem_mb) // max(1, lp.hpt_ratio)

    def firmware_mem_mb(self, ms: ManagedSystem) -> int:
        return ms.firmware_mem_base_mb + sum(self.hpt_mb(lp) for lp in ms.lpars if self.is_active(lp))

    def avail_mem_mb(self, ms: ManagedSystem) -> int:
        used = sum(lp.mem_mb for lp in ms.lpars if self.is_active(lp))
        return ms.installed_mem_mb - self.firmware_mem_mb(ms) - used

    def avail_proc_units(self, ms: ManagedSystem) -> float:
        used = 0.0
        for lp in ms.lpars:
            if self.is_active(lp):
                used += lp.proc_units if lp.proc_mode == "shared" else float(lp.procs)
        return round(ms.installed_proc_units - used, 2)

    def migrations_in_progress(self, ms: ManagedSystem, kind: str = "active") -> int:
        return sum(1 for m in self.migrations if m.in_progress and m.kind == kind
                   and ms.name in (m.source, m.target))

    # ----- generated identities -----
    def _fill_identities(self) -> None:
        for ms in self.scenario.systems:
            for lp in ms.lpars:
                if not lp.uuid:
                    lp.uuid = _stable_hex(f"{ms.serial}/{lp.name}", 32).upper()
                    lp.uuid = "-".join((lp.uuid[:8], lp.uuid[8:12], lp.uuid[12:16], lp.uuid[16:20], lp.uuid[20:]))
                for eth in lp.eth:
                    if not eth.mac_addr:
                        eth.mac_addr = ("26" + _stable_hex(f"{ms.serial}/{lp.name}/{eth.slot}", 10)).upper()
                for fc in lp.fc:
                    if fc.adapter_type == "client" and not fc.wwpns:
                        base = "c05076" + _stable_hex(f"{ms.serial}/{lp.name}/{fc.slot}", 9)
                        fc.wwpns = [base + "0", base + "1"]
                if not lp.min_mem_mb:
                    lp.min_mem_mb = max(256, lp.mem_mb // 4)
                if not lp.max_mem_mb:
                    lp.max_mem_mb = lp.mem_mb * 2
                if lp.proc_mode == "shared":
                    if not lp.min_proc_units:
                        lp.min_proc_units = min(lp.proc_units, 0.1)
                    if not lp.max_proc_units:
                        lp.max_proc_units = max(lp.proc_units, float(lp.procs))


def _stable_hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]
