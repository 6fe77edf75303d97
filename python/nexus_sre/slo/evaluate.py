"""Turn one SLO's per-bucket good/total series into an `SloEvaluation`.

Every source (embedded counters, Parquet backfill, Prometheus history) ends here, so the
figures a report shows are computed one way: the budget (`budget.py`, exact rationals), the
rolling burn rates and the alert backtest (the Rust core: sliding sums over windows), and
the burn rates ending at the period's end, the SLI to date and the burndown (tail and
running sums in numpy, `cumulative_figures`).

The running figures are numpy's, not the core's: each is one or two `cumsum`s over arrays
already in numpy, with nothing windowed to slide, and the burndown needs the span's total
before its first value. The core had a period-to-date function, but its budget figure was
another one (1 - error ratio so far / budget share, which swings wildly over the first
events), so it was removed rather than kept beside this one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pyarrow as pa

from .. import _core
from ..common.arrow_numpy import to_numpy
from ..common.durations import format_duration
from ..common.figures import reaches
from ..config import SLO, Service
from ..errors import InvalidInputError
from .budget import period_budget
from .evaluation import ChartSeries, FiredAlert, PartialWindow, SloEvaluation
from .period import period_bounds
from .windows import alert_tiers, exhaustion_window, report_windows, usable_alerts

__all__ = [
    "BucketSeries",
    "alert_tiers",
    "covered_backtest",
    "cumulative_figures",
    "evaluate_series",
    "period_bounds",
    "report_windows",
    "usable_alerts",
]

_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class BucketSeries:
    """Per-bucket counts: bucket i starts at `start + i * bucket_seconds`."""

    start: datetime
    bucket_seconds: int
    good: np.ndarray  # uint64
    total: np.ndarray  # uint64

    def __post_init__(self) -> None:
        if len(self.good) != len(self.total):
            raise InvalidInputError(
                f"good/total: series must have the same length, got {len(self.good)} "
                f"and {len(self.total)}"
            )

    @classmethod
    def from_table(cls, table: pa.Table, bucket_seconds: int, start: datetime) -> BucketSeries:
        """From a (bucket_start, good, total) table of consecutive buckets."""
        good = to_numpy(table.column("good")).astype(np.uint64, copy=False)
        total = to_numpy(table.column("total")).astype(np.uint64, copy=False)
        return cls(start=start, bucket_seconds=bucket_seconds, good=good, total=total)

    def time_at(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.bucket_seconds)


def cumulative_figures(
    good: np.ndarray, total: np.ndarray, budget_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """After each bucket: the span-to-date SLI in percent (NaN before the first event), and
    the budget burndown, the share of the span's budget left: 1 - bad so far / (budget
    share of all the span's events). The burndown only falls and ends at the span's figure.
    Counts are whole events (uint64); sums below 2**53 are exact in float64."""
    good_so_far = np.cumsum(good, dtype=np.uint64)
    total_so_far = np.cumsum(total, dtype=np.uint64)
    with np.errstate(invalid="ignore"):  # 0 / 0 before the first event: NaN
        sli = good_so_far / total_so_far * 100.0
    all_events = int(total_so_far[-1]) if len(total_so_far) else 0
    if all_events == 0:
        return sli, np.ones(len(total))
    bad_so_far = (total_so_far - good_so_far).astype(np.float64)
    return sli, 1.0 - bad_so_far / (budget_fraction * all_events)


def covered_backtest(
    slo: SLO, good: np.ndarray, total: np.ndarray, bucket_seconds: int
) -> list[tuple[int, int, int, float]]:
    """The core's alert backtest over per-bucket counts whose data begins at bucket 0:
    (alert index, first firing bucket, end bucket exclusive, peak long-window burn). An
    alert cannot fire while its long window reaches before the data (bucket i is judged on
    buckets i - k + 1 .. i, all data from bucket k - 1 on): no cold-start alerts."""
    alerts = usable_alerts(slo, bucket_seconds)
    target = float(slo.target)
    intervals = _core.backtest(
        good, total, bucket_seconds, target, alert_tiers(alerts), slo.alerting.min_events
    )
    out = []
    long_burns: dict[int, np.ndarray] = {}
    for pos, first, end, peak in intervals:
        k = alerts[pos].long_window // bucket_seconds
        if end <= k - 1:
            continue  # it only ever held on a partial window
        if first < k - 1:
            first = k - 1
            if k not in long_burns:
                (arr,) = _core.rolling_burn_rates(good, total, [k], target)
                long_burns[k] = to_numpy(arr)
            peak = float(long_burns[k][first:end].max())
        out.append((pos, first, end, peak))
    return out


def _fired_alerts(
    slo: SLO, series: BucketSeries, first_shown: int
) -> tuple[list[FiredAlert], list[PartialWindow]]:
    """Burn-rate alerts over the whole series (lead-in included) that fire in the period
    (from bucket `first_shown`). The data begins with the series: an alert whose long window
    still reaches before it cannot fire there (its window is partial)."""
    usable = usable_alerts(slo, series.bucket_seconds)
    bucket = series.bucket_seconds
    n = len(series.good)
    out: list[FiredAlert] = []
    for pos, first, end, peak in covered_backtest(slo, series.good, series.total, bucket):
        if end <= first_shown:
            continue  # over before the period began
        alert = usable[pos]
        out.append(
            FiredAlert(
                name=alert.name,
                severity=alert.severity,
                kind="burn_rate",
                # It fires at the end of its first bucket, and stops at the end of the
                # first bucket where it no longer holds.
                start=series.time_at(first + 1),
                end=None if end >= n else series.time_at(end + 1),
                peak_burn_rate=peak,
                factor=float(alert.factor),
                long_window_s=alert.long_window,
                short_window_s=alert.short_window,
            )
        )
    partial = {}
    for alert in usable:
        covered = alert.long_window // bucket - 1
        if covered > first_shown and alert.name not in partial:
            partial[alert.name] = PartialWindow(
                alert.name, alert.long_window, series.time_at(covered + 1)
            )
    return out, list(partial.values())


def _exhaustion_alerts(
    slo: SLO, remaining: np.ndarray, series: BucketSeries, offset: int
) -> list[FiredAlert]:
    """Budget-exhaustion levels reached in the SLI's span (which starts at bucket `offset`
    of the series). The burndown only falls, so a level reached stays reached to the end of
    the period (`end` is None)."""
    consumed = 1.0 - remaining
    out = []
    for threshold in slo.alerting.budget_exhaustion:
        level = float(threshold.percentage) / 100.0
        hits = np.nonzero(reaches(consumed, level))[0]  # type: ignore[arg-type]
        if len(hits) == 0:
            continue
        first = int(hits[0]) + offset
        out.append(
            FiredAlert(
                name=f"budget-{threshold.percentage}",
                severity=threshold.severity,
                kind="budget_exhaustion",
                start=series.time_at(first + 1),
                end=None,
                peak_burn_rate=None,
                factor=None,
            )
        )
    return out


def _index(series: BucketSeries, t: datetime | None, default: int) -> int:
    if t is None:
        return default
    k = round((t - series.start).total_seconds()) // series.bucket_seconds
    return min(max(int(k), 0), len(series.good))


def evaluate_series(
    service: Service,
    slo: SLO,
    series: BucketSeries,
    *,
    period_end: datetime | None = None,
    with_series: bool = True,
    period_start: datetime | None = None,
    window_start: datetime | None = None,
    budget_seconds: int | None = None,
) -> SloEvaluation:
    """Evaluate an SLO over `[period_start, period_end)` of the series (default: all of it).

    The series may begin before `period_start` (a lead-in): alert windows then see the data
    before the period, while only alerts firing in the period are reported. The data is
    taken to begin with the series, so an alert whose long window reaches before it cannot
    fire yet (`partial_windows`). The SLI and budget cover `[window_start, period_end)`
    (default: the period), a budget of `budget_seconds` (default: that span's length).
    """
    n = len(series.good)
    bucket = series.bucket_seconds
    period_end = period_end or series.time_at(n)
    shown = _index(series, period_start, 0)
    period_start = series.time_at(shown) if period_start is not None else series.start
    sli_from = max(_index(series, window_start, shown), shown)
    window_start = series.time_at(sli_from)
    span_seconds = max(int((period_end - window_start).total_seconds()), bucket)
    budget_seconds = budget_seconds or span_seconds
    good_w, total_w = series.good[sli_from:], series.total[sli_from:]
    good_sum, total_sum = int(good_w.sum()), int(total_w.sum())
    target = float(slo.target)
    bf = float(slo.budget_fraction)

    # Burn rates ending at the period's end over each alert window the data covers, then
    # over the SLI's span; each needs only its window's tail sums.
    windows = report_windows(slo, bucket, span_seconds)
    windows = [w for w in windows[:-1] if w <= n * bucket] + windows[-1:]
    burn_now: dict[str, float] = {}
    burn_series: dict[str, np.ndarray] = {}
    if n:
        for w in windows:
            # A calendar window is month- or week-to-date: name it so.
            if w == windows[-1] and slo.time_window.calendar is not None:
                label = str(slo.time_window.calendar)
            else:
                label = format_duration(w)
            k = w // bucket
            t = int(series.total[-k:].sum())
            burn_now[label] = 0.0 if t == 0 else (t - int(series.good[-k:].sum())) / t / bf
        if with_series:
            # Whole rolling series (the core) only for the alert long windows the charts
            # draw, over the lead-in too, so the period's first buckets see full windows.
            chart_windows = sorted({a.long_window for a in slo.alerting.burn_rate} & set(windows))
            arrays = _core.rolling_burn_rates(
                series.good, series.total, [w // bucket for w in chart_windows], target
            )
            for w, arr in zip(chart_windows, arrays, strict=True):
                burn_series[format_duration(w)] = to_numpy(arr)[shown:]
        sli_series, remaining = cumulative_figures(good_w, total_w, bf)
    else:
        sli_series, remaining = np.ones(0), np.ones(0)
    hour_window = exhaustion_window(slo)
    hour_burn = burn_now.get(format_duration(hour_window), 0.0) if hour_window else 0.0
    budget = period_budget(slo, budget_seconds, good_sum, total_sum, hour_burn)
    alerts: list[FiredAlert] = []
    partial: list[PartialWindow] = []
    if n:
        alerts, partial = _fired_alerts(slo, series, shown)
        alerts += _exhaustion_alerts(slo, remaining, series, sli_from)
    alerts.sort(key=lambda a: (a.start, -_SEVERITY_RANK.get(a.severity, 0)))

    chart = None
    if with_series:
        # History before the SLI's span has no SLI or budget figures: NaN there.
        before = np.full(sli_from - shown, np.nan)
        chart = ChartSeries(
            timestamps=_bucket_ends(period_start, bucket, n - shown),
            sli_percent=np.concatenate([before, sli_series]) if len(before) else sli_series,
            budget_remaining_percent=np.concatenate([before, remaining * 100.0])
            if len(before)
            else remaining * 100.0,
            burn_rate=burn_series,
        )
    return SloEvaluation(
        service=service.name,
        tier=service.tier,
        owner=service.owner,
        slo_id=slo.id,
        slo_name=slo.name,
        sli_type=slo.sli.type,
        target_percent=target,
        period_start=period_start,
        period_end=period_end,
        good=good_sum,
        total=total_sum,
        sli_percent=None if total_sum == 0 else good_sum / total_sum * 100.0,
        budget=budget,
        burn_rates=burn_now,
        alerts=alerts,
        series=chart,
        min_events=slo.alerting.min_events,
        window_start=window_start if sli_from > shown else None,
        partial_windows=partial,
    )


@lru_cache(maxsize=64)
def _bucket_ends(start: datetime, bucket_seconds: int, n: int) -> tuple[datetime, ...]:
    # Shared by every SLO of a report evaluated over the same period.
    return tuple(start + timedelta(seconds=(i + 1) * bucket_seconds) for i in range(n))
