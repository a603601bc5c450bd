"""Faults the front ends apply: latency, dropped channels, refused connections, HMC restarts, capacity.

Faults live in ``estate.faults`` (the migration engine reads the back-end kinds from the same list).
``FrontFaults.arm`` validates a fault, applies the immediate ones, and appends it; ``take`` finds an
armed fault matching a command and counts it as fired.
"""
from __future__ import annotations

import math
import time
import uuid
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Optional

from .faults import KINDS, Fault
from .model import Lpar, ManagedSystem

if TYPE_CHECKING:
    from .service import Twin

# How many times a fault fires when the caller does not say (0 = every time).
DEFAULT_COUNT = {"latency": 0, "capacity_taken": 1, "hmc_restart": 1, "ssh_disconnect": 1}
HMC_KINDS = ("latency", "ssh_disconnect", "refuse_connections", "hmc_restart")
CAPACITY_LPAR_PREFIX = "capacity-taken-"


class FaultError(ValueError):
    """A fault specification is not valid."""


def command_matches(pattern: str, words: Optional[list[str]]) -> bool:
    """Whether a command (its argv) starts with the words of ``pattern`` ('' matches everything)."""
    if not pattern or words is None:
        return True
    wanted = pattern.split()
    return words[:len(wanted)] == wanted


class FrontFaults:
    def __init__(self, twin: "Twin") -> None:
        self.twin = twin
        self.capacity_lpars: dict[int, tuple[str, str]] = {}   # id(fault) -> (system, partition)

    @property
    def estate(self) -> Any:
        return self.twin.estate

    # ----- firing -----
    def take(self, kind: str, hmc: str, words: Optional[list[str]]) -> Optional[Fault]:
        with self.estate.lock:
            for fault in self.estate.faults:
                if fault.kind != kind or fault.exhausted:
                    continue
                if fault.target and fault.target != hmc:
                    continue
                if kind == "refuse_connections" and fault.seconds > 0:
                    continue   # time-based refusal closes the listener instead
                if not command_matches(fault.command, words):
                    continue
                fault.fired += 1
                return fault
        return None

    # ----- arming -----
    def arm(self, spec: dict[str, Any]) -> dict[str, Any]:
        known = {f.name for f in fields(Fault)} - {"fired", "armed_at"}
        unknown = sorted(set(spec) - known)
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(unknown)}")
        values = {k: v for k, v in spec.items() if v is not None}
        kind = values.get("kind", "")
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        if "count" not in values:
            seconds = float(values.get("seconds", 0) or 0)
            values["count"] = 0 if kind == "refuse_connections" and seconds > 0 else DEFAULT_COUNT.get(kind, 1)
        try:
            fault = Fault(**values)
        except (TypeError, ValueError) as exc:
            raise FaultError(str(exc)) from exc
        fault.armed_at = time.monotonic()
        self._check_target(fault)
        extra: dict[str, Any] = {}
        if kind == "capacity_taken":
            extra = self._take_capacity(fault)
        with self.estate.lock:
            self.estate.faults.append(fault)
        if kind == "hmc_restart":
            extra["dropped_connections"] = self._restart(fault)
        elif kind == "refuse_connections" and fault.seconds > 0:
            for name in self._hmcs(fault.target):
                self.twin.endpoints[name].close_for(fault.seconds)
        return {"fault": self.describe(fault, len(self.estate.faults)), **extra}

    def _hmcs(self, target: str) -> list[str]:
        return [target] if target else list(self.twin.endpoints)

    def _check_target(self, fault: Fault) -> None:
        if fault.kind in HMC_KINDS and fault.target and fault.target not in self.twin.endpoints:
            raise FaultError(f"{fault.kind}: no HMC named {fault.target!r} "
                             f"(HMCs: {', '.join(self.twin.endpoints)})")
        if fault.kind == "capacity_taken":
            if self.estate.systems.get(fault.target) is None:
                raise FaultError(f"capacity_taken: target must be a managed system name, got {fault.target!r}")
            if fault.memory_mb <= 0 and fault.proc_units <= 0:
                raise FaultError("capacity_taken: give memory_mb and/or proc_units")

    def _restart(self, fault: Fault) -> int:
        dropped = 0
        for name in self._hmcs(fault.target):
            endpoint = self.twin.endpoints[name]
            dropped += endpoint.drop_connections()
            dropped += self.twin.drop_control_sessions(name)
            endpoint.close_for(fault.seconds)
        fault.fired += 1
        return dropped

    def _take_capacity(self, fault: Fault) -> dict[str, Any]:
        """Someone else activates a partition on the target: a real one, visible to every command."""
        with self.estate.lock:
            self.estate.advance()
            ms: ManagedSystem = self.estate.systems[fault.target]
            mem_before = self.estate.avail_mem_mb(ms)
            proc_before = self.estate.avail_proc_units(ms)
            lmb = max(1, ms.lmb_mb)
            mem = min(math.ceil(fault.memory_mb / lmb) * lmb, max(0, mem_before) // lmb * lmb)
            units = round(min(fault.proc_units, max(0.0, proc_before)), 2)
            if mem <= 0 and units <= 0:
                raise FaultError(f"capacity_taken: {ms.name} has no free memory or processors to take")
            lpar = self._capacity_lpar(ms, mem, units)
            ms.lpars.append(lpar)
            fault.fired += 1
            self.capacity_lpars[id(fault)] = (ms.name, lpar.name)
            return {"partition": lpar.name,
                    "taken_mem_mb": mem_before - self.estate.avail_mem_mb(ms),
                    "taken_proc_units": round(proc_before - self.estate.avail_proc_units(ms), 2)}

    @staticmethod
    def _capacity_lpar(ms: ManagedSystem, mem: int, units: float) -> Lpar:
        used_ids = {lp.id for lp in ms.lpars}
        lpar_id = next(i for i in range(ms.max_lpars, 0, -1) if i not in used_ids)
        names = {lp.name for lp in ms.lpars}
        name = next(f"{CAPACITY_LPAR_PREFIX}{n}" for n in range(1, 10_000) if f"{CAPACITY_LPAR_PREFIX}{n}" not in names)
        ident = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{ms.serial}/{name}")).upper()
        shared = units > 0
        return Lpar(name=name, id=lpar_id, state="Running", uuid=ident, rmc_state="inactive",
                    mem_mb=mem, min_mem_mb=mem, max_mem_mb=mem,
                    proc_mode="shared", proc_units=units if shared else 0.0,
                    min_proc_units=units if shared else 0.0, max_proc_units=units if shared else 0.0,
                    procs=max(1, math.ceil(units)), sharing_mode="cap" if shared else "uncap")

    # ----- listing and clearing -----
    @staticmethod
    def describe(fault: Fault, number: int) -> dict[str, Any]:
        data = fault.to_dict()
        data.pop("armed_at", None)
        data["id"] = number
        data["active"] = FrontFaults.active(fault)
        return data

    @staticmethod
    def active(fault: Fault) -> bool:
        if fault.kind in ("hmc_restart", "refuse_connections") and fault.seconds > 0:
            return time.monotonic() < fault.armed_at + fault.seconds
        if fault.kind == "capacity_taken":
            return True
        return not fault.exhausted

    def list(self) -> list[dict[str, Any]]:
        with self.estate.lock:
            return [self.describe(f, i) for i, f in enumerate(self.estate.faults, 1)]

    def clear(self, kind: Optional[str] = None) -> int:
        """Remove faults (all, or of one kind); give back taken capacity and reopen closed ports."""
        with self.estate.lock:
            gone = [f for f in self.estate.faults if kind in (None, "", f.kind)]
            ids = {id(f) for f in gone}
            self.estate.faults[:] = [f for f in self.estate.faults if id(f) not in ids]
            for fault in gone:
                self._give_back(fault)
        if any(f.kind in ("hmc_restart", "refuse_connections") for f in gone):
            for endpoint in self.twin.endpoints.values():
                if endpoint.listener is None:
                    endpoint.closed_until = 0.0
                    self.twin.spawn(endpoint.reopen())
        return len(gone)

    def _give_back(self, fault: Fault) -> None:
        placed = self.capacity_lpars.pop(id(fault), None)
        if placed is None:
            return
        ms = self.estate.systems.get(placed[0])
        if ms is not None:
            ms.lpars[:] = [lp for lp in ms.lpars if lp.name != placed[1]]
