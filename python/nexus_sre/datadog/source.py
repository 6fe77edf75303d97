"""The datadog source: each SLO's per-minute good/total counts over a span, read from
Datadog, for the one source -> evaluation loop every source shares (`DatadogSource` is a
`sources.evaluate_all.BucketSource`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..config import SLO, Config, Service
from ..slo.evaluate import BucketSeries
from ..slo.evaluation import SloEvaluation
from ..sources.evaluate_all import chosen_slos, evaluate_all
from .metrics import MetricsReader
from .queries import STEP_SECONDS, sli_queries
from .settings import connect


class DatadogSource:
    """Per-minute counts from Datadog's metrics API (see `metrics.MetricsReader`)."""

    bucket_seconds = STEP_SECONDS
    parallel = False  # one client, and Datadog's rate limits: one SLO at a time
    no_data_hint = "check the goodQuery/totalQuery scopes and the period"

    def __init__(self, reader: MetricsReader):
        self.reader = reader
        self.label = f"Datadog at {reader.conn.base_url}"

    def slos(self, config: Config, services: Sequence[str] | None) -> list[tuple[Service, SLO]]:
        chosen = chosen_slos(list(config.slos()), services)
        for service, slo in chosen:
            sli_queries(service, slo)  # an SLO Datadog cannot read fails before any request
        return chosen

    def default_end(self) -> datetime:
        return datetime.now(UTC)

    def data_start(self, service: Service, slo: SLO, end: datetime) -> datetime | None:
        return None  # as far back as asked: Datadog keeps the history

    def check_period(self, start: datetime, end: datetime) -> None:
        return None

    def buckets(self, service: Service, slo: SLO, start: datetime, end: datetime) -> BucketSeries:
        """The SLO's events per minute over [start, end) (whole minutes)."""
        counts = self.reader.counts(
            sli_queries(service, slo), int(start.timestamp()), int(end.timestamp())
        )
        return BucketSeries(
            start=start, bucket_seconds=STEP_SECONDS, good=counts.good, total=counts.total
        )


def evaluations(
    config: Config,
    *,
    url: str | None = None,
    services: list[str] | None = None,
    with_series: bool = True,
    reader: MetricsReader | None = None,
    **window: Any,
) -> list[SloEvaluation]:
    """Every SLO (of `services`) evaluated from Datadog metrics by the shared loop;
    NoDataError when none has any event in the period."""
    own = reader is None
    source = DatadogSource(reader or MetricsReader(connect(config, url=url)))
    try:
        return evaluate_all(config, source, services=services, with_series=with_series, **window)
    finally:
        if own:
            source.reader.close()
