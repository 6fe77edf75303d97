"""The one source -> evaluation loop: every source supplies per-SLO bucket counts for a span;
this chooses the SLOs, bounds each SLO's period, asks for its counts (with a lead-in for the
alert windows where the source has data before the period) and evaluates them.

What each SLO covers, given a report period [start, end):
- history (charts, alerts): the period, from where the source's data begins if later;
- SLI and budget: the SLO's own window ending at `end`, or the period where that is shorter;
  the budget is of that span's length (of the whole window when the span is the window:
  a calendar month to date has the month's budget);
- alert windows: the longest one's worth of data before the history starts, where the
  source has it; where it does not, an alert cannot fire until its window is all data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ..common.times import align
from ..config import SLO, Config, Service
from ..errors import NoDataError
from ..slo.evaluate import BucketSeries, evaluate_series, period_bounds
from ..slo.evaluation import SloEvaluation
from ..slo.windows import budget_seconds, longest_alert_window, own_window


class BucketSource(Protocol):
    """What a source supplies to `evaluate_all`."""

    bucket_seconds: int
    label: str  # names the data in messages
    no_data_hint: str  # what to do when no SLO has events in the period
    parallel: bool  # safe to read several SLOs from threads at once

    def slos(self, config: Config, services: Sequence[str] | None) -> list[tuple[Service, SLO]]:
        """The SLOs to evaluate (of `services`); raises when the source cannot serve one."""

    def default_end(self) -> datetime:
        """Where a period ends when the caller gives no end: now, or the end of the data."""

    def data_start(self, service: Service, slo: SLO, end: datetime) -> datetime | None:
        """The earliest instant the source has this SLO's data for, reading up to `end`;
        None: as far back as asked (Prometheus)."""

    def buckets(self, service: Service, slo: SLO, start: datetime, end: datetime) -> BucketSeries:
        """Good/total per bucket of [start, end) (bucket-aligned); no data counts as none."""

    def check_period(self, start: datetime, end: datetime) -> None:
        """Raise when an SLO's period [start, end) cannot be served at all."""


@dataclass(frozen=True)
class Span:
    """What one SLO is evaluated over (see the module's docstring)."""

    fetch_start: datetime  # history start minus the lead-in the data has
    history_start: datetime
    window_start: datetime
    end: datetime
    budget_seconds: int


def plan_span(
    source: BucketSource,
    service: Service,
    slo: SLO,
    *,
    start: datetime | None,
    end: datetime | None,
    days: float | None,
) -> Span:
    bucket = source.bucket_seconds
    p_start, p_end = period_bounds(
        slo, start=start, end=end or source.default_end(), days=days, bucket_seconds=bucket
    )
    source.check_period(p_start, p_end)
    own_start, _ = own_window(slo, p_end)
    window_start = max(p_start, align(own_start, bucket, up=True))
    budget_s = budget_seconds(slo, window_start, p_end, bucket)
    history_start = p_start
    data_from = source.data_start(service, slo, p_end)
    lead = timedelta(seconds=longest_alert_window(slo))
    fetch_start = history_start - lead
    if data_from is not None:
        last_bucket = p_end - timedelta(seconds=bucket)
        data_from = min(align(data_from, bucket, up=True), last_bucket)
        history_start = max(history_start, data_from)
        window_start = max(window_start, history_start)
        fetch_start = max(fetch_start, data_from)
    return Span(fetch_start, history_start, window_start, p_end, budget_s)


def evaluate_all(
    config: Config,
    source: BucketSource,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    services: Sequence[str] | None = None,
    with_series: bool = True,
) -> list[SloEvaluation]:
    """Each chosen SLO of `config` over its span of the period (explicit start/end, the
    last `days`, or its own window, ending at `end`, by default the source's)."""
    chosen = source.slos(config, services)

    def one(pair: tuple[Service, SLO]) -> SloEvaluation:
        return evaluate_one(source, *pair, start=start, end=end, days=days, with_series=with_series)

    if source.parallel and len(chosen) > 1:
        # The core's kernels and numpy release the GIL: workers keep both cores busy.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            out = list(pool.map(one, chosen))
    else:
        out = [one(pair) for pair in chosen]
    if out and not any(e.total for e in out):
        raise NoDataError(
            f"{source.label}: no events recorded for these SLOs in the period; "
            f"{source.no_data_hint}"
        )
    return out


def evaluate_one(
    source: BucketSource,
    service: Service,
    slo: SLO,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    days: float | None = None,
    with_series: bool = True,
) -> SloEvaluation:
    """One SLO over its span of the period (see the module's docstring)."""
    span = plan_span(source, service, slo, start=start, end=end, days=days)
    series = source.buckets(service, slo, span.fetch_start, span.end)
    return evaluate_series(
        service,
        slo,
        series,
        period_start=span.history_start,
        period_end=span.end,
        window_start=span.window_start,
        budget_seconds=span.budget_seconds,
        with_series=with_series,
    )


def chosen_slos(
    pairs: Sequence[tuple[Service, SLO]], services: Sequence[str] | None
) -> list[tuple[Service, SLO]]:
    return [(sv, s) for sv, s in pairs if not services or sv.name in services]
