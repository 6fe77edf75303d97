"""The span an SLO is evaluated over: its own window (rolling or calendar) or an explicit one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..common.times import align, aware, iso
from ..config import SLO
from ..errors import InvalidInputError


def period_bounds(
    slo: SLO,
    *,
    end: datetime | None = None,
    start: datetime | None = None,
    days: float | None = None,
    bucket_seconds: int = 60,
) -> tuple[datetime, datetime]:
    """The evaluated span: explicit start/end, the last `days`, or the SLO's own window
    ending at `end` (default now). The end is aligned down to a bucket boundary (a period
    never ends in the future), an explicit start up, so only whole buckets count."""
    end = aware(end) if end is not None else datetime.now(UTC)
    if start is None and days is None and slo.time_window.calendar is not None:
        first, last = slo.time_window.bounds(end)
        start, end = first.astimezone(UTC), min(last.astimezone(UTC), end)
    end = align(end, bucket_seconds)
    if start is None:
        span = (
            timedelta(days=days) if days is not None else timedelta(seconds=slo.time_window.seconds)
        )
        start = end - span
    start = align(start, bucket_seconds, up=True)
    if start >= end:
        raise InvalidInputError(f"period: start {iso(start)} is not before end {iso(end)}")
    return start, end
