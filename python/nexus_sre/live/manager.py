"""`SLOManager`: the library's front door (the seed's façade).

It holds the SLO registry, the embedded counters that `record_request` feeds, and the alert
book; budgets and alerts are read from the monitoring backend (the in-process counters, or
Prometheus with `monitoring_backend="prometheus"`), and an optional periodic evaluation
calls user callbacks when alerts start or stop.
"""

from __future__ import annotations

import os
from collections import deque
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import _core
from ..common.times import epoch as _epoch
from ..common.times import from_epoch
from ..config import SLO, Config, Service, load_config, parse_config
from ..embedded import EmbeddedStore
from ..errors import ConfigError, InvalidInputError
from ..slo.evaluation import SloEvaluation
from ..slo.windows import own_window, window_so_far
from . import budget as budgets
from .alert_book import AlertBook, AlertListener
from .alerts import Alert
from .budget import BudgetFigures
from .firing import budget_firing, burn_rate_firings
from .readings import EmbeddedReader, PrometheusReader, Snapshot, WindowReader
from .registry import SloRegistry, for_python
from .scheduler import PeriodicEvaluator

__all__ = ["AlertListener", "BudgetFigures", "SLOManager"]

BACKENDS = ("embedded", "prometheus", "parquet", "datadog")


class SLOManager:
    """Define SLOs, record requests, read budgets and alerts.

    `monitoring_backend`: "embedded" (default: the counters `record_request` feeds),
    "prometheus" (budgets and alerts read from Prometheus at `prometheus_url`, or the
    config's `global.prometheus`) or "datadog" (read per minute from Datadog's metrics API,
    `global.datadog`). `shared_dir`: keep every SLO's counters in memory-mapped
    files there, so that the worker processes of one service count into the same atomics.
    `clock`: "system" (default), "event" (now is the newest recorded timestamp: replays) or
    "manual" (tests; move it with `store.set_time`).

    >>> m = SLOManager("examples/slos.yaml")          # doctest: +SKIP
    >>> rec = m.recorder("nexus-api"); rec.record(True, 12.5)   # doctest: +SKIP
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str] | dict[str, Any] | None = None,
        *,
        monitoring_backend: str | None = None,
        prometheus_url: str | None = None,
        alerting_enabled: bool | None = None,
        budget_calculation_interval: float | None = None,
        clock: str = "system",
        now: float | None = None,
        bucket_seconds: int = 60,
        shared_dir: str | os.PathLike[str] | None = None,
    ):
        self._bucket_seconds = bucket_seconds
        self._config: Config = Config(services=[], source="<empty>")
        self.store = EmbeddedStore(
            bucket_seconds=bucket_seconds, clock=clock, now=now, shared_dir=shared_dir
        )
        self._registry = SloRegistry(lambda service, slo: self.store.add(service, slo))
        self._alerts = AlertBook()
        self._client_errors: deque[dict[str, Any]] = deque(maxlen=1000)
        self._scheduler = PeriodicEvaluator(self._periodic)
        if config is not None:
            self._config = _coerce(config)
            self._registry.add_config(self._config)
        g = self._config.global_
        if monitoring_backend is not None and monitoring_backend not in BACKENDS:
            raise InvalidInputError(
                f"monitoring_backend: must be one of {', '.join(BACKENDS)}, "
                f"got {monitoring_backend!r}"
            )
        self.monitoring_backend = monitoring_backend or g.monitoring_backend
        self.alerting_enabled = g.alerting_enabled if alerting_enabled is None else alerting_enabled
        interval = (
            g.budget_calculation_interval
            if budget_calculation_interval is None
            else budget_calculation_interval
        )
        if isinstance(interval, bool) or not isinstance(interval, int | float) or not interval > 0:
            raise InvalidInputError(
                "budget_calculation_interval: must be a positive number of minutes, "
                f"got {interval!r}"
            )
        self.budget_calculation_interval = interval
        self._reader: WindowReader = self._make_reader(prometheus_url)
        # The figures of the last evaluation of each SLO (periodic or on request).
        self.last_budgets: dict[str, BudgetFigures] = {}

    def _make_reader(self, prometheus_url: str | None) -> WindowReader:
        if self.monitoring_backend == "datadog" and prometheus_url is None:
            from ..datadog.metrics import MetricsReader
            from ..datadog.reader import DatadogReader
            from ..datadog.settings import connect

            return DatadogReader(MetricsReader(connect(self._config)))
        if self.monitoring_backend != "prometheus":
            if prometheus_url is not None:
                raise InvalidInputError(
                    f"prometheus_url: only read with monitoring_backend='prometheus', "
                    f"not {self.monitoring_backend!r}"
                )
            return EmbeddedReader(self.store)
        from ..sources.prometheus import PrometheusBackend

        settings = self._config.global_.prometheus
        url = prometheus_url or (settings.url if settings else None)
        if not url:
            raise InvalidInputError(
                "monitoring_backend='prometheus': give prometheus_url=... or set "
                "global.prometheus.url in the config"
            )
        if settings is None:
            return PrometheusReader(PrometheusBackend(url))
        return PrometheusReader(
            PrometheusBackend(
                url,
                headers=settings.headers,
                bearer_token=settings.bearer_token,
                basic_auth=settings.basic_auth,
                verify=settings.verify,
                timeout=float(settings.timeout_seconds),
            )
        )

    # Configuration ---------------------------------------------------------------------

    def load_config(self, path: str | os.PathLike[str]) -> Config:
        """Load a config file and register every SLO in it."""
        config = _coerce(path)
        self._registry.add_config(config)
        self._config = config
        return config

    def register_slo(
        self,
        slo: SLO | dict[str, Any],
        *,
        service: str | None = None,
        tier: str | None = None,
        owner: str | None = None,
    ) -> SLO:
        """Add one SLO: a dict in the config file's format, or an `SLO` model. The dict may
        carry `service`, `tier` and `owner` as the seed's SLO objects do (default service
        "default", tier-3); a value given there and as a keyword must agree."""
        return self._registry.register(slo, service=service, tier=tier, owner=owner)

    @property
    def config(self) -> Config:
        return self._config

    def slos(self) -> list[tuple[Service, SLO]]:
        return self._registry.slos()

    def find(self, slo_id: str) -> tuple[Service, SLO]:
        return self._registry.find(slo_id)

    # Recording -------------------------------------------------------------------------

    def recorder(self, service: str) -> _core.ServiceRecorder:
        """A bound recorder for the hot path: `rec.record(ok, duration_ms)` feeds every SLO
        of `service` (availability and latency) in one call, lock-free."""
        return self.store.recorder(service)

    def record_request(
        self,
        service: str,
        success: bool,
        duration_ms: float = 0.0,
        timestamp: float | datetime | None = None,
    ) -> bool:
        """Record one request against every SLO of `service`. False if it was dropped
        (its timestamp is older than the horizon or too far in the future)."""
        rec = self.store.recorder(service)
        if timestamp is None:
            rec.record(bool(success), float(duration_ms))
            return True
        return rec.record_at(bool(success), float(duration_ms), _epoch(timestamp))

    def record_error(
        self,
        service: str,
        error: str | BaseException,
        component: str | None = None,
        timestamp: float | datetime | None = None,
    ) -> bool:
        """Count a client-side error (e.g. from a browser error boundary) as a failed event
        against every availability SLO of `service`."""
        counters = [e.counter for e in self.store.entries(service) if e.sli == "availability"]
        if not counters:
            raise InvalidInputError(
                f"record_error: service {service!r} has no availability SLO to count errors against"
            )
        ts = None if timestamp is None else _epoch(timestamp)
        kept = True
        for counter in counters:
            kept &= counter.add(0, 1, ts)
        self._client_errors.append(
            {
                "service": service,
                "error": str(error)[:500],
                "component": component,
                "at": from_epoch(ts) if ts else datetime.now(UTC),
            }
        )
        return kept

    def recent_client_errors(self) -> list[dict[str, Any]]:
        return list(self._client_errors)

    # Budgets ---------------------------------------------------------------------------

    def calculate_error_budget(
        self,
        slo_id: str,
        actual_percent: float | str | Decimal,
        *,
        at: float | datetime | None = None,
    ) -> BudgetFigures:
        """Budget figures for an achieved SLI in percent, computed exactly in decimal:
        a 99.9 % SLO over 30 days has 43.2 minutes of budget; 99.95 consumes half of it.
        A calendar window's budget is that of the month or week containing `at` (default
        now), in its real length: 223.2 minutes for December at 99.5 %."""
        slo = self.find(slo_id)[1]
        end = self._reader.now(slo.id) if at is None else _epoch(at)
        _, length = own_window(slo, datetime.fromtimestamp(end, UTC))
        return budgets.from_sli(slo, actual_percent, length)

    def get_error_budget(self, slo_id: str, *, at: float | datetime | None = None) -> BudgetFigures:
        """Budget figures over the SLO's window ending `at` (default now), read from the
        monitoring backend: the embedded counters, or Prometheus at one pinned instant."""
        service, slo = self.find(slo_id)
        snap, period_w, burn_w = self._read(service, slo, at, alerts=[])
        figures = budgets.from_snapshot(slo, snap, period_w, burn_w, _budget_seconds(slo, snap))
        self.last_budgets[slo_id] = figures
        return figures

    def _read(
        self, service: Service, slo: SLO, at: float | datetime | None, alerts: list[Any]
    ) -> tuple[Snapshot, int, int]:
        """One read of every window this call needs, all at the same instant: the period,
        the burn-rate window of time-to-exhaustion, and the windows of `alerts`."""
        end = self._reader.now(slo.id) if at is None else _epoch(at)
        period_w = self._reader.longest(slo, self._period_window(slo, end))
        burn_w = budgets.hour_window(slo, self._bucket_seconds)
        windows = {period_w, burn_w}
        for a in alerts:
            windows |= {a.long_window, a.short_window}
        return self._reader.read(service, slo, windows, end), period_w, burn_w

    def _period_window(self, slo: SLO, end: float) -> int:
        """The SLO's window ending at `end`: its length, or for a calendar window the part
        of the month/week so far (whole buckets, at least one)."""
        return window_so_far(slo.time_window, end, self._bucket_seconds)

    # Evaluation over a period ----------------------------------------------------------

    def evaluate(
        self,
        slo_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        days: float | None = None,
        with_series: bool = True,
    ) -> SloEvaluation:
        """The SLO over a period from the embedded counters (default: its own window)."""
        from ..sources.embedded import StoreSource
        from ..sources.evaluate_all import evaluate_one

        service, slo = self.find(slo_id)
        if end is None:
            end = from_epoch(self.store.counter(slo_id).now())
        source = StoreSource(self.store, "of this SLOManager")
        return evaluate_one(
            source, service, slo, start=start, end=end, days=days, with_series=with_series
        )

    # Alerts ----------------------------------------------------------------------------

    def add_listener(self, callback: AlertListener) -> None:
        """Call `callback(event, alert)` when an alert starts ("started") or stops
        ("resolved") during `check_burn_rate_alerts` or the periodic evaluation."""
        self._alerts.add_listener(callback)

    def check_burn_rate_alerts(
        self, slo_id: str, *, at: float | datetime | None = None
    ) -> list[Alert]:
        """The alerts of `slo_id` firing now: multi-window multi-burn-rate tiers and
        budget-exhaustion thresholds, from one read of the backend. A still-firing alert
        keeps its id and start time. With `alerting_enabled` False nothing is evaluated,
        started or resolved: the answer is []."""
        service, slo = self.find(slo_id)
        if not self.alerting_enabled:
            return []
        usable = self._reader.usable_alerts(slo)
        snap, period_w, burn_w = self._read(service, slo, at, alerts=usable)
        figures = budgets.from_snapshot(slo, snap, period_w, burn_w, _budget_seconds(slo, snap))
        self.last_budgets[slo_id] = figures
        firing = burn_rate_firings(slo, usable, snap)
        exhausted = budget_firing(slo, figures)
        if exhausted is not None:
            firing.append(exhausted)
        now = from_epoch(snap.at)
        return self._alerts.reconcile(service, slo, firing, now)

    def get_active_alerts(self, service: str | None = None) -> list[Alert]:
        """The alerts firing now, of every service or of `service` (which must exist)."""
        if service is not None:
            self.store.entries(service)  # an unknown service raises, as record_request does
        return self._alerts.active(service)

    def alert_history(self) -> list[Alert]:
        return self._alerts.history()

    def resolve_alert(self, alert_id: str) -> Alert:
        """Resolve an active alert by hand; its resolution time is recorded. If it still
        holds, the next evaluation raises it again as a new alert."""
        return self._alerts.resolve(alert_id)

    def evaluate_all_alerts(self) -> list[Alert]:
        out: list[Alert] = []
        for slo_id in self._registry.ids():
            out.extend(self.check_burn_rate_alerts(slo_id))
        return out

    # Periodic evaluation ---------------------------------------------------------------

    def _periodic(self) -> None:
        """Every SLO's budget and, when alerting is enabled, its alerts (one read each)."""
        for slo_id in self._registry.ids():
            if self.alerting_enabled:
                self.check_burn_rate_alerts(slo_id)
            else:
                self.get_error_budget(slo_id)

    def start(self, *, interval_seconds: float | None = None) -> None:
        """Evaluate every SLO every `budget_calculation_interval` minutes in a daemon
        thread (budgets into `last_budgets`, alerts into the alert book), calling listeners
        when alerts start or stop."""
        self._scheduler.start(
            self.budget_calculation_interval * 60 if interval_seconds is None else interval_seconds
        )

    def stop(self) -> None:
        self._scheduler.stop()

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def close(self) -> None:
        """Stop the periodic evaluation and close the connection to Prometheus, if any."""
        self.stop()
        if isinstance(self._reader, PrometheusReader):
            self._reader.backend.close()
        elif hasattr(self._reader, "close"):  # the Datadog reader
            self._reader.close()

    def __enter__(self) -> SLOManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _coerce(config: Config | str | os.PathLike[str] | dict[str, Any]) -> Config:
    try:
        if isinstance(config, Config):
            return config
        if isinstance(config, dict):
            return parse_config(config)
        return load_config(Path(config))
    except ConfigError as exc:
        raise for_python(exc) from None


def _budget_seconds(slo: SLO, snap: Snapshot) -> int:
    """The budget's length at the read's instant: the window's, or a calendar month's or
    week's real length in its time zone (31 days in December, 745 hours in a Berlin
    October)."""
    return own_window(slo, datetime.fromtimestamp(snap.at, UTC))[1]
