"""The backfill's budget remaining per bucket for a calendar-aligned SLO: over the month or
week so far (in the window's time zone), starting whole again at each period's start,
where a rolling window's is over the trailing window."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from ..config.model import TimeWindow


def period_starts(tw: TimeWindow, first_bucket: int, n: int, bucket_seconds: int) -> np.ndarray:
    """Indices of the buckets that begin a new calendar period after bucket 0 (a bucket
    belongs to the period holding its start)."""
    begin, end = first_bucket * bucket_seconds, (first_bucket + n) * bucket_seconds
    out = []
    t = begin
    while True:
        _, period_end = tw.bounds(datetime.fromtimestamp(t, UTC))
        t = int(period_end.timestamp())
        if t >= end:
            break
        # the first bucket whose start is at or after the period's end
        out.append(-(-(t - begin) // bucket_seconds))
    return np.array(sorted(set(out)), dtype=np.int64)


def calendar_budget_remaining(
    tw: TimeWindow,
    first_bucket: int,
    bucket_seconds: int,
    good: np.ndarray,
    total: np.ndarray,
    budget_fraction: float,
) -> np.ndarray:
    """1 - (bad / total) / budget over the period so far, at the end of each bucket; 1.0
    while the period has no events yet (as the rolling series without traffic)."""
    n = len(total)
    bad = np.cumsum(total.astype(np.int64) - good.astype(np.int64))
    events = np.cumsum(total.astype(np.int64))
    starts = period_starts(tw, first_bucket, n, bucket_seconds)
    starts = starts[starts < n]
    # Counts before each bucket's period began: the cumulative sums at its start - 1.
    segment = np.searchsorted(starts, np.arange(n), side="right")
    offsets = np.concatenate(([0], starts))[segment]
    before = np.where(offsets > 0, offsets - 1, 0)
    bad_so_far = bad - np.where(offsets > 0, bad[before], 0)
    events_so_far = events - np.where(offsets > 0, events[before], 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = bad_so_far / events_so_far
    return np.where(events_so_far > 0, 1.0 - ratio / budget_fraction, 1.0)
