"""The event-driven migration engine: simulated time, shared bandwidth, phase boundaries.

The estate's migrations in progress each carry a :class:`physics.Progress` and a :class:`Route`.
``advance(now)`` integrates them piecewise-linearly up to ``now``: it finds the earliest boundary of
any migration, integrates every migration to it, fires it (side effects go to the Migration object),
re-shares the bandwidth and repeats. Results therefore do not depend on how often ``advance`` is called.
``next_event_time()`` tells a front end when the next change happens; ``run_until_idle()`` moves a
clock event by event until nothing is in progress. ``projected_end()`` runs the same loop on copies,
without side effects, to tell when given migrations will end if nothing else changes.
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Protocol, Sequence

from .physics import EPS_S, Progress, water_fill

MAX_EVENTS = 1_000_000       # guard against a runaway loop


@dataclass
class Route:
    """Where a migration's memory flows: its per-stream cap and the links (id -> capacity) it crosses.

    ``more`` holds the further MSP pairs of a migration with redundant MSPs: each is a stream of its own
    over its own links, and the migration moves at the sum of its streams' rates (lpm-model.md §2.1,
    §2.5: dual MSPs split one migration's memory over two pairs, about twice the rate of one pair)."""

    stream_cap: float = 0.0
    links: dict[str, float] = field(default_factory=dict)
    more: list["Route"] = field(default_factory=list)

    def paths(self) -> list["Route"]:
        """Every stream of the migration: this pair, then the others."""
        return [self, *self.more]


class Item(Protocol):
    progress: Progress
    route: Route


class Hooks(Protocol):
    def entered(self, item: Any, phase: str, t: float) -> None: ...
    def confirm_failure(self, item: Any, t: float) -> bool: ...


class _Quiet:
    """Hooks for projections: every armed failure happens, nothing else is touched."""

    def entered(self, item: Any, phase: str, t: float) -> None:
        return None

    def confirm_failure(self, item: Any, t: float) -> bool:
        item.progress.stop(t)
        return True


def share(items: Iterable[Item]) -> None:
    """Give every transferring item's streams their max-min fair rates (an item moves at the sum of its
    streams'); decide rounds that wait for a rate."""
    items = list(items)
    flows: dict[tuple[int, int], tuple[float, list[str]]] = {}
    capacity: dict[str, float] = {}
    for i, it in enumerate(items):
        if it.progress.transferring:
            for j, path in enumerate(it.route.paths()):
                flows[(i, j)] = (path.stream_cap, list(path.links))
                capacity.update(path.links)
    rates = water_fill(flows, capacity)
    for i, it in enumerate(items):
        it.progress.rate = sum(rates.get((i, j), 0.0) for j in range(len(it.route.paths())))
        it.progress.decide()


def next_time(items: Iterable[Item]) -> Optional[float]:
    times = [ev[0] for it in items if (ev := it.progress.next_event()) is not None]
    return min(times) if times else None


def run(items: Sequence[Item], until: float, hooks: Hooks) -> float:
    """Move ``items`` to time ``until`` (math.inf: until none has an event); returns the time reached."""
    share(items)
    for _ in range(MAX_EVENTS):
        live = [it for it in items if it.progress.ended is None]
        t_next = next_time(live)
        if t_next is None or t_next > until + EPS_S:
            if math.isfinite(until):
                for it in live:
                    it.progress.integrate(until)
                return until
            return max((it.progress.t for it in items), default=0.0)
        for it in live:
            it.progress.integrate(t_next)
        for it in live:
            ev = it.progress.next_event()
            if ev is None or ev[0] > t_next + EPS_S:
                continue
            if ev[1] == "fail":
                if not hooks.confirm_failure(it, t_next):
                    it.progress.fail_at_mb = None
                continue
            for phase in it.progress.fire(ev[1], t_next):
                hooks.entered(it, phase, t_next)
        share(items)
    raise RuntimeError("migration engine: too many events")


class Engine:
    """The estate's migration engine (``estate.engine``)."""

    def __init__(self, estate: Any) -> None:
        self.estate = estate
        self.time = estate.clock.now()
        estate.engine = self

    # ----- what is running -----
    def active(self) -> list[Any]:
        return [m for m in self.estate.migrations if m.in_progress]

    def _refresh(self, items: Sequence[Any]) -> None:
        for m in items:
            m.arm_failure()

    # ----- time -----
    def advance(self, now: float) -> None:
        with self.estate.lock:
            if now < self.time:
                return
            items = self.active()
            self._refresh(items)
            run(items, now, self)
            self.time = now

    def next_event_time(self) -> Optional[float]:
        with self.estate.lock:
            items = self.active()
            self._refresh(items)
            share(items)
            return next_time(items)

    def run_until_idle(self, limit: int = MAX_EVENTS) -> float:
        """Advance the clock event by event until no migration is in progress; returns the time."""
        clock = self.estate.clock
        with self.estate.lock:
            for _ in range(limit):
                upcoming = self.next_event_time()
                if upcoming is None:
                    break
                clock.advance(max(0.0, upcoming - clock.now()))
                self.advance(max(clock.now(), upcoming))
            return clock.now()

    def reshare(self) -> None:
        """Re-share bandwidth after a migration started, stopped or was recovered."""
        share(self.active())

    def projected_end(self, migrations: Iterable[Any]) -> Optional[float]:
        """When the given migrations will all have ended, if no other migration starts or stops."""
        with self.estate.lock:
            wanted = [m for m in migrations if m.in_progress]
            if not wanted:
                return None
            items = self.active()
            self._refresh(items)
            clones = [_Clone(copy.deepcopy(m.progress), m.route) for m in items]
            index = {id(m): i for i, m in enumerate(items)}
            chosen = [clones[index[id(m)]] for m in wanted if id(m) in index]
            run(clones, math.inf, _Quiet())
            ends = [c.progress.ended for c in chosen]
            return max(e for e in ends if e is not None) if all(e is not None for e in ends) else None

    # ----- hooks (side effects on the Migration objects) -----
    def entered(self, item: Any, phase: str, t: float) -> None:
        item.entered(phase, t)

    def confirm_failure(self, item: Any, t: float) -> bool:
        return bool(item.fail_now(t))


@dataclass
class _Clone:
    progress: Progress
    route: Route


def attach(estate: Any) -> Engine:
    """The estate's engine, created on first use."""
    if estate.engine is None:
        Engine(estate)
    return estate.engine
