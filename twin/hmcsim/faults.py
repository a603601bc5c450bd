"""Injected faults. A fault is armed through the control interface and fires when its trigger is met."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

KINDS = {
    "link_loss": "MSP link lost when a migration reaches at_percent of its memory copy; it fails and needs recovery",
    "migration_failure": "a migration fails at at_percent and leaves the partition needing recovery (migrlpar -o r)",
    "validation_failure": "validation (-o v and the validation phase of -o m) fails with HSCL code `code`",
    "ssh_disconnect": "the SSH channel running `command` is dropped after `seconds` (the command itself goes on)",
    "latency": "every command (or `command`) answers `seconds` later",
    "hmc_restart": "the HMC drops every connection and refuses new ones for `seconds`; state is kept",
    "refuse_connections": "new SSH connections are refused for `seconds` (or `count` times)",
    "capacity_taken": "someone else takes `memory_mb` memory and `proc_units` on system `target`",
}


@dataclass
class Fault:
    kind: str
    target: str = ""            # partition, system or HMC name the fault applies to ("" = any)
    at_percent: float = 50.0
    code: str = "HSCLA24B"
    command: str = ""
    seconds: float = 0.0
    count: int = 1              # how many times it may fire; 0 = every time
    memory_mb: int = 0
    proc_units: float = 0.0
    fired: int = 0
    armed_at: float = 0.0       # real time (time.monotonic) when armed, for duration-based faults

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")

    @property
    def exhausted(self) -> bool:
        return self.count > 0 and self.fired >= self.count

    def matches(self, kind: str, target: Optional[str] = None, command: Optional[str] = None) -> bool:
        if self.kind != kind or self.exhausted:
            return False
        if self.target and target is not None and self.target != target:
            return False
        if self.command and command is not None and self.command != command:
            return False
        return True

    def to_dict(self) -> dict:
        return asdict(self)


def take(faults: list[Fault], kind: str, target: Optional[str] = None,
         command: Optional[str] = None) -> Optional[Fault]:
    """The first armed fault matching; counts it as fired."""
    for fault in faults:
        if fault.matches(kind, target, command):
            fault.fired += 1
            return fault
    return None


def peek(faults: list[Fault], kind: str, target: Optional[str] = None) -> Optional[Fault]:
    return next((f for f in faults if f.matches(kind, target)), None)
