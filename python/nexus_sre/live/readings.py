"""Where `SLOManager` reads an SLO's windows: the in-process counters or Prometheus, every
window of one call at one pinned instant."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..config import SLO, BurnRateAlert, Service
from ..embedded import EmbeddedStore
from ..errors import NoDataError
from ..rules.sli import CounterSli, sli_queries
from ..slo.evaluate import usable_alerts
from ..sources.prometheus import PrometheusBackend


@dataclass(frozen=True)
class WindowReading:
    """Good and total events over one window; a percent-query SLI has only the SLI."""

    window_s: int
    good: int | None
    total: int | None
    sli_percent: float | None  # None: no data (no traffic, or no series)

    def burn_rate(self, slo: SLO) -> float:
        """The error ratio over the budget fraction; 0 without data (not burning)."""
        bf = float(slo.budget_fraction)
        if self.good is not None and self.total is not None:
            return 0.0 if self.total == 0 else (self.total - self.good) / self.total / bf
        if self.sli_percent is None:
            return 0.0
        return (100.0 - self.sli_percent) / 100.0 / bf


@dataclass(frozen=True)
class Snapshot:
    """Every window read for one call, all ending at `at` (unix seconds)."""

    at: float
    readings: dict[int, WindowReading]


def from_counts(window_s: int, good: int, total: int) -> WindowReading:
    return WindowReading(window_s, good, total, None if total == 0 else good / total * 100.0)


class WindowReader(Protocol):
    """Reads an SLO's windows at one instant."""

    def now(self, slo_id: str) -> float: ...

    def usable_alerts(self, slo: SLO) -> list[BurnRateAlert]:
        """The burn-rate alerts whose windows this reader can measure."""
        ...

    def longest(self, slo: SLO, window_s: int) -> int:
        """`window_s`, or the longest window of `slo` this reader can measure if shorter."""
        ...

    def read(self, service: Service, slo: SLO, windows: Iterable[int], at: float) -> Snapshot: ...


class EmbeddedReader:
    """The in-process (or shared-memory) counters that `record_request` feeds."""

    def __init__(self, store: EmbeddedStore):
        self.store = store

    def now(self, slo_id: str) -> float:
        return self.store.counter(slo_id).now()

    def usable_alerts(self, slo: SLO) -> list[BurnRateAlert]:
        counter = self.store.counter(slo.id)
        return usable_alerts(slo, counter.bucket_seconds, counter.horizon_seconds)

    def longest(self, slo: SLO, window_s: int) -> int:
        return min(window_s, self.store.counter(slo.id).horizon_seconds)

    def read(self, service: Service, slo: SLO, windows: Iterable[int], at: float) -> Snapshot:
        counter = self.store.counter(slo.id)
        wanted = sorted(set(windows))
        stats = counter.windows(wanted, at)
        pairs = zip(wanted, stats, strict=True)
        return Snapshot(at, {w: from_counts(w, s.good, s.total) for w, s in pairs})


class PrometheusReader:
    """Prometheus's HTTP API: instant queries, good and total at one `time=` per call."""

    def __init__(self, backend: PrometheusBackend):
        self.backend = backend

    def now(self, slo_id: str) -> float:
        return time.time()

    def usable_alerts(self, slo: SLO) -> list[BurnRateAlert]:
        return list(slo.alerting.burn_rate)  # Prometheus measures any window

    def longest(self, slo: SLO, window_s: int) -> int:
        return window_s

    def read(self, service: Service, slo: SLO, windows: Iterable[int], at: float) -> Snapshot:
        counters = isinstance(sli_queries(service, slo), CounterSli)
        readings = {}
        for w in sorted(set(windows)):
            try:
                if counters:
                    good, total = self.backend.counts((service, slo), w, at)
                    # increase() extrapolates; events are whole (as the report's source does)
                    readings[w] = from_counts(w, round(good), round(total))
                else:  # a percent query: its SLI only, averaged over long windows
                    sli = self.backend.calculate_sli((service, slo), w, at).sli_percent
                    readings[w] = WindowReading(w, None, None, sli)
            except NoDataError:  # no series (yet): no data, never 0 % or 100 %
                empty = from_counts(w, 0, 0) if counters else WindowReading(w, None, None, None)
                readings[w] = empty
        return Snapshot(at, readings)
