"""Turn one SLO's per-bucket good/total series into an `SloEvaluation`.

Every source (embedded counters, Parquet backfill, Prometheus history) ends here, so the
figures a report shows are computed one way, by the Rust core: budget, burn rates over
each alert window, period-to-date SLI and budget, and the alert backtest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
import pyarrow as pa

from .. import _core
from ..common.durations import format_duration
from ..config import SLO, BurnRateAlert, Service
from ..errors import InvalidInputError
from .budget import error_budget as _budget
from .evaluation import FiredAlert, Series, SloEvaluation
from .period import period_bounds  # noqa: F401  (re-exported: sources import it from here)

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
        good = table.column("good").to_numpy().astype(np.uint64, copy=False)
        total = table.column("total").to_numpy().astype(np.uint64, copy=False)
        return cls(start=start, bucket_seconds=bucket_seconds, good=good, total=total)

    def time_at(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.bucket_seconds)


def usable_alerts(
    slo: SLO, bucket_seconds: int, horizon_seconds: int | None = None
) -> list[BurnRateAlert]:
    """The SLO's burn-rate alerts whose windows are whole buckets (and fit the horizon)."""
    return [
        a
        for a in slo.alerting.burn_rate
        if a.long_window % bucket_seconds == 0
        and a.short_window % bucket_seconds == 0
        and (horizon_seconds is None or a.long_window <= horizon_seconds)
    ]


def alert_tiers(alerts: list[BurnRateAlert]) -> list[tuple[float, int, int]]:
    """(factor, long window, short window) per alert, as the core takes them."""
    return [(float(a.factor), a.long_window, a.short_window) for a in alerts]


def report_windows(slo: SLO, bucket_seconds: int, period_seconds: int) -> list[int]:
    """The windows whose burn rate a report shows: every alert window, then the period."""
    seen: list[int] = []
    for a in slo.alerting.burn_rate:
        for w in (a.short_window, a.long_window):
            if w not in seen and w % bucket_seconds == 0 and w <= period_seconds:
                seen.append(w)
    seen.sort()
    if period_seconds not in seen:
        seen.append(period_seconds)
    return seen


def cumulative_figures(
    good: np.ndarray, total: np.ndarray, budget_fraction: float
) -> tuple[np.ndarray, np.ndarray]:
    """After each bucket: the period-to-date SLI in percent (NaN before the first event),
    and the budget burndown, the share of the period's budget left: 1 - bad so far /
    (budget share of all the period's events). The burndown only falls and ends at the
    period's figure; a period-to-date ratio would swing wildly over the first events."""
    cum_total = np.cumsum(total, dtype=np.float64)
    cum_good = np.cumsum(good, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        sli = np.where(cum_total > 0, cum_good / cum_total * 100.0, np.nan)
    all_events = cum_total[-1] if len(cum_total) else 0.0
    if all_events == 0:
        return sli, np.ones(len(total))
    return sli, 1.0 - (cum_total - cum_good) / (budget_fraction * all_events)


def _fired_alerts(slo: SLO, series: BucketSeries) -> list[FiredAlert]:
    usable = usable_alerts(slo, series.bucket_seconds)
    intervals = _core.backtest(
        series.good,
        series.total,
        series.bucket_seconds,
        float(slo.target),
        alert_tiers(usable),
        slo.alerting.min_events,
    )
    n = len(series.good)
    out: list[FiredAlert] = []
    for tier_pos, first, end, peak in intervals:
        alert = usable[tier_pos]
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
    return out


def _exhaustion_alerts(slo: SLO, remaining: np.ndarray, series: BucketSeries) -> list[FiredAlert]:
    """Budget-exhaustion thresholds crossed in the period. The burndown only falls, so a
    crossed threshold stays crossed to the end of the period (`end` is None)."""
    consumed = 1.0 - remaining
    out = []
    for threshold in slo.alerting.budget_exhaustion:
        level = float(threshold.percentage) / 100.0
        hits = np.nonzero(consumed >= level * (1 - 1e-12))[0]
        if len(hits) == 0:
            continue
        first = int(hits[0])
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


def evaluate_series(
    service: Service,
    slo: SLO,
    series: BucketSeries,
    *,
    period_end: datetime | None = None,
    with_series: bool = True,
) -> SloEvaluation:
    """Evaluate an SLO over the period the series covers."""
    n = len(series.good)
    bucket = series.bucket_seconds
    period_start = series.start
    period_end = period_end or series.time_at(n)
    period_seconds = max(int((period_end - period_start).total_seconds()), bucket)
    good_sum, total_sum = int(series.good.sum()), int(series.total.sum())
    target = float(slo.target)

    windows = report_windows(slo, bucket, max(period_seconds, bucket))
    burn_now: dict[str, float] = {}
    burn_series: dict[str, np.ndarray] = {}
    bf = float(slo.budget_fraction)
    if n:
        # Burn rates now need only each window's tail sums; whole rolling series are
        # computed (by the core) only for the alert long windows the charts draw.
        for w in windows:
            # A calendar period's window is month- or week-to-date: name it so.
            if w == windows[-1] and slo.time_window.calendar is not None:
                label = str(slo.time_window.calendar)
            else:
                label = format_duration(w)
            k = w // bucket
            t = int(series.total[-k:].sum())
            burn_now[label] = 0.0 if t == 0 else (t - int(series.good[-k:].sum())) / t / bf
        if with_series:
            chart_windows = sorted({a.long_window for a in slo.alerting.burn_rate} & set(windows))
            arrays = _core.rolling_burn_rates(
                series.good, series.total, [w // bucket for w in chart_windows], target
            )
            for w, arr in zip(chart_windows, arrays, strict=True):
                burn_series[format_duration(w)] = arr.to_numpy()
        sli_series, remaining = cumulative_figures(series.good, series.total, bf)
    else:
        sli_series, remaining = np.ones(0), np.ones(0)
    # The budget's period is the SLO's window; the evaluated span may be shorter.
    budget_period = slo.time_window.seconds
    longs = sorted(a.long_window for a in slo.alerting.burn_rate)
    hour_label = format_duration(longs[0]) if longs else ""
    hour_burn = burn_now.get(hour_label, 0.0)
    budget = _budget(slo, budget_period, good_sum, total_sum, hour_burn)
    alerts = _fired_alerts(slo, series) if n else []
    alerts += _exhaustion_alerts(slo, remaining, series) if n else []
    alerts.sort(key=lambda a: (a.start, -_SEVERITY_RANK.get(a.severity, 0)))

    chart = None
    if with_series:
        chart = Series(
            timestamps=_bucket_ends(series.start, series.bucket_seconds, n),
            sli_percent=sli_series,
            budget_remaining_percent=remaining * 100.0,
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
    )


@lru_cache(maxsize=64)
def _bucket_ends(start: datetime, bucket_seconds: int, n: int) -> tuple[datetime, ...]:
    # Shared by every SLO of a report evaluated over the same period.
    return tuple(start + timedelta(seconds=(i + 1) * bucket_seconds) for i in range(n))
