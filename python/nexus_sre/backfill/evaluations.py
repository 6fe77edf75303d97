"""A backfill as `SloEvaluation`s, through `nexus_sre.sources.backfill.BackfillSource` and
so the same evaluator as every other source (`nexus_sre.slo.evaluate.evaluate_series`): reports
show figures computed one way."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from ..common.times import from_epoch
from ..config.model import Config
from ..slo.evaluation import SloEvaluation
from ..slo.windows import longest_alert_window
from .result import BackfillResult


def to_evaluations(
    result: BackfillResult, config: Config, *, with_series: bool = True
) -> list[SloEvaluation]:
    """One evaluation per SLO over the backfilled range [result.start, result.end)."""
    from ..sources.backfill import BackfillSource

    start = end = None  # an empty result: BackfillSource says there are no events
    if result.start is not None and result.end is not None:
        start, end = from_epoch(result.start), from_epoch(result.end)
    source = BackfillSource.from_result(result)
    return source.evaluations(config, start=start, end=end, with_series=with_series)


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
    period_start = start
    from ..sources.backfill import BackfillSource
    from . import backfill_partial

    if start is not None:
        # The rows before the period feed its first alert windows (no cold start).
        lead = max((longest_alert_window(slo) for _, slo in config.slos()), default=0)
        start = start - timedelta(seconds=lead)
    state = backfill_partial(config, data, start=start, end=end, **backfill_options)
    label = str(data) if isinstance(data, str | os.PathLike) else type(data).__name__
    return BackfillSource.from_state(state, label).evaluations(
        config, start=period_start, end=end, days=days, services=services, with_series=with_series
    )
