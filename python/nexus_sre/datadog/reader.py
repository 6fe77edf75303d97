"""`SLOManager(monitoring_backend="datadog")` reads its windows here: one per-minute read
of the longest window, ending at one pinned minute, and every shorter window summed from it
(so all windows of a call describe the same data, as the Prometheus reader's one instant)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..config import SLO, BurnRateAlert, Service
from ..live.readings import Snapshot, WindowReading, from_counts
from .metrics import MetricsReader
from .queries import STEP_SECONDS, sli_queries


class DatadogReader:
    """Datadog's metrics query API as a `live.readings.WindowReader`."""

    def __init__(self, metrics: MetricsReader):
        self.metrics = metrics

    def now(self, slo_id: str) -> float:
        return time.time()

    def usable_alerts(self, slo: SLO) -> list[BurnRateAlert]:
        """Alerts whose windows are whole minutes (Datadog is read per minute)."""
        return [
            a
            for a in slo.alerting.burn_rate
            if a.long_window % STEP_SECONDS == 0 and a.short_window % STEP_SECONDS == 0
        ]

    def longest(self, slo: SLO, window_s: int) -> int:
        return window_s

    def read(self, service: Service, slo: SLO, windows: Iterable[int], at: float) -> Snapshot:
        wanted = sorted(set(windows))
        end = int(at) // STEP_SECONDS * STEP_SECONDS  # the last whole minute before `at`
        longest = -(-wanted[-1] // STEP_SECONDS) * STEP_SECONDS
        counts = self.metrics.counts(sli_queries(service, slo), end - longest, end)
        readings: dict[int, WindowReading] = {}
        for w in wanted:
            k = -(-w // STEP_SECONDS)
            if not counts.seen[-k:].any():  # no series in the window: no data, not 100 %
                readings[w] = from_counts(w, 0, 0)
            else:
                readings[w] = from_counts(
                    w, int(counts.good[-k:].sum()), int(counts.total[-k:].sum())
                )
        return Snapshot(float(end), readings)

    def close(self) -> None:
        self.metrics.close()
