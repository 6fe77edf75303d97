"""`SLOManager`: the library's front door.

It owns the SLO definitions, the embedded counters that `record_request` feeds, budget
figures, the alerts firing now (with their lifecycle) and an optional periodic evaluation
that calls user callbacks when alerts start or stop.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .. import _core
from ..common.durations import format_duration
from ..common.figures import clean_float, to_decimal
from ..config import SLO, Config, Service, load_config, parse_config
from ..embedded import EmbeddedStore
from ..errors import InvalidInputError, UnknownAlertError, UnknownSLOError
from ..slo.evaluate import BucketSeries, alert_tiers, evaluate_series, period_bounds, usable_alerts
from ..slo.evaluation import SloEvaluation
from .alerts import Alert, alert_id

log = logging.getLogger(__name__)

AlertListener = Callable[[str, Alert], None]  # ("started" | "resolved", alert)
_TOLERANCE = 1e-12


@dataclass(frozen=True)
class BudgetFigures:
    """An SLO's error budget as a user reads it. Percentages are of the budget."""

    slo_id: str
    target: float
    period_seconds: int
    sli_percent: float | None  # None with no data
    total_minutes: float  # the budget as bad minutes over the period
    total_events: float | None  # the budget as bad events, when event counts are known
    consumed_minutes: float
    remaining_minutes: float
    consumption_percentage: float
    remaining_budget: float  # percent of the budget left (negative when overspent)
    burn_rate: float
    status: str  # healthy | warning | critical | exhausted | no-data
    time_to_exhaustion_hours: float | None
    events: int | None = None

    def __post_init__(self) -> None:
        # What users read carries no binary artefacts (1.0010000000000001 -> 1.001).
        for name, value in self.__dict__.items():
            if isinstance(value, float) and math.isfinite(value):
                object.__setattr__(self, name, clean_float(value))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SLOManager:
    """Define SLOs, record requests, read budgets and alerts.

    `shared_dir`: keep every SLO's counters in memory-mapped files there, so that the worker
    processes of one service (gunicorn, uvicorn --workers) count into the same atomics and
    any of them reads the combined budget. `clock`: "system" (default), "event" (now is the
    newest recorded timestamp: replays) or "manual" (tests; move it with `store.set_time`).

    >>> m = SLOManager("examples/slos.yaml")          # doctest: +SKIP
    >>> rec = m.recorder("nexus-api"); rec.record(True, 12.5)   # doctest: +SKIP
    """

    def __init__(
        self,
        config: Config | str | os.PathLike[str] | dict[str, Any] | None = None,
        *,
        monitoring_backend: str | None = None,
        alerting_enabled: bool | None = None,
        budget_calculation_interval: int | None = None,
        clock: str = "system",
        now: float | None = None,
        bucket_seconds: int = 60,
        shared_dir: str | os.PathLike[str] | None = None,
    ):
        self._lock = threading.RLock()
        self._clock = clock
        self._now = now
        self._bucket_seconds = bucket_seconds
        self._services: dict[str, Service] = {}
        self._slos: dict[str, tuple[Service, SLO]] = {}
        self._config: Config = Config(services=[], source="<empty>")
        self.store = EmbeddedStore(
            bucket_seconds=bucket_seconds, clock=clock, now=now, shared_dir=shared_dir
        )
        self._active: dict[tuple[str, str], Alert] = {}
        self._history: deque[Alert] = deque(maxlen=1000)
        self._client_errors: deque[dict[str, Any]] = deque(maxlen=1000)
        self._listeners: list[AlertListener] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        if config is not None:
            self._set_config(self._coerce(config))
        g = self._config.global_
        backends = ("embedded", "prometheus", "parquet", "datadog")
        if monitoring_backend is not None and monitoring_backend not in backends:
            raise InvalidInputError(
                f"monitoring_backend: must be one of {', '.join(backends)}, "
                f"got {monitoring_backend!r}"
            )
        self.monitoring_backend = monitoring_backend or g.monitoring_backend
        self.alerting_enabled = g.alerting_enabled if alerting_enabled is None else alerting_enabled
        interval = budget_calculation_interval or g.budget_calculation_interval
        if interval <= 0:
            raise InvalidInputError(
                f"budget_calculation_interval: must be a positive number of minutes, got {interval}"
            )
        self.budget_calculation_interval = interval

    # Configuration ---------------------------------------------------------------------

    @staticmethod
    def _coerce(config: Config | str | os.PathLike[str] | dict[str, Any]) -> Config:
        if isinstance(config, Config):
            return config
        if isinstance(config, dict):
            return parse_config(config)
        return load_config(Path(config))

    def _set_config(self, config: Config) -> None:
        with self._lock:
            for _, slo in config.slos():
                if slo.id in self._slos:
                    raise InvalidInputError(f"SLO id {slo.id!r} is already registered")
            self._config = config
            for service, slo in config.slos():
                self._add(service, slo)

    def _add(self, service: Service, slo: SLO) -> None:
        # The registry's Service lists the SLOs registered so far, this one last.
        known = self._services.get(service.name)
        base, slos = (service, [slo]) if known is None else (known, [*known.slos, slo])
        merged = base.model_copy(update={"slos": slos})
        self._services[service.name] = merged
        self._slos[slo.id] = (merged, slo)
        self.store.add(service.name, slo)

    def load_config(self, path: str | os.PathLike[str]) -> Config:
        """Load a config file and register every SLO in it."""
        config = load_config(Path(path))
        self._set_config(config)
        return config

    def register_slo(
        self,
        slo: SLO | dict[str, Any],
        *,
        service: str = "default",
        tier: str = "tier-3",
        owner: str | None = None,
    ) -> SLO:
        """Add one SLO: a dict in the config file's format, or an `SLO` model."""
        with self._lock:
            if isinstance(slo, SLO):
                model = slo
            else:
                doc = {
                    "version": "1.0",
                    "services": [{"name": service, "tier": tier, "owner": owner, "slos": [slo]}],
                }
                if owner is None:
                    del doc["services"][0]["owner"]  # type: ignore[attr-defined]
                model = parse_config(doc, source="register_slo").services[0].slos[0]
            if model.id in self._slos:
                raise InvalidInputError(f"register_slo: SLO id {model.id!r} is already registered")
            svc = self._services.get(service) or Service(
                name=service, tier=tier, owner=owner, slos=[]
            )
            self._add(svc, model)
            return model

    @property
    def config(self) -> Config:
        return self._config

    def slos(self) -> list[tuple[Service, SLO]]:
        return list(self._slos.values())

    def find(self, slo_id: str) -> tuple[Service, SLO]:
        try:
            return self._slos[slo_id]
        except KeyError:
            known = ", ".join(self._slos) or "none"
            raise UnknownSLOError(f"unknown SLO id {slo_id!r}; known: {known}") from None

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
                "at": datetime.fromtimestamp(ts, UTC) if ts else datetime.now(UTC),
            }
        )
        return kept

    def recent_client_errors(self) -> list[dict[str, Any]]:
        return list(self._client_errors)

    # Budgets ---------------------------------------------------------------------------

    def calculate_error_budget(
        self, slo_id: str, actual_percent: float | str | Decimal
    ) -> BudgetFigures:
        """Budget figures for an achieved SLI in percent, computed exactly in decimal:
        a 99.9 % SLO over 30 days has 43.2 minutes of budget; 99.95 consumes half of it."""
        _, slo = self.find(slo_id)
        try:
            actual = (
                Decimal(actual_percent)
                if isinstance(actual_percent, str)
                else to_decimal(actual_percent)
            )
            valid = actual.is_finite() and Decimal(0) <= actual <= Decimal(100)
        except (InvalidOperation, ValueError, TypeError):
            valid = False
        if not valid:
            raise InvalidInputError(
                f"actual_percent: must be a percentage between 0 and 100, got {actual_percent!r}"
            )
        budget = slo.budget_fraction
        period = slo.time_window.seconds
        total_minutes = budget * period / 60
        consumed = (Decimal(100) - actual) / (Decimal(100) - slo.target)
        burn = consumed  # over the whole period, the burn rate is the share consumed
        status = _core.budget_status(float(consumed), _status_thresholds(slo))
        tte = _core.time_to_exhaustion(float(1 - consumed), float(burn), float(period))
        return BudgetFigures(
            slo_id=slo.id,
            target=float(slo.target),
            period_seconds=period,
            sli_percent=float(actual),
            total_minutes=float(total_minutes),
            total_events=None,
            consumed_minutes=float(consumed * total_minutes),
            remaining_minutes=float((1 - consumed) * total_minutes),
            consumption_percentage=float(consumed * 100),
            remaining_budget=float((1 - consumed) * 100),
            burn_rate=float(burn),
            status=status,
            time_to_exhaustion_hours=None if tte is None else tte / 3600,
        )

    def get_error_budget(self, slo_id: str, *, at: float | datetime | None = None) -> BudgetFigures:
        """Budget figures from what was recorded over the SLO's window ending `at` (now)."""
        _, slo = self.find(slo_id)
        counter = self.store.counter(slo_id)
        end = None if at is None else _epoch(at)
        period = slo.time_window.seconds
        if slo.time_window.calendar is not None:
            end_dt = datetime.fromtimestamp(end if end is not None else counter.now(), UTC)
            start_dt, _ = slo.time_window.bounds(end_dt)
            span = int((end_dt - start_dt).total_seconds())
            span = max(self._bucket_seconds, span // self._bucket_seconds * self._bucket_seconds)
        else:
            span = period
        stats = counter.window(min(span, counter.horizon_seconds), end)
        hour = counter.window(_hour_window(slo, self._bucket_seconds), end)
        b = _core.error_budget(
            float(slo.target), float(period), stats.good, stats.total, _status_thresholds(slo)
        )
        hour_burn = hour.error_ratio / b.budget_fraction
        tte = _core.time_to_exhaustion(b.remaining_fraction, hour_burn, float(period))
        return BudgetFigures(
            slo_id=slo.id,
            target=float(slo.target),
            period_seconds=period,
            sli_percent=None if not stats.has_data else stats.good / stats.total * 100,
            total_minutes=float(slo.budget_fraction * period / 60),
            total_events=b.total_events if stats.has_data else None,
            consumed_minutes=b.consumed_minutes,
            remaining_minutes=b.remaining_minutes,
            consumption_percentage=b.consumed_fraction * 100,
            remaining_budget=b.remaining_fraction * 100,
            burn_rate=b.burn_rate,
            # No traffic is "no data", never a healthy-looking 100 % budget.
            status=b.status if stats.has_data else "no-data",
            time_to_exhaustion_hours=None if tte is None else tte / 3600,
            events=stats.total,
        )

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
        service, slo = self.find(slo_id)
        counter = self.store.counter(slo_id)
        if end is None:
            end = datetime.fromtimestamp(counter.now(), UTC)
        p_start, p_end = period_bounds(
            slo, start=start, end=end, days=days, bucket_seconds=self._bucket_seconds
        )
        table = counter.series(p_start.timestamp(), p_end.timestamp())
        series = BucketSeries.from_table(table, self._bucket_seconds, p_start)
        return evaluate_series(service, slo, series, period_end=p_end, with_series=with_series)

    # Alerts ----------------------------------------------------------------------------

    def add_listener(self, callback: AlertListener) -> None:
        """Call `callback(event, alert)` when an alert starts ("started") or stops
        ("resolved") during `check_burn_rate_alerts` or the periodic evaluation."""
        self._listeners.append(callback)

    def check_burn_rate_alerts(
        self, slo_id: str, *, at: float | datetime | None = None
    ) -> list[Alert]:
        """The alerts of `slo_id` firing now: multi-window multi-burn-rate tiers and
        budget-exhaustion thresholds. A still-firing alert keeps its id and start time."""
        service, slo = self.find(slo_id)
        counter = self.store.counter(slo_id)
        end = None if at is None else _epoch(at)
        now = datetime.fromtimestamp(end if end is not None else counter.now(), UTC)
        firing: dict[str, dict[str, Any]] = {}
        usable = usable_alerts(slo, self._bucket_seconds, counter.horizon_seconds)
        states = _core.evaluate_alerts(
            counter, float(slo.target), alert_tiers(usable), slo.alerting.min_events, end
        )
        for alert, (on, long_burn, short_burn, _lt, _st) in zip(usable, states, strict=True):
            if on:
                firing[alert.name] = {
                    "kind": "burn_rate",
                    "severity": alert.severity,
                    "factor": float(alert.factor),
                    "burn_rates": {
                        format_duration(alert.long_window): long_burn,
                        format_duration(alert.short_window): short_burn,
                    },
                }
        budget = self.get_error_budget(slo_id, at=at)
        if budget.events:
            reached = [
                t
                for t in slo.alerting.budget_exhaustion
                if budget.consumption_percentage >= float(t.percentage) * (1 - _TOLERANCE)
            ]
            if reached:
                top = max(reached, key=lambda t: t.percentage)
                firing[f"budget-{top.percentage}"] = {
                    "kind": "budget_exhaustion",
                    "severity": top.severity,
                    "factor": None,
                    "consumed": budget.consumption_percentage,
                    "burn_rates": {},
                }
        return self._reconcile(service, slo, firing, now)

    def _reconcile(
        self, service: Service, slo: SLO, firing: dict[str, dict[str, Any]], now: datetime
    ) -> list[Alert]:
        started, resolved, current = [], [], []
        with self._lock:
            for name, info in firing.items():
                key = (slo.id, name)
                alert = self._active.get(key)
                if alert is None:
                    alert = Alert(
                        id=alert_id(slo.id, name, now),
                        slo_id=slo.id,
                        service=service.name,
                        name=name,
                        kind=info["kind"],
                        severity=info["severity"],
                        started_at=now,
                        factor=info["factor"],
                        annotations=_annotations(service, slo, name, info),
                    )
                    self._active[key] = alert
                    started.append(alert)
                alert.burn_rates = info["burn_rates"]
                alert.budget_consumed_percent = info.get("consumed")
                current.append(alert)
            for key in [k for k in self._active if k[0] == slo.id and k[1] not in firing]:
                alert = self._active.pop(key)
                alert.resolved_at = now
                self._history.append(alert)
                resolved.append(alert)
        self._notify("started", started)
        self._notify("resolved", resolved)
        return current

    def _notify(self, event: str, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            for cb in list(self._listeners):
                try:
                    cb(event, alert)
                except Exception:  # a broken callback must not stop evaluation
                    log.exception("alert listener %r failed on %s %s", cb, event, alert.id)

    def get_active_alerts(self, service: str | None = None) -> list[Alert]:
        with self._lock:
            return [a for a in self._active.values() if service is None or a.service == service]

    def alert_history(self) -> list[Alert]:
        with self._lock:
            return list(self._history)

    def resolve_alert(self, alert_id: str) -> Alert:
        """Resolve an active alert by hand; its resolution time is recorded. If it still
        holds, the next evaluation raises it again as a new alert."""
        with self._lock:
            for key, alert in self._active.items():
                if alert.id == alert_id:
                    del self._active[key]
                    alert.resolved_at = datetime.now(UTC)
                    self._history.append(alert)
                    break
            else:
                raise UnknownAlertError(f"no active alert with id {alert_id!r}")
        self._notify("resolved", [alert])
        return alert

    def evaluate_all_alerts(self) -> list[Alert]:
        out: list[Alert] = []
        for slo_id in list(self._slos):
            out.extend(self.check_burn_rate_alerts(slo_id))
        return out

    # Periodic evaluation ---------------------------------------------------------------

    def start(self, *, interval_seconds: float | None = None) -> None:
        """Evaluate every SLO's alerts every `budget_calculation_interval` minutes in a
        daemon thread, calling listeners when alerts start or stop."""
        with self._lock:
            if self._thread is not None:
                return
            interval = interval_seconds or self.budget_calculation_interval * 60
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, args=(interval,), name="nexus-sre-evaluator", daemon=True
            )
            self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            if self.alerting_enabled:
                try:
                    self.evaluate_all_alerts()
                except Exception:
                    log.exception("periodic SLO evaluation failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def __enter__(self) -> SLOManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _epoch(t: float | datetime) -> float:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            t = t.replace(tzinfo=UTC)
        return t.timestamp()
    return float(t)


def _hour_window(slo: SLO, bucket: int) -> int:
    """The window whose burn rate drives 'time to exhaustion': the shortest alert long
    window (1h by default), else one hour."""
    longs = [a.long_window for a in slo.alerting.burn_rate if a.long_window % bucket == 0]
    return min(longs) if longs else max(bucket, 3600 // bucket * bucket)


def _status_thresholds(slo: SLO) -> tuple[float, float, float]:
    """Budget status thresholds from the SLO's budget-exhaustion alerts: the lowest
    warning and critical percentages (defaults 75 and 90), exhausted at 100."""
    warn = [float(t.percentage) for t in slo.alerting.budget_exhaustion if t.severity == "warning"]
    crit = [
        float(t.percentage)
        for t in slo.alerting.budget_exhaustion
        if t.severity == "critical" and float(t.percentage) < 100
    ]
    w = min(warn) / 100 if warn else 0.75
    c = min(crit) / 100 if crit else 0.9
    c = max(c, w)
    return (w, c, max(1.0, c))


def _annotations(service: Service, slo: SLO, name: str, info: dict[str, Any]) -> dict[str, str]:
    if info["kind"] == "burn_rate":
        rates = ", ".join(f"{w}: {r:.2f}x" for w, r in info["burn_rates"].items())
        summary = (
            f"{service.name} {slo.name}: error budget burning at {info['factor']:g}x or more "
            f"({name}, {info['severity']})"
        )
        description = (
            f"Burn rate at or above {info['factor']:g}x over both windows ({rates}); "
            f"target {slo.target}% over {slo.time_window.label}."
        )
    else:
        summary = f"{service.name} {slo.name}: {info['consumed']:.1f}% of the error budget consumed"
        description = f"Target {slo.target}% over {slo.time_window.label}."
    out = {"summary": summary, "description": description}
    if slo.alerting.runbook_url:
        out["runbook_url"] = slo.alerting.runbook_url
    return out
