"""The alert book: the alerts firing now, their lifecycle (started, still firing, resolved
by evaluation or by hand), the recent history, and the listeners told of each change."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from ..common.figures import clean_float
from ..config import SLO, Service
from ..errors import UnknownAlertError
from .alerts import Alert, alert_id
from .firing import Firing

log = logging.getLogger(__name__)

AlertListener = Callable[[str, Alert], None]  # ("started" | "resolved", alert)


class AlertBook:
    """Thread-safe. An alert keeps its id and start time for as long as it keeps firing."""

    def __init__(self, history_size: int = 1000):
        self._lock = threading.RLock()
        self._active: dict[tuple[str, str], Alert] = {}  # (slo id, alert name) -> alert
        self._history: deque[Alert] = deque(maxlen=history_size)
        self._listeners: list[AlertListener] = []

    def add_listener(self, callback: AlertListener) -> None:
        self._listeners.append(callback)

    def reconcile(
        self, service: Service, slo: SLO, firing: list[Firing], now: datetime
    ) -> list[Alert]:
        """Make `firing` the SLO's active alerts: new ones start, missing ones resolve.
        Returns the SLO's active alerts; listeners hear of every start and resolution."""
        started, resolved, current = [], [], []
        names = {f.name for f in firing}
        with self._lock:
            for f in firing:
                key = (slo.id, f.name)
                alert = self._active.get(key)
                if alert is None:
                    alert = Alert(
                        id=alert_id(slo.id, f.name, now),
                        slo_id=slo.id,
                        service=service.name,
                        name=f.name,
                        kind=f.kind,
                        severity=f.severity,
                        started_at=now,
                        factor=f.factor,
                        annotations=alert_annotations(service, slo, f),
                    )
                    self._active[key] = alert
                    started.append(alert)
                # 14.4, not 14.399999999999999: figures a person reads.
                alert.burn_rates = {w: clean_float(r) for w, r in f.burn_rates.items()}
                alert.budget_consumed_percent = f.consumed_percent
                current.append(alert)
            for key in [k for k in self._active if k[0] == slo.id and k[1] not in names]:
                alert = self._active.pop(key)
                alert.resolved_at = now
                self._history.append(alert)
                resolved.append(alert)
        self._notify("started", started)
        self._notify("resolved", resolved)
        return current

    def resolve(self, alert_id: str) -> Alert:
        """Resolve an active alert by hand; if it still holds, the next evaluation raises
        it again as a new alert."""
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

    def active(self, service: str | None = None) -> list[Alert]:
        with self._lock:
            return [a for a in self._active.values() if service is None or a.service == service]

    def history(self) -> list[Alert]:
        with self._lock:
            return list(self._history)

    def _notify(self, event: str, alerts: Iterable[Alert]) -> None:
        for alert in alerts:
            for cb in list(self._listeners):
                try:
                    cb(event, alert)
                except Exception:  # a broken callback must not stop evaluation
                    log.exception("alert listener %r failed on %s %s", cb, event, alert.id)


def alert_annotations(service: Service, slo: SLO, f: Firing) -> dict[str, str]:
    """Summary and description as Prometheus alert annotations would carry them."""
    if f.kind == "burn_rate":
        rates = ", ".join(f"{w}: {r:.2f}x" for w, r in f.burn_rates.items())
        summary = (
            f"{service.name} {slo.name}: error budget burning at {f.factor:g}x or more "
            f"({f.name}, {f.severity})"
        )
        description = (
            f"Burn rate at or above {f.factor:g}x over both windows ({rates}); "
            f"target {slo.target}% over {slo.time_window.label}."
        )
    else:
        summary = (
            f"{service.name} {slo.name}: {f.consumed_percent or 0:.1f}% of the error budget "
            "consumed"
        )
        description = f"Target {slo.target}% over {slo.time_window.label}."
    out = {"summary": summary, "description": description}
    if slo.sli.id:
        out["sli_id"] = slo.sli.id
    if slo.alerting.runbook_url:
        out["runbook_url"] = slo.alerting.runbook_url
    return out
