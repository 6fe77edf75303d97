"""Chart series cut down to a few hundred points without hiding what matters.

A point stands for a group of consecutive buckets and sits at the group's last bucket.
Cumulative series (SLI, budget remaining) take their value there, which is exact at that
instant. Burn rates take the group's maximum, so a spike that crossed an alert threshold
still crosses it on the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from ..common.times import iso
from ..slo.evaluation import ChartSeries

DEFAULT_MAX_POINTS = 300
# Chart values keep 4 decimals: enough for any chart, short in JSON.
_CHART_DECIMALS = 4

T = TypeVar("T")


def as_array(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """A float64 array (None as NaN); free for arrays, one pass for lists."""
    if isinstance(values, np.ndarray):
        return values.astype(float, copy=False)
    try:
        # fromiter is the fastest way in from a list of floats; it rejects None.
        return np.fromiter(values, dtype=float, count=len(values))
    except TypeError:
        return np.array(values, dtype=float)


def group_max(values: Sequence[float | None] | np.ndarray, k: int) -> np.ndarray:
    """Maximum of each group of `k` consecutive values (the last group may be shorter)."""
    arr = as_array(values)
    pad = (-len(arr)) % k
    if pad:
        arr = np.concatenate([arr, np.full(pad, np.nan)])
    # fmax ignores NaN unless the whole group is NaN.
    result: np.ndarray = np.fmax.reduce(arr.reshape(-1, k), axis=1)
    return result


def _take_last(values: Sequence[T] | np.ndarray, n: int, k: int) -> list[T]:
    if k == 1:
        return list(values)
    out = list(values[k - 1 : n : k])
    if n % k:
        out.append(values[n - 1])
    return out


def chart_values(arr: np.ndarray) -> list[float | None]:
    """JSON-ready values: 4 decimals, NaN as None.

    Rounding is rint(x * 10^4) / 10^4: the quotient is the double nearest a 4-decimal
    number, so its shortest repr has no artefacts.
    """
    rounded = np.round(arr, _CHART_DECIMALS)
    out: list[float | None] = rounded.tolist()
    if np.isnan(rounded).any():
        out = [None if v != v else v for v in out]  # NaN is the only value != itself
    return out


# Cached: the SLOs of one report share their bucket timestamps.
_iso = lru_cache(maxsize=8192)(iso)


def downsample_series(series: ChartSeries, max_points: int = DEFAULT_MAX_POINTS) -> dict[str, Any]:
    """The report's `series` object: at most `max_points` points per line."""
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")
    n = len(series.timestamps)
    if n == 0:
        return {"timestamps": [], "sliPercent": [], "budgetRemainingPercent": [], "burnRate": {}}
    k = -(-n // max_points)  # ceil: the group size
    return {
        "timestamps": [_iso(t) for t in _take_last(series.timestamps, n, k)],
        "sliPercent": chart_values(as_array(_take_last(series.sli_percent, n, k))),
        "budgetRemainingPercent": chart_values(
            as_array(_take_last(series.budget_remaining_percent, n, k))
        ),
        "burnRate": {
            w: chart_values(group_max(v, k) if k > 1 else as_array(v))
            for w, v in series.burn_rate.items()
        },
    }


__all__ = ["DEFAULT_MAX_POINTS", "as_array", "chart_values", "downsample_series", "group_max"]
