"""Simulated clock: real time scaled by a speed factor, or a manual clock that moves only when told."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


class SimClock:
    """Simulated seconds since the scenario start.

    ``speed`` simulated seconds pass per real second. With ``manual=True`` time stands still until
    ``advance()`` is called, which makes tests and benchmarks deterministic.
    """

    def __init__(self, start: str, speed: float = 1.0, manual: bool = False,
                 monotonic=time.monotonic) -> None:
        self.epoch = datetime.fromisoformat(start).astimezone(timezone.utc)
        self.speed = float(speed)
        self.manual = manual
        self._monotonic = monotonic
        self._base_real = monotonic()
        self._base_sim = 0.0

    def now(self) -> float:
        if self.manual:
            return self._base_sim
        return self._base_sim + (self._monotonic() - self._base_real) * self.speed

    def set_speed(self, speed: float) -> None:
        self._base_sim = self.now()
        self._base_real = self._monotonic()
        self.speed = float(speed)

    def set_manual(self, manual: bool) -> None:
        self._base_sim = self.now()
        self._base_real = self._monotonic()
        self.manual = manual

    def advance(self, seconds: float) -> float:
        """Move simulated time forward (either mode); returns the new time."""
        self._base_sim = self.now() + max(0.0, seconds)
        self._base_real = self._monotonic()
        return self._base_sim

    def real_seconds_until(self, sim_time: float) -> float:
        """How long to wait in real time until ``sim_time`` (inf on a manual clock)."""
        remaining = sim_time - self.now()
        if remaining <= 0:
            return 0.0
        if self.manual or self.speed <= 0:
            return float("inf")
        return remaining / self.speed

    def wallclock(self, sim_time: float | None = None) -> datetime:
        return self.epoch + timedelta(seconds=self.now() if sim_time is None else sim_time)

    def hmc_time(self, sim_time: float | None = None) -> str:
        """Time as the HMC prints it: MM/DD/YYYY HH:MM:SS."""
        return self.wallclock(sim_time).strftime("%m/%d/%Y %H:%M:%S")
