# Copyright (c) the powervm.lpm maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Note that this module_util is **PRIVATE** to the collection. It can change at any time.

"""The migration duration model of the evacuation planner (docs lpm-model §2.3-2.5).

Units are MB (MiB) and seconds; rates are MB/s.

* A migration is a fixed overhead before the memory copy (validation, shell creation, mover service
  set-up), the pre-copy rounds, the suspend, the pages still dirty (sent after the partition resumed
  on the target) and a fixed clean-up. An inactive migration is fixed time only.
* Pre-copy: V_0 = touched memory; V_i = min(D * t_{i-1}, W) where t_{i-1} is how long round i-1 took.
  Round n is the last when V_n <= v_th_seconds * R, or n = n_max, or D >= R. The remainder
  V_{n+1} = min(D * t_n, W) is sent after the suspend.
* Bandwidth: a migration moves memory from one source mover service partition (its send link) to one
  destination mover service partition (its receive link). Each link has a payload capacity, each
  migration a stream cap; the migrations crossing a link share it max-min fairly (:func:`water_fill`).
  Link rates are tables keyed by the link speed in Gbit/s; other speeds scale the nearest known one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

EPS_MB = 1e-9
EPS_S = 1e-7

K = TypeVar("K", bound=Hashable)
L = TypeVar("L", bound=Hashable)

DEFAULT_LINK_PAYLOAD_MBS: dict[str, float] = {"1": 100.0, "10": 1100.0, "25": 2500.0, "40": 3500.0, "100": 6000.0}
DEFAULT_STREAM_MBS: dict[str, float] = {"1": 100.0, "10": 1000.0, "25": 1400.0, "40": 1600.0, "100": 2000.0}


@dataclass(frozen=True)
class Workload:
    """How a partition uses its memory: what the pre-copy has to send and re-send."""

    dirty_rate_mbs: float = 20.0
    wws_pct: float = 2.0  # writable working set, percent of memory
    touched_fraction: float = 0.7


@dataclass(frozen=True)
class Physics:
    """Migration physics of a site. Defaults are the planning estimates of lpm-model.md §2.5."""

    t_validate_s: float = 20.0
    t_create_s: float = 30.0
    t_msp_setup_s: float = 10.0
    t_cleanup_s: float = 30.0
    t_suspend_s: float = 1.0
    t_inactive_copy_s: float = 15.0
    v_th_seconds: float = 2.0
    n_max: int = 8
    link_payload_mbs: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LINK_PAYLOAD_MBS))
    stream_mbs: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_STREAM_MBS))
    msp_link_gbps: float = 10.0  # speed of every mover service link not named in msp_links
    msp_links: Mapping[str, float] = field(default_factory=dict)  # "system/vios" or "vios" -> Gbit/s
    workload: Workload = field(default_factory=Workload)  # of every partition not named in workloads
    workloads: Mapping[str, Workload] = field(default_factory=dict)  # partition name -> workload

    @property
    def pre_copy_fixed_s(self) -> float:
        """Fixed time of an active migration before its memory copy starts."""
        return self.t_validate_s + self.t_create_s + self.t_msp_setup_s

    @property
    def active_fixed_s(self) -> float:
        """All fixed time of an active migration (o_i of the lower bound)."""
        return self.pre_copy_fixed_s + self.t_suspend_s + self.t_cleanup_s

    @property
    def inactive_s(self) -> float:
        """Duration of an inactive migration (configuration only)."""
        return self.t_validate_s + self.t_create_s + self.t_inactive_copy_s + self.t_cleanup_s

    def workload_of(self, lpar: str) -> Workload:
        return self.workloads.get(lpar, self.workload)

    def link_gbps(self, system: str, vios: str) -> float:
        """Speed of a mover service partition's link: "system/vios", else "vios", else the default."""
        for key in (f"{system}/{vios}", vios):
            if key in self.msp_links:
                return float(self.msp_links[key])
        return self.msp_link_gbps


def speed_key(gbps: float) -> str:
    """The table key of a link speed: 10.0 -> "10", 2.5 -> "2.5"."""
    return f"{float(gbps):g}"


def rate_for_speed(table: Mapping[str, float], gbps: float) -> float:
    """A rate from a speed table; a speed not listed scales the nearest listed one."""
    key = speed_key(gbps)
    if key in table:
        return float(table[key])
    known = sorted((float(k), float(v)) for k, v in table.items())
    if not known or gbps <= 0:
        raise ValueError(f"no rate for a {key} Gbit/s link")
    speed, value = min(known, key=lambda kv: (abs(kv[0] - gbps), kv[0]))
    return value * gbps / speed


def link_payload_mbs(physics: Physics, gbps: float) -> float:
    """Payload capacity of one mover service link, shared by the migrations crossing it."""
    return rate_for_speed(physics.link_payload_mbs, gbps)


def stream_mbs(physics: Physics, gbps: float) -> float:
    """What one migration stream reaches on a link of this speed."""
    return rate_for_speed(physics.stream_mbs, gbps)


def is_last_round(volume_mb: float, round_no: int, dirty_mbs: float, rate_mbs: float, physics: Physics) -> bool:
    """Whether a pre-copy round of this volume, begun at this rate, is the last one."""
    return volume_mb <= physics.v_th_seconds * rate_mbs + EPS_MB or round_no >= physics.n_max or dirty_mbs >= rate_mbs


@dataclass(frozen=True)
class Prediction:
    """One active migration alone at a constant rate."""

    volumes: tuple[float, ...]  # V_0..V_n sent during pre-copy (MB)
    remainder: float  # V_{n+1}, sent after the suspend (MB)
    t_fixed: float
    t_precopy: float
    t_down: float

    @property
    def total(self) -> float:
        return self.t_fixed + self.t_precopy + self.t_down

    @property
    def v_total(self) -> float:
        return sum(self.volumes) + self.remainder

    @property
    def rounds(self) -> int:
        return len(self.volumes)


def predict(touched_mb: float, dirty_mbs: float, wws_mb: float, rate_mbs: float, physics: Physics) -> Prediction:
    """T_LPM = T_fixed + T_precopy + T_down of one active migration alone at ``rate_mbs``."""
    if rate_mbs <= 0:
        raise ValueError("rate must be positive")
    volumes = [touched_mb]
    while not is_last_round(volumes[-1], len(volumes) - 1, dirty_mbs, rate_mbs, physics):
        volumes.append(min(dirty_mbs * volumes[-1] / rate_mbs, wws_mb))
    remainder = min(dirty_mbs * volumes[-1] / rate_mbs, wws_mb)
    t_fixed = physics.pre_copy_fixed_s + physics.t_cleanup_s
    return Prediction(tuple(volumes), remainder, t_fixed, sum(volumes) / rate_mbs, remainder / rate_mbs + physics.t_suspend_s)


# Rates, as fractions of the best rate, at which least_bytes() looks for the smallest volume.
_RATE_STEPS = tuple(1.0 / 1.2**i for i in range(30))


def _volume(touched_mb: float, dirty_mbs: float, wws_mb: float, rate_mbs: float, v_th_seconds: float, n_max: int) -> float:
    """V_total of the pre-copy model at a constant rate (the volumes of :func:`predict`, summed)."""
    total = volume = touched_mb
    rounds = 0
    while not (volume <= v_th_seconds * rate_mbs + EPS_MB or rounds >= n_max or dirty_mbs >= rate_mbs):
        volume = min(dirty_mbs * volume / rate_mbs, wws_mb)
        total += volume
        rounds += 1
    return total + min(dirty_mbs * volume / rate_mbs, wws_mb)


@lru_cache(maxsize=4096)
def _least(touched_mb: float, dirty_mbs: float, wws_mb: float, best_rate_mbs: float, v_th_seconds: float, n_max: int) -> float:
    return min(_volume(touched_mb, dirty_mbs, wws_mb, best_rate_mbs * step, v_th_seconds, n_max) for step in _RATE_STEPS)


def least_bytes(touched_mb: float, dirty_mbs: float, wws_mb: float, best_rate_mbs: float, physics: Physics) -> float:
    """The fewest bytes (MB) the model sends for this partition at any constant rate up to the best one.

    More rate means fewer re-sent pages, except around the thresholds where the pre-copy stops
    earlier at a lower rate; the minimum over a geometric grid of rates (down to 1/200 of the best)
    catches both.
    """
    if touched_mb <= 0 or best_rate_mbs <= 0:
        return max(0.0, touched_mb)
    return _least(touched_mb, dirty_mbs, wws_mb, best_rate_mbs, physics.v_th_seconds, physics.n_max)


def water_fill(flows: Mapping[K, tuple[float, Iterable[L]]], capacity: Mapping[L, float]) -> dict[K, float]:
    """Max-min fair rates: all unfrozen flows rise together until a flow reaches its own cap or a link fills.

    ``flows`` maps a flow to (its rate cap, the links it crosses); ``capacity`` gives each link's capacity.
    """
    links = {f: tuple(crossed) for f, (_cap, crossed) in flows.items()}
    cap = {f: max(0.0, float(c)) for f, (c, _crossed) in flows.items()}
    rate = {f: 0.0 for f in flows}
    left = {link: max(0.0, float(c)) for link, c in capacity.items()}
    active = [f for f in flows if cap[f] > 0 and all(left.get(link, 0.0) > 0 for link in links[f])]
    users: dict[L, int] = {}
    for f in active:
        for link in links[f]:
            users[link] = users.get(link, 0) + 1
    while active:
        step = min(cap[f] - rate[f] for f in active)
        for link, n in users.items():
            share = left[link] / n
            if share < step:
                step = share
        step = max(step, 0.0)
        full = set()
        for link, n in users.items():
            left[link] -= step * n
            if left[link] <= 1e-9 * max(1.0, capacity[link]):
                full.add(link)
        kept = []
        for f in active:
            rate[f] += step
            if cap[f] - rate[f] > 1e-9 * max(1.0, cap[f]) and not (full and any(link in full for link in links[f])):
                kept.append(f)
                continue
            for link in links[f]:
                users[link] -= 1
                if not users[link]:
                    del users[link]
        active = kept
    return rate
