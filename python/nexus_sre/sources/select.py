"""Pick a source by name and turn its history into `SloEvaluation`s for reports and budgets
(through `evaluate_all`, the one loop every source feeds)."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import SLO, Config, Service
from ..errors import InvalidInputError
from ..slo.evaluate import BucketSeries
from ..slo.evaluation import SloEvaluation
from . import SOURCES
from .evaluate_all import chosen_slos, evaluate_all

if TYPE_CHECKING:
    from ..embedded import EmbeddedStore
    from .prometheus import PrometheusBackend


def evaluations_from(
    source: str,
    config: Config,
    *,
    data: Any = None,
    store: str | os.PathLike[str] | EmbeddedStore | None = None,
    prometheus_url: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    services: list[str] | None = None,
    with_series: bool = True,
    store_label: str | None = None,
) -> list[SloEvaluation]:
    """Every chosen SLO of `config` evaluated from `source`. The embedded source reads
    `store`: a snapshot directory (default $NEXUS_SRE_STORE or .nexus-sre/store) or an
    `EmbeddedStore`; `store_label` names it in messages."""
    if services:
        known = {s.name for s in config.services}
        unknown = [s for s in services if s not in known]
        if unknown:
            raise InvalidInputError(
                f"--services: unknown service(s) {', '.join(unknown)}; "
                f"the config has {', '.join(sorted(known))}"
            )
    window: dict[str, Any] = {"start": start, "end": end, "days": days}
    if source == "embedded":
        from .embedded import evaluate_store, resolve_store

        st, label = resolve_store(config, store)
        return evaluate_store(
            config,
            st,
            services=services,
            with_series=with_series,
            store_label=store_label if store_label is not None else label,
            **window,
        )
    if source == "parquet":
        if not data:
            raise InvalidInputError("--data: the parquet source needs --data PATH")
        try:
            from ..backfill.evaluations import evaluations_from_data
        except ImportError as exc:
            raise InvalidInputError(f"the parquet source is unavailable here ({exc})") from None
        return evaluations_from_data(
            config, data, services=services, with_series=with_series, **window
        )
    if source == "backfill":
        if data is None:
            raise InvalidInputError(
                "--data: the backfill source needs --data PATH, the file `nexus-sre backfill -o` "
                "wrote (or, from Python, a BackfillResult)"
            )
        from .backfill import BackfillSource

        return BackfillSource.of(data).evaluations(
            config, services=services, with_series=with_series, **window
        )
    if source == "prometheus":
        return _from_prometheus(config, prometheus_url, services, with_series, **window)
    if source == "datadog":
        try:
            from ..datadog.source import evaluations
        except ImportError as exc:
            raise InvalidInputError(
                f"the datadog source needs datadog-api-client (pip install 'nexus-sre[datadog]'): "
                f"{exc}"
            ) from None
        return evaluations(config, services=services, with_series=with_series, **window)
    raise InvalidInputError(f"--source: must be one of {', '.join(SOURCES)}, got {source!r}")


def _from_prometheus(
    config: Config,
    url: str | None,
    services: list[str] | None,
    with_series: bool,
    **window: Any,
) -> list[SloEvaluation]:
    from .prometheus import PrometheusBackend

    settings = config.global_.prometheus
    url = url or (settings.url if settings else None)
    if not url:
        raise InvalidInputError(
            "--prometheus-url: the prometheus source needs a URL (or global.prometheus.url)"
        )
    headers = dict(settings.headers) if settings else {}
    timeout = float(settings.timeout_seconds) if settings else 30.0
    auth: dict[str, Any] = {}
    if settings:
        auth = {
            "bearer_token": settings.bearer_token,
            "basic_auth": settings.basic_auth,
            "verify": settings.verify,
        }
    with PrometheusBackend(url, headers=headers, timeout=timeout, **auth) as backend:
        return evaluate_all(
            config,
            PrometheusHistory(backend),
            services=services,
            with_series=with_series,
            **window,
        )


class PrometheusHistory:
    """Prometheus as a `BucketSource`: one-minute increases of the SLI's counters, as far
    back as asked (what Prometheus no longer holds reads as no traffic)."""

    bucket_seconds = 60
    parallel = False
    no_data_hint = "check the SLOs' queries and the time range"

    def __init__(self, backend: PrometheusBackend):
        self.backend = backend
        self.label = f"Prometheus at {backend.url}"

    def slos(self, config: Config, services: Sequence[str] | None) -> list[tuple[Service, SLO]]:
        return chosen_slos(list(config.slos()), services)

    def default_end(self) -> datetime:
        return datetime.now(UTC)

    def data_start(self, service: Service, slo: SLO, end: datetime) -> datetime | None:
        return None

    def check_period(self, start: datetime, end: datetime) -> None:
        pass

    def buckets(self, service: Service, slo: SLO, start: datetime, end: datetime) -> BucketSeries:
        step = self.bucket_seconds
        points = self.backend.history((service, slo), start.timestamp(), end.timestamp(), step)
        n = int((end - start).total_seconds()) // step
        good = np.zeros(n, np.uint64)
        total = np.zeros(n, np.uint64)
        base = start.timestamp()
        for p in points:
            # A point covers the step ending at its timestamp: bucket (ts - base)/step - 1.
            i = round((p.timestamp - base) / step) - 1
            if 0 <= i < n and math.isfinite(p.total):
                # increase() extrapolates: round to whole events.
                total[i] = round(p.total)
                good[i] = min(round(p.good), int(total[i]))
        return BucketSeries(start=start, bucket_seconds=step, good=good, total=total)
