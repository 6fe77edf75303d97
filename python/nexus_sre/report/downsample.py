"""Chart series cut down to a few hundred points without hiding what matters.

A point stands for a group of consecutive buckets and sits at the group's last bucket.
Cumulative series (SLI, budget remaining) take their value there, which is exact at that
instant. Burn rates take the group's maximum, so a spike that crossed an alert threshold
still crosses it on the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np

from ..evaluation import Series

DEFAULT_MAX_POINTS = 300
# Chart values keep 4 decimals; round() gives the shortest float, so no artefacts.
_CHART_DECIMALS = 4

T = TypeVar("T")


def _take_last(values: Sequence[T], n: int, k: int) -> list[T]:
    if k == 1:
        return list(values)
    out = list(values[k - 1 : n : k])
    if n % k:
        out.append(values[n - 1])
    return out


def group_max(values: Sequence[float | None], k: int) -> list[float | None]:
    """Maximum of each group of `k` consecutive values (the last group may be shorter)."""
    n = len(values)
    arr = np.asarray(values, dtype=float)  # None becomes NaN
    pad = (-n) % k
    if pad:
        arr = np.concatenate([arr, np.full(pad, np.nan)])
    # fmax ignores NaN unless the whole group is NaN.
    maxima = np.fmax.reduce(arr.reshape(-1, k), axis=1)
    return [None if math.isnan(v) else v for v in maxima.tolist()]


def _round(values: list[Any]) -> list[float | None]:
    return [None if v is None else round(float(v), _CHART_DECIMALS) for v in values]


_ZERO = timedelta(0)


def _iso(ts: datetime) -> str:
    offset = ts.utcoffset()
    if offset is None:
        raise ValueError(f"series timestamp {ts!r} has no timezone")
    if offset != _ZERO:
        ts = ts.astimezone(UTC)
    return f"{ts:%Y-%m-%dT%H:%M:%S}Z"


def downsample_series(series: Series, max_points: int = DEFAULT_MAX_POINTS) -> dict[str, Any]:
    """The report's `series` object: at most `max_points` points per line."""
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")
    n = len(series.timestamps)
    if n == 0:
        return {"timestamps": [], "sliPercent": [], "budgetRemainingPercent": [], "burnRate": {}}
    k = -(-n // max_points)  # ceil: the group size
    return {
        "timestamps": [_iso(t) for t in _take_last(series.timestamps, n, k)],
        "sliPercent": _round(_take_last(series.sli_percent, n, k)),
        "budgetRemainingPercent": _round(_take_last(series.budget_remaining_percent, n, k)),
        "burnRate": {
            w: _round(group_max(v, k) if k > 1 else list(v)) for w, v in series.burn_rate.items()
        },
    }


__all__ = ["DEFAULT_MAX_POINTS", "downsample_series", "group_max"]
