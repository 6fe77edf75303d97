"""The datadog source: each SLO's per-minute good/total series over a period, read from
Datadog, for the same evaluation every other source ends in (`slo.evaluate`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..config import SLO, Config, Service
from ..errors import NoDataError
from ..slo.evaluate import BucketSeries, evaluate_series, period_bounds
from ..slo.evaluation import SloEvaluation
from .metrics import MetricsReader
from .queries import STEP_SECONDS, sli_queries
from .settings import connect


def bucket_series(
    reader: MetricsReader, service: Service, slo: SLO, start: datetime, end: datetime
) -> BucketSeries:
    """The SLO's events per minute over [start, end) (whole minutes)."""
    counts = reader.counts(sli_queries(service, slo), int(start.timestamp()), int(end.timestamp()))
    return BucketSeries(
        start=start, bucket_seconds=STEP_SECONDS, good=counts.good, total=counts.total
    )


def period_series(
    reader: MetricsReader,
    config: Config,
    *,
    services: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
) -> Iterator[tuple[Service, SLO, BucketSeries, datetime]]:
    """(service, SLO, series, period end) for every SLO (of `services`) in the config."""
    for service, slo in config.slos():
        if services and service.name not in services:
            continue
        p_start, p_end = period_bounds(
            slo, start=start, end=end, days=days, bucket_seconds=STEP_SECONDS
        )
        yield service, slo, bucket_series(reader, service, slo, p_start, p_end), p_end


def evaluations(
    config: Config,
    *,
    url: str | None = None,
    services: list[str] | None = None,
    with_series: bool = True,
    reader: MetricsReader | None = None,
    **window: Any,
) -> list[SloEvaluation]:
    """Every SLO evaluated from Datadog metrics; NoDataError when none has any event."""
    own = reader is None
    reader = reader or MetricsReader(connect(config, url=url))
    try:
        out = [
            evaluate_series(service, slo, series, period_end=p_end, with_series=with_series)
            for service, slo, series, p_end in period_series(
                reader, config, services=services, **window
            )
        ]
    finally:
        if own:
            reader.close()
    if out and not any(e.total for e in out):
        raise NoDataError(
            f"Datadog at {reader.conn.base_url}: no events for these SLOs in the period"
        )
    return out
