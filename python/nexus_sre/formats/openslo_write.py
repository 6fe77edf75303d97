"""Writing the nexus-sre config as OpenSLO v1: a Service per service, an SLO per SLO with
its indicator inline, an AlertPolicy with an inline burnrate AlertCondition per burn-rate
alert. The reading side, and what maps how, is openslo.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..config.defaults import default_short_window
from ..config.model import SLO, Service
from ..rules.sli import CounterSli, PercentSli, sli_queries
from . import promql
from .conversion import Conversion, fraction, note_alerting_losses
from .losses import Notes

API = "openslo/v1"
RUNBOOK_ANNOTATION = "nexus-sre.dev/runbook-url"
SEVERITY_IN = {
    "page": "critical",
    "critical": "critical",
    "high": "critical",
    "ticket": "warning",
    "warning": "warning",
    "medium": "warning",
    "info": "info",
    "low": "info",
}
SEVERITY_OUT = {"critical": "page", "warning": "ticket", "info": "info"}


def _obj(kind: str, name: str, spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {"apiVersion": API, "kind": kind, "metadata": {"name": name, **meta}, "spec": spec}


def _duration(seconds: int, where: Any, notes: Notes, what: str) -> str:
    if seconds % 60:
        notes.lost(where, f"{what} {seconds}s: OpenSLO durations are whole minutes; rounded up")
        seconds += 60 - seconds % 60
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):  # 28d stays 28d, not 4w
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def write(conversion: Conversion, notes: Notes) -> list[dict[str, Any]]:
    config = conversion.config
    docs: list[dict[str, Any]] = []
    backend = config.global_.monitoring_backend
    source_type = "Datadog" if backend == "datadog" else "Prometheus"
    if config.global_.prometheus is not None:
        docs.append(
            _obj(
                "DataSource",
                "prometheus",
                {"type": "Prometheus", "connectionDetails": {"url": config.global_.prometheus.url}},
            )
        )
    for service in config.services:
        docs.append(_obj("Service", service.name, {}))
        for slo in service.slos:
            docs.append(_slo(conversion, service, slo, notes, source_type))
    return docs


def _metric(source_type: str, query: str) -> dict[str, Any]:
    return {"metricSource": {"type": source_type, "spec": {"query": query}}}


def _indicator(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, at: tuple, source_type: str
) -> tuple[dict[str, Any], str, Any]:
    """(SLI spec, budgeting method, timeSliceWindow or None)."""
    sli = slo.sli
    if source_type == "Datadog" and sli.good_query and sli.total_query:
        return (
            {
                "ratioMetric": {
                    "counter": True,
                    "good": _metric(source_type, sli.good_query),
                    "total": _metric(source_type, sli.total_query),
                }
            },
            "Occurrences",
            None,
        )
    queries = sli_queries(service, slo)
    if isinstance(queries, PercentSli):
        spec = {
            "ratioMetric": {
                "counter": False,
                "rawType": "success",
                "raw": _metric(source_type, f"({queries.query}) / 100"),
            }
        }
        return spec, "RatioTimeslices", queries.own_window or 300
    assert isinstance(queries, CounterSli)
    if sli.type == "latency" and sli.query is not None and promql.is_selector(sli.query):
        return {"thresholdMetric": _metric(source_type, sli.query.strip())}, "Occurrences", None
    good_t = sli.good_query or queries.good
    total_t = sli.total_query or queries.total
    bad_t = (
        promql.bad_from_good(good_t, promql.counter_template(total_t)) if sli.good_query else None
    )
    ratio: dict[str, Any] = {"counter": True}
    for part, template in (("bad", bad_t) if bad_t else ("good", good_t), ("total", total_t)):
        selector = promql.selector_of(template)
        if selector is None:
            notes.lost(
                conv.where((*at, "sli")),
                f"the {part} query keeps nexus-sre's "
                "{{window}} placeholder: other OpenSLO tools will not expand it",
            )
        ratio[part] = _metric(source_type, selector or template)
    return {"ratioMetric": ratio}, "Occurrences", None


def _slo(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, source_type: str
) -> dict[str, Any]:
    at = conv.slo_path(service, slo)
    meta: dict[str, Any] = {}
    if slo.name != slo.id:
        meta["displayName"] = slo.name
    if slo.alerting.runbook_url:
        meta["annotations"] = {RUNBOOK_ANNOTATION: slo.alerting.runbook_url}
    spec: dict[str, Any] = {}
    if slo.description is not None:
        spec["description"] = slo.description
    spec["service"] = service.name
    indicator, method, slice_w = _indicator(conv, service, slo, notes, at, source_type)
    spec["indicator"] = {"metadata": {"name": f"{slo.id}-sli"}, "spec": indicator}
    w = slo.time_window
    if w.calendar is None:
        spec["timeWindow"] = [
            {
                "duration": _duration(w.seconds, conv.where((*at, "timeWindow")), notes, "window"),
                "isRolling": True,
            }
        ]
    else:
        start = "2024-01-01 00:00:00"  # a 1st of the month, and a Monday
        spec["timeWindow"] = [
            {
                "duration": "1M" if w.calendar == "month" else "1w",
                "calendar": {"startTime": start, "timeZone": w.timezone},
                "isRolling": False,
            }
        ]
    spec["budgetingMethod"] = method
    objective: dict[str, Any] = {"target": fraction(slo.target)}
    if "thresholdMetric" in indicator:
        threshold_s = Decimal(str(slo.sli.threshold_ms)) / 1000
        objective = {"op": "lte", "value": threshold_s.normalize()} | objective
    if slice_w is not None:
        objective["timeSliceWindow"] = format_duration(slice_w)
    spec["objectives"] = [objective]
    spec["alertPolicies"] = _policies(conv, slo, notes, at)
    return _obj("SLO", slo.id, spec, **meta)


def _policies(conv: Conversion, slo: SLO, notes: Notes, at: tuple) -> list[dict[str, Any]]:
    kept = conv.metadata.get(slo.id, {}).get("notificationTargets")
    targets = kept.value if kept is not None else []
    out = []
    for alert in slo.alerting.burn_rate:
        where = conv.where((*at, "alerting", "burnRate", alert.name))
        if alert.short_window != default_short_window(alert.long_window):
            notes.lost(
                where,
                f"short window {format_duration(alert.short_window)}: an OpenSLO "
                "burnrate condition has one lookbackWindow (nexus-sre reads it back "
                "with a short window of 1/12)",
            )
        condition: dict[str, Any] = {
            "kind": "burnrate",
            "op": "gte",
            "threshold": alert.factor,
            "lookbackWindow": _duration(alert.long_window, where, notes, "window"),
        }
        if alert.for_duration:
            condition["alertAfter"] = _duration(alert.for_duration, where, notes, "for")
        mine = [t["target"] for t in targets if t["condition"] == alert.name]
        name = _name(alert.name)
        out.append(
            {
                "kind": "AlertPolicy",
                "metadata": {"name": name},
                "spec": {
                    "alertWhenBreaching": True,
                    "conditions": [
                        {
                            "kind": "AlertCondition",
                            "metadata": {"name": name},
                            "spec": {
                                "severity": SEVERITY_OUT[alert.severity],
                                "condition": condition,
                            },
                        }
                    ],
                    "notificationTargets": mine,
                },
            }
        )
    note_alerting_losses(
        conv,
        slo,
        notes,
        at,
        budget_exhaustion="OpenSLO v1 alert conditions are burn rates only",
        min_events="OpenSLO has no minimum-traffic guard",
    )
    return out


def _name(text: str) -> str:
    """An RFC 1123 label from an alert name ("page-1h" stays, "Page_1H" -> "page-1h")."""
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return out[:63] or "alert"
