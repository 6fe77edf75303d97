"""The span an SLO is evaluated over: its own window (rolling or calendar) or an explicit one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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

    def align(t: datetime, up: bool) -> datetime:
        ts = t.timestamp()
        k = -(-ts // bucket_seconds) if up else ts // bucket_seconds
        return datetime.fromtimestamp(k * bucket_seconds, UTC)

    end = end or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    if start is None and days is None and slo.time_window.calendar is not None:
        first, last = slo.time_window.bounds(end)
        start, end = first.astimezone(UTC), min(last.astimezone(UTC), end)
    end = align(end, up=False)
    if start is None:
        span = (
            timedelta(days=days) if days is not None else timedelta(seconds=slo.time_window.seconds)
        )
        start = end - span
    elif start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    start = align(start, up=True)
    if start >= end:
        raise InvalidInputError(
            f"period: start {start.isoformat()} is not before end {end.isoformat()}"
        )
    return start, end
