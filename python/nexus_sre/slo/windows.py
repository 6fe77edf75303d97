"""The alert windows of an SLO, derived once: which windows a counter keeps, which burn rates
a report shows, the tiers the core evaluates, and the check that they are whole buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..common.durations import format_duration
from ..config import SLO, BurnRateAlert, TimeWindow
from ..errors import WindowError


def alert_windows(slo: SLO) -> list[int]:
    """Every long and short window of the SLO's burn-rate alerts, ascending, once each."""
    return sorted({w for a in slo.alerting.burn_rate for w in (a.long_window, a.short_window)})


def exhaustion_window(slo: SLO) -> int | None:
    """The window whose burn rate drives the time to budget exhaustion: the shortest alert
    long window (1h with the Workbook tiers); None without burn-rate alerts."""
    return min((a.long_window for a in slo.alerting.burn_rate), default=None)


def longest_alert_window(slo: SLO) -> int:
    """The lead-in alert windows need before a period starts (0 without alerts)."""
    return max(alert_windows(slo), default=0)


def check_alert_buckets(slo: SLO, bucket_seconds: int) -> None:
    """WindowError, naming the SLO, alert and window, unless every alert window is a whole
    number of buckets: the one behaviour of streaming evaluation and backfill alike."""
    for a in slo.alerting.burn_rate:
        for what, w in (("window", a.long_window), ("short window", a.short_window)):
            if w % bucket_seconds:
                raise WindowError(
                    f"SLO {slo.id!r}: alert {a.name!r} {what} {format_duration(w)} is not a "
                    f"whole number of {format_duration(bucket_seconds)} buckets; use a "
                    "window that is"
                )


def usable_alerts(
    slo: SLO, bucket_seconds: int, horizon_seconds: int | None = None
) -> list[BurnRateAlert]:
    """The SLO's burn-rate alerts (windows checked to be whole buckets) whose long window
    fits the horizon of the data."""
    check_alert_buckets(slo, bucket_seconds)
    return [
        a
        for a in slo.alerting.burn_rate
        if horizon_seconds is None or a.long_window <= horizon_seconds
    ]


def alert_tiers(alerts: list[BurnRateAlert]) -> list[tuple[float, int, int]]:
    """(factor, long window, short window) per alert, as the core takes them."""
    return [(float(a.factor), a.long_window, a.short_window) for a in alerts]


def report_windows(slo: SLO, bucket_seconds: int, period_seconds: int) -> list[int]:
    """The windows whose burn rate a report shows: every alert window that fits the period,
    then the period itself."""
    check_alert_buckets(slo, bucket_seconds)
    shown = [w for w in alert_windows(slo) if w <= period_seconds]
    return shown if period_seconds in shown else [*shown, period_seconds]


def own_window(slo: SLO, end: datetime) -> tuple[datetime, int]:
    """The SLO's own window ending at `end`: its start and its full length in seconds. A
    calendar window is the month or week containing the instant before `end`, with its
    real length in its time zone (31 days in December, 23 or 25 hours more or less across
    DST); a rolling window is the `seconds` before `end`."""
    return window_at(slo.time_window, end)


def window_at(tw: TimeWindow, end: datetime) -> tuple[datetime, int]:
    """`own_window` of a time window."""
    if tw.calendar is None:
        return end - timedelta(seconds=tw.seconds), tw.seconds
    first, last = tw.bounds(end - timedelta(seconds=1))
    length = int((last.astimezone(UTC) - first.astimezone(UTC)).total_seconds())
    return first.astimezone(UTC), length


def window_so_far(tw: TimeWindow, end: float, bucket_seconds: int) -> int:
    """The seconds of the window that end at `end` (unix seconds) and hold data: a rolling
    window's length, or the part of the calendar month or week so far, in whole buckets
    (at least one). What live budgets and /metrics read."""
    if tw.calendar is None:
        return tw.seconds
    start, _ = window_at(tw, datetime.fromtimestamp(end, UTC))
    span = int(end - start.timestamp())
    return max(bucket_seconds, span // bucket_seconds * bucket_seconds)


def budget_seconds(slo: SLO, start: datetime, end: datetime, bucket_seconds: int = 1) -> int:
    """The budget length of the SLO evaluated over [start, end): its whole window's real
    length (`own_window`) when the span reaches back to the window's start (a calendar month
    to date has the whole month's budget), else the span's own length (`--days 1` of a
    30-day SLO is one day's budget). `bucket_seconds` aligns the window's start as the
    evaluated span is aligned."""
    own_start, own_length = own_window(slo, end)
    ts = own_start.timestamp()
    aligned = datetime.fromtimestamp(-(-ts // bucket_seconds) * bucket_seconds, UTC)
    if start <= aligned:
        return own_length
    return int((end - start).total_seconds())
