"""A backfill result as `SloEvaluation`s: what the report command renders."""

from __future__ import annotations

from datetime import UTC, datetime

from ..config.model import Config
from ..durations import format_duration
from ..evaluation import ErrorBudget, FiredAlert, Series, SloEvaluation
from ._native import core
from .result import BackfillResult


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def to_evaluations(result: BackfillResult, config: Config) -> list[SloEvaluation]:
    """One evaluation per SLO over the backfilled range [result.start, result.end)."""
    _core = core()

    out = []
    start = _dt(result.start or 0)
    end = _dt(result.end or 0)
    for (service, slo), s in zip(config.slos(), result.slos, strict=True):
        period = float(slo.time_window.seconds)
        good, total = s.good_sum, s.total_sum
        figures = _core.error_budget(float(slo.target), period, good, total)
        # Current burn: the shortest long window of the alert tiers, at the last bucket.
        longs = sorted(a.long_window for a in slo.alerting.burn_rate)
        burn_now = float(s.burn[longs[0]][-1]) if longs and len(s.total) else 0.0
        tte = _core.time_to_exhaustion(figures.remaining_fraction, burn_now, period)
        budget = ErrorBudget(
            total_minutes=figures.total_minutes,
            total_events=figures.total_events if total else None,
            consumed_fraction=figures.consumed_fraction,
            remaining_fraction=figures.remaining_fraction,
            consumed_minutes=figures.consumed_minutes,
            remaining_minutes=figures.remaining_minutes,
            status=figures.status,
            time_to_exhaustion_hours=None if tte is None else tte / 3600.0,
        )
        n = len(s.total)
        stamps = [_dt((s.first_bucket + i) * result.bucket_seconds) for i in range(n)]
        cum_good, cum_total = s.good.cumsum(), s.total.cumsum()
        sli_series = [
            None if t == 0 else float(g) / float(t) * 100.0
            for g, t in zip(cum_good, cum_total, strict=True)
        ]
        out.append(
            SloEvaluation(
                service=service.name,
                tier=service.tier,
                owner=service.owner,
                slo_id=slo.id,
                slo_name=slo.name,
                sli_type=slo.sli.type,
                target_percent=float(slo.target),
                period_start=start,
                period_end=end,
                good=good,
                total=total,
                sli_percent=None if s.sli is None else s.sli * 100.0,
                budget=budget,
                burn_rates={
                    format_duration(w): float(b[-1]) if n else 0.0 for w, b in s.burn.items()
                },
                alerts=[
                    FiredAlert(
                        name=a.name,
                        severity=a.severity,
                        kind="burn_rate",
                        start=_dt(a.start),
                        end=None if a.end is None else _dt(a.end),
                        peak_burn_rate=a.peak_burn,
                        factor=a.factor,
                        long_window_s=a.long_window,
                        short_window_s=a.short_window,
                    )
                    for a in s.alerts
                ],
                series=Series(
                    timestamps=stamps,
                    sli_percent=sli_series,
                    budget_remaining_percent=[float(v) * 100.0 for v in s.budget_remaining],
                    burn_rate={
                        format_duration(w): [float(v) for v in b] for w, b in s.burn.items()
                    },
                ),
                min_events=slo.alerting.min_events,
            )
        )
    return out
