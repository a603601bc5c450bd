"""Order statistics of small samples (linear interpolation between closest ranks)."""

from __future__ import annotations

from collections.abc import Sequence


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``; NaN when there are none."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * min(max(q, 0.0), 1.0)
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Count, min, quartiles, p95, max and mean of ``values``."""
    data = list(values)
    return {
        "n": len(data),
        "min": min(data, default=float("nan")),
        "p25": quantile(data, 0.25),
        "median": quantile(data, 0.5),
        "p75": quantile(data, 0.75),
        "p95": quantile(data, 0.95),
        "max": max(data, default=float("nan")),
        "mean": sum(data) / len(data) if data else float("nan"),
    }
