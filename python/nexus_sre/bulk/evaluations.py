"""A backfill as `SloEvaluation`s, through the same evaluator as every other source
(`nexus_sre.evaluate.evaluate_series`), so reports show figures computed one way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..config.model import Config
from ..errors import InvalidInputError
from ..evaluation import SloEvaluation
from .engine import PartialState, backfill_partial
from .result import BackfillResult


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def to_evaluations(
    result: BackfillResult, config: Config, *, with_series: bool = True
) -> list[SloEvaluation]:
    """One evaluation per SLO over the backfilled range [result.start, result.end)."""
    from ..evaluate import BucketSeries, evaluate_series

    out = []
    start = _dt(result.start or 0)
    for (service, slo), s in zip(config.slos(), result.slos, strict=True):
        series = BucketSeries(start, result.bucket_seconds, s.good, s.total)
        out.append(
            evaluate_series(
                service, slo, series, period_end=_dt(result.end or 0), with_series=with_series
            )
        )
    return out


def evaluations_from_data(
    config: Config,
    data: Any,
    *,
    services: list[str] | None = None,
    with_series: bool = True,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    **backfill_options: Any,
) -> list[SloEvaluation]:
    """The report's parquet source: each SLO over its period (explicit start/end, the last
    `days`, or its own window) ending at `end`, by default the end of the data."""
    from ..evaluate import BucketSeries, evaluate_series, period_bounds

    state = backfill_partial(config, data, start=start, end=end, **backfill_options)
    if end is None:
        last = _last_bucket(state)
        if last is None:
            raise InvalidInputError(f"--data: no rows in {data}")
        end = _dt((last + 1) * state.bucket_seconds)
    out = []
    for i, (service, slo) in enumerate(config.slos()):
        if services and service.name not in services:
            continue
        p_start, p_end = period_bounds(
            slo, start=start, end=end, days=days, bucket_seconds=state.bucket_seconds
        )
        first = int(p_start.timestamp()) // state.bucket_seconds
        last = int(p_end.timestamp()) // state.bucket_seconds - 1
        good, total = state.dense(i, first, last)
        series = BucketSeries(p_start, state.bucket_seconds, good, total)
        out.append(evaluate_series(service, slo, series, period_end=p_end, with_series=with_series))
    return out


def _last_bucket(state: PartialState) -> int | None:
    lasts = [
        base + int(t.nonzero()[0][-1])
        for base, t in zip(state.bases, state.total, strict=True)
        if t.any()
    ]
    return max(lasts) if lasts else None
