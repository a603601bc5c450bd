"""Migration physics (lpm-model.md §2.3-2.4), as pure functions and a pure per-migration state machine.

Units: megabytes (MiB) and seconds; rates in MB/s.

- Link rates: ``link_payload_mbs`` / ``stream_mbs`` of the scenario's Physics, keyed by the MSP link
  speed in Gbit/s written as a string ("10"); speeds not in the table scale the nearest known one.
- Sharing: :func:`water_fill` gives every transferring migration its max-min fair share of the links
  it crosses (source MSP send side, destination MSP receive side), each capped by its stream rate.
- Pre-copy: :class:`Progress` walks one migration through its phases. The memory copy starts with
  V_0 = touched memory; each later round resends what was dirtied during the previous round,
  V_i = min(D * t_{i-1}, W). Round n is the last pre-copy round when V_n <= v_th_seconds * R, or
  n = n_max, or D >= R (lambda >= 1: no convergence); the partition is then suspended and the
  remainder V_{n+1} = min(D * t_n, W) is sent after it resumed on the target (demand paging).
  :func:`predict` evaluates the same model in closed steps for a constant rate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable, Mapping, Optional, TypeVar

from .model import Physics

MB = 1024 * 1024                  # bytes per MB
EPS_MB = 1e-9                     # volumes below this are nothing left
EPS_S = 1e-7                      # events closer than this are simultaneous

K = TypeVar("K", bound=Hashable)
L = TypeVar("L", bound=Hashable)

FIXED, PRECOPY, FINAL = "fixed", "precopy", "final"
TRANSFER_KINDS = (PRECOPY, FINAL)


# ----- link rates -----

def link_key(gbps: float) -> str:
    """The table key of a link speed: 10.0 -> "10", 2.5 -> "2.5"."""
    return f"{float(gbps):g}"


def _by_speed(table: Mapping[str, float], gbps: float) -> float:
    key = link_key(gbps)
    if key in table:
        return float(table[key])
    known = sorted((float(k), float(v)) for k, v in table.items())
    if not known or gbps <= 0:
        raise ValueError(f"no rate for a {key} Gbit/s link")
    speed, value = min(known, key=lambda kv: abs(kv[0] - gbps))
    return value * gbps / speed


def link_payload_mbs(physics: Physics, gbps: float) -> float:
    """Payload capacity of one MSP link (shared by the migrations using it)."""
    return _by_speed(physics.link_payload_mbs, gbps)


def stream_mbs(physics: Physics, gbps: float) -> float:
    """What one migration stream can reach on a link of this speed."""
    return _by_speed(physics.stream_mbs, gbps)


def water_fill(flows: Mapping[K, tuple[float, Iterable[L]]], capacity: Mapping[L, float]) -> dict[K, float]:
    """Max-min fair rates: every flow gets as much as it can, raising all unfrozen flows together.

    ``flows`` maps a flow to (its own rate cap, the links it crosses); ``capacity`` gives each link's
    capacity. A flow freezes when it reaches its cap or when one of its links is full.
    """
    links = {f: tuple(ls) for f, (_, ls) in flows.items()}
    cap = {f: max(0.0, float(c)) for f, (c, _) in flows.items()}
    rate = {f: 0.0 for f in flows}
    left = {l: max(0.0, float(c)) for l, c in capacity.items()}
    # lists in the callers' order (not sets), so the arithmetic is the same on every run
    active = [f for f in flows if cap[f] > 0 and all(left.get(l, 0.0) > 0 for l in links[f])]
    while active:
        users: dict[L, int] = {}
        for f in active:
            for l in links[f]:
                users[l] = users.get(l, 0) + 1
        step = min(cap[f] - rate[f] for f in active)
        if users:
            step = min(step, min(left[l] / n for l, n in users.items()))
        step = max(step, 0.0)
        for f in active:
            rate[f] += step
        for l, n in users.items():
            left[l] -= step * n
        full = {l for l, v in left.items() if v <= 1e-9 * max(1.0, capacity[l])}
        active = [f for f in active
                  if cap[f] - rate[f] > 1e-9 * max(1.0, cap[f]) and not full.intersection(links[f])]
    return rate


# ----- one migration's phases -----

@dataclass(frozen=True)
class Step:
    """One phase of a migration plan: a fixed time, or a transfer (pre-copy rounds or final pages)."""

    name: str
    kind: str = FIXED
    seconds: float = 0.0


@dataclass
class Progress:
    """Where one migration stands. Pure state: the engine integrates it and fires its events.

    ``rate`` is set by the engine whenever the set of transferring migrations changes; the memory
    moves at that rate while a transfer phase runs. Dirty pages accumulate at ``dirty_mbs`` during a
    pre-copy round, up to the writable working set ``wws_mb``.
    """

    plan: list[Step]
    touched_mb: float = 0.0
    dirty_mbs: float = 0.0
    wws_mb: float = 0.0
    v_th_s: float = 2.0
    n_max: int = 8
    t: float = 0.0                       # time integrated up to
    index: int = -1                      # current step; -1 before start
    phase_start: float = 0.0
    rate: float = 0.0
    round: int = 0
    round_volume: float = 0.0
    round_left: float = 0.0
    round_elapsed: float = 0.0
    last_round: Optional[bool] = None    # None until decided with the round's first rate
    remainder_mb: float = 0.0            # V_{n+1}, sent after the suspend
    sent_mb: float = 0.0
    rounds: list[tuple[float, float]] = field(default_factory=list)   # (volume MB, seconds) per round
    fail_at_mb: Optional[float] = None   # the memory copy fails when sent_mb reaches this
    ended: Optional[float] = None

    # --- reading ---
    @property
    def step(self) -> Optional[Step]:
        if 0 <= self.index < len(self.plan) and self.ended is None:
            return self.plan[self.index]
        return None

    @property
    def transferring(self) -> bool:
        step = self.step
        return step is not None and step.kind in TRANSFER_KINDS

    def pending_dirty(self) -> float:
        return min(self.dirty_mbs * self.round_elapsed, self.wws_mb)

    def remaining_mb(self) -> float:
        """What is still to send as far as is known now."""
        step = self.step
        if step is None:
            return 0.0 if self.index >= 0 else self.touched_mb
        if step.kind == PRECOPY:
            return self.round_left + self.pending_dirty()
        if step.kind == FINAL:
            return self.round_left
        before = all(s.kind == FIXED for s in self.plan[:self.index])
        has_copy = any(s.kind == PRECOPY for s in self.plan[self.index:])
        if before and has_copy:
            return self.touched_mb
        return self.remainder_mb if any(s.kind == FINAL for s in self.plan[self.index:]) else 0.0

    def next_event(self) -> Optional[tuple[float, str]]:
        """(time, what) of the next boundary: "phase" end, "round" end or memory-copy "fail"."""
        step = self.step
        if step is None:
            return None
        if step.kind == FIXED:
            return self.phase_start + step.seconds, "phase"
        if self.rate <= 0:
            return None
        if self.fail_at_mb is not None:
            to_fail = self.fail_at_mb - self.sent_mb
            if to_fail <= self.round_left + EPS_MB:
                return self.t + max(0.0, to_fail) / self.rate, "fail"
        return self.t + max(0.0, self.round_left) / self.rate, "round"

    # --- changing ---
    def start(self, now: float) -> list[str]:
        self.t = now
        self.index = -1
        return self._enter_next(now)

    def integrate(self, t: float) -> None:
        dt = t - self.t
        if dt <= 0:
            return
        if self.transferring and self.rate > 0:
            moved = min(self.round_left, self.rate * dt)
            self.round_left -= moved
            self.sent_mb += moved
        if self.transferring:
            self.round_elapsed += dt
        self.t = t

    def decide(self) -> None:
        """Decide whether the pre-copy round just begun is the last one, at its first rate."""
        step = self.step
        if step is None or step.kind != PRECOPY or self.last_round is not None or self.rate <= 0:
            return
        self.last_round = (self.round_volume <= self.v_th_s * self.rate + EPS_MB
                           or self.round >= self.n_max
                           or self.dirty_mbs >= self.rate)

    def fire(self, what: str, t: float) -> list[str]:
        """Handle a "phase" or "round" boundary at ``t``; returns the names of the phases entered
        (``""`` marks the end of the plan)."""
        self.integrate(t)
        step = self.step
        if step is None:
            return []
        if what == "phase" and step.kind == FIXED:
            return self._enter_next(t)
        if what == "round" and step.kind in TRANSFER_KINDS:
            self.sent_mb += max(0.0, self.round_left)
            self.round_left = 0.0
            if step.kind == FINAL:
                return self._enter_next(t)
            dirty = self.pending_dirty()
            self.rounds.append((self.round_volume, self.round_elapsed))
            if self.last_round:
                self.remainder_mb = dirty
                return self._enter_next(t)
            self._begin_round(self.round + 1, dirty)
        return []

    def stop(self, t: float) -> None:
        self.integrate(t)
        self.ended = t
        self.rate = 0.0

    def _begin_round(self, number: int, volume: float) -> None:
        self.round = number
        self.round_volume = self.round_left = volume
        self.round_elapsed = 0.0
        self.last_round = None

    def _enter_next(self, t: float) -> list[str]:
        self.index += 1
        self.phase_start = t
        if self.index >= len(self.plan):
            self.ended = t
            self.rate = 0.0
            return [""]
        step = self.plan[self.index]
        if step.kind == PRECOPY:
            self._begin_round(0, self.touched_mb)
        elif step.kind == FINAL:
            self.round_volume = self.round_left = self.remainder_mb
            self.round_elapsed = 0.0
        return [step.name]


# ----- closed-form prediction (constant rate) -----

@dataclass
class Prediction:
    volumes: list[float]       # V_0..V_n sent during pre-copy (MB)
    remainder: float           # V_{n+1} sent after the suspend (MB)
    t_fixed: float
    t_precopy: float
    t_down: float

    @property
    def total(self) -> float:
        return self.t_fixed + self.t_precopy + self.t_down

    @property
    def v_total(self) -> float:
        return sum(self.volumes) + self.remainder


def predict(memory_mb: float, touched_fraction: float, dirty_mbs: float, wws_pct: float,
            rate_mbs: float, physics: Physics) -> Prediction:
    """T_LPM = T_fixed + T_precopy + T_down of one active migration alone at a constant rate."""
    if rate_mbs <= 0:
        raise ValueError("rate must be positive")
    wws = memory_mb * wws_pct / 100.0
    volumes = [memory_mb * touched_fraction]
    while True:
        n = len(volumes) - 1
        if volumes[n] <= physics.v_th_seconds * rate_mbs + EPS_MB or n >= physics.n_max or dirty_mbs >= rate_mbs:
            break
        volumes.append(min(dirty_mbs * volumes[n] / rate_mbs, wws))
    remainder = min(dirty_mbs * volumes[-1] / rate_mbs, wws)
    t_fixed = physics.t_validate_s + physics.t_create_s + physics.t_msp_setup_s + physics.t_cleanup_s
    return Prediction(volumes, remainder, t_fixed, sum(volumes) / rate_mbs,
                      remainder / rate_mbs + physics.t_suspend_s)
