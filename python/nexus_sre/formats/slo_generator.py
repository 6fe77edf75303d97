"""google/slo-generator v2: `ServiceLevelObjective` documents (sre.google.com/v2) and the
shared config's `backends` and `error_budget_policies`, read into and written from the
nexus-sre config.

Methods on the Prometheus and Datadog backends: `good_bad_ratio` (good and valid, or good and
bad), `distribution_cut` (a histogram and a bucket bound: a nexus latency SLI) and
`query_sli` (a ratio query: a nexus percent query, time-averaged). Error-budget-policy steps
with `alert: true` become burn-rate alerts (the step window as long window, a short window of
1/12 of it, the threshold as factor); steps without alert only report, which nexus-sre
does for every window anyway, and are listed as losses. The SLO period is the longest step.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..config.defaults import default_short_window
from ..config.model import SLO, Service
from ..rules.sli import CounterSli, PercentSli, sli_queries, threshold_seconds
from . import promql
from .conversion import (
    Conversion,
    Draft,
    burn_rate_entry,
    fraction,
    note_alerting_losses,
    percent,
)
from .documents import SourceDoc
from .fields import Fields
from .losses import Notes, Where

API = "sre.google.com/v2"
_SUM_PLUS = re.compile(r"^\((?P<good>.+)\) \+ \((?P<bad>.+)\)$", re.S)


def read(docs: list[SourceDoc], notes: Notes) -> Conversion:
    shared = [d for d in docs if "apiVersion" not in d.data]
    slos = [d for d in docs if "apiVersion" in d.data]
    policies: dict[str, tuple[SourceDoc, list[Any]]] = {}
    backends: dict[str, tuple[SourceDoc, Any]] = {}
    for doc in shared:
        for name, policy in (doc.get("error_budget_policies") or {}).items():
            policies[name] = (doc, (policy or {}).get("steps") or [])
        for name, backend in (doc.get("backends") or {}).items():
            backends[name] = (doc, backend)
    draft = Draft()
    for doc in slos:
        _read_slo(doc, notes, draft, policies, backends)
    notes.check()
    return draft.finish(notes, "slo-generator")


def _read_slo(
    doc: SourceDoc,
    notes: Notes,
    draft: Draft,
    policies: dict[str, tuple[SourceDoc, list[Any]]],
    backends: dict[str, tuple[SourceDoc, Any]],
) -> None:
    f = Fields(doc, notes, "slo-generator")
    f.mapping(
        (), ("apiVersion", "kind", "metadata", "spec"), ("apiVersion", "kind", "metadata", "spec")
    )
    if doc.get("kind") != "ServiceLevelObjective" or doc.get("apiVersion") != API:
        f.bad(("kind",), f"expected kind ServiceLevelObjective of {API}")
        return
    meta = f.mapping(("metadata",), ("name", "labels", "annotations"), ("name",))
    spec = f.mapping(
        ("spec",),
        (
            "description",
            "backend",
            "method",
            "exporters",
            "service_level_indicator",
            "goal",
            "error_budget_policy",
            "frequency",
        ),
        ("backend", "method", "service_level_indicator", "goal"),
    )
    name = f.text(("metadata", "name"))
    goal = f.number(("spec", "goal"), "a goal between 0 and 1, e.g. 0.999")
    labels = dict(meta.get("labels") or {})
    service = str(labels.pop("service_name", "default"))
    if labels:
        notes.lost(
            doc.at("metadata", "labels"),
            f"labels {sorted(labels)}: nexus-sre keeps service_name as the service",
        )
    for key in ("exporters", "frequency"):
        if key in spec:
            notes.lost(
                doc.at("spec", key), f"{key}: nexus-sre exports through its own rules and reports"
            )
    backend = str(spec.get("backend", ""))
    kind = backend.split("/")[0]
    if kind not in ("prometheus", "datadog"):
        f.bad(("spec", "backend"), f"backend {backend!r}: nexus-sre reads prometheus and datadog")
        return
    if draft.global_.setdefault("monitoringBackend", kind) != kind:
        f.bad(("spec", "backend"), "the SLOs mix backends: a nexus-sre config has one")
        return
    if kind == "prometheus" and backend in backends:
        url = (backends[backend][1] or {}).get("url")
        if isinstance(url, str) and "${" not in url:
            draft.global_.setdefault("prometheus", {"url": url})
    sli = _read_sli(f, kind, str(spec.get("method")))
    policy_name = spec.get("error_budget_policy", "default")
    alerting, period, fields = _read_policy(doc, notes, policies, str(policy_name))
    if name is None or goal is None or sli is None:
        return
    slo: dict[str, Any] = {"id": name, "name": name}
    if spec.get("description"):
        slo["description"] = spec["description"]
    slo |= {
        "target": percent(goal),
        "timeWindow": format_duration(period),
        "sli": sli,
        "alerting": alerting,
    }
    svc = draft.service(service, doc.at("metadata", "labels", "service_name"))
    draft.add_slo(
        svc,
        slo,
        doc.at("metadata", "name"),
        {
            ("target",): doc.at("spec", "goal"),
            ("sli",): doc.at("spec", "service_level_indicator"),
        }
        | fields,
    )


def _read_sli(f: Fields, kind: str, method: str) -> dict[str, Any] | None:
    doc, notes = f.doc, f.notes
    at = ("spec", "service_level_indicator")
    if kind == "prometheus" and method == "good_bad_ratio":
        sli = f.mapping(at, ("filter_good", "filter_valid", "filter_bad"), ("filter_good",))
        good = f.text((*at, "filter_good"))
        if ("filter_valid" in sli) == ("filter_bad" in sli):
            f.bad(at, "give filter_good and exactly one of filter_valid or filter_bad")
            return None
        other = f.text((*at, "filter_valid" if "filter_valid" in sli else "filter_bad"))
        if good is None or other is None:
            return None
        if "filter_valid" in sli:
            return {"type": "ratio", "goodQuery": good, "totalQuery": other}
        total = f"({promql.counter_template(good)}) + ({promql.counter_template(other)})"
        return {"type": "ratio", "goodQuery": good, "totalQuery": total}
    if kind == "prometheus" and method == "distribution_cut":
        sli = f.mapping(
            at,
            ("expression", "threshold_bucket", "good_below_threshold"),
            ("expression", "threshold_bucket"),
        )
        if sli.get("good_below_threshold") is False:
            f.bad(
                (*at, "good_below_threshold"),
                "good above the threshold: nexus-sre latency SLIs count requests at or below it",
            )
            return None
        expr = f.text((*at, "expression"))
        bound = f.number((*at, "threshold_bucket"), "the bucket bound in seconds")
        if expr is None or bound is None:
            return None
        if not promql.is_selector(expr):
            f.bad((*at, "expression"), "distribution_cut needs a histogram series selector")
            return None
        return {
            "type": "latency",
            "query": expr.strip(),
            "threshold": f"{(bound * 1000).normalize():f}ms",
        }
    if method == "query_sli":
        key = "expression" if kind == "prometheus" else "query"
        f.mapping(at, (key,), (key,))
        expr = f.text((*at, key))
        if expr is None:
            return None
        notes.lost(
            doc.at(*at, key),
            "a query_sli ratio is evaluated by slo-generator over "
            "each step window; nexus-sre averages it over time"
            + (" from a 5m evaluation" if kind == "prometheus" else ""),
        )
        expr = " ".join(expr.split())
        if kind == "prometheus":
            expr = expr.replace(promql.SLO_GENERATOR_WINDOW, "[5m]")
        return {"type": "ratio", "query": f"100 * ({expr})"}
    if kind == "datadog" and method == "good_bad_ratio":
        sli = f.mapping(at, ("query_good", "query_valid", "query_bad"), ("query_good",))
        good = f.text((*at, "query_good"))
        if ("query_valid" in sli) == ("query_bad" in sli):
            f.bad(at, "give query_good and exactly one of query_valid or query_bad")
            return None
        other = f.text((*at, "query_valid" if "query_valid" in sli else "query_bad"))
        if good is None or other is None:
            return None
        total = other if "query_valid" in sli else f"({good}) + ({other})"
        return {"type": "ratio", "goodQuery": good, "totalQuery": total}
    f.bad(
        ("spec", "method"),
        f"method {method!r} on {kind}: nexus-sre reads good_bad_ratio, "
        "query_sli, and distribution_cut on prometheus (slo-generator has no Datadog "
        "distribution_cut)",
    )
    return None


def _read_policy(
    doc: SourceDoc, notes: Notes, policies: dict[str, tuple[SourceDoc, list[Any]]], name: str
) -> tuple[dict[str, Any], int, dict[tuple[str | int, ...], Where]]:
    fields: dict[tuple[str | int, ...], Where] = {}
    empty: dict[str, Any] = {"burnRate": {}, "budgetExhaustion": {"thresholds": []}}
    if name not in policies:
        notes.lost(
            doc.at("spec", "error_budget_policy"),
            f"error budget policy {name!r} is "
            "not in the sources (pass the shared config.yaml too): no alerts, 28d period",
        )
        return empty, 28 * 86400, fields
    pdoc, steps = policies[name]
    burn: dict[str, Any] = {}
    period = 0
    for k, step in enumerate(steps):
        at = ("error_budget_policies", name, "steps", k)
        f = Fields(pdoc, notes, "slo-generator")
        f.mapping(
            at,
            ("name", "burn_rate_threshold", "alert", "message_alert", "message_ok", "window"),
            ("name", "burn_rate_threshold", "alert", "window"),
        )
        window = f.duration((*at, "window"))
        factor = f.number((*at, "burn_rate_threshold"), "a burn-rate threshold")
        if window is None or factor is None:
            continue
        period = max(period, window)
        step_name = _slug(str(step.get("name", f"step-{k + 1}")))
        if not step.get("alert"):
            notes.lost(
                pdoc.at(*at),
                f"step {step.get('name')!r} does not alert: nexus-sre "
                "reports every window anyway; the step is not kept",
            )
            continue
        for key in ("message_alert", "message_ok"):
            if step.get(key):
                notes.lost(pdoc.at(*at, key), f"{key}: nexus-sre writes its own alert text")
        burn[step_name] = burn_rate_entry(factor, window, default_short_window(window), "critical")
        fields[("alerting", "burnRate", step_name)] = pdoc.at(*at)
    return (
        {"burnRate": burn, "budgetExhaustion": {"thresholds": []}},
        period or 28 * 86400,
        fields,
    )


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[A-Za-z0-9]+", text)).lower() or "step"


# --- writing -------------------------------------------------------------------------------


def write(conversion: Conversion, notes: Notes) -> list[dict[str, Any]]:
    config = conversion.config
    kind = "datadog" if config.global_.monitoring_backend == "datadog" else "prometheus"
    policies: dict[str, Any] = {}
    docs: list[dict[str, Any]] = []
    for service in config.services:
        for slo in service.slos:
            docs.append(_write_slo(conversion, service, slo, notes, kind, policies))
    backend: dict[str, Any] = {}
    if kind == "prometheus" and config.global_.prometheus is not None:
        backend = {"url": config.global_.prometheus.url}
    shared = {"backends": {kind: backend}, "error_budget_policies": policies}
    return [shared, *docs]


def _write_slo(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, kind: str, policies: dict[str, Any]
) -> dict[str, Any]:
    at = conv.slo_path(service, slo)
    method, sli = _write_sli(conv, service, slo, notes, kind, at)
    steps = []
    for alert in slo.alerting.burn_rate:
        where = conv.where((*at, "alerting", "burnRate", alert.name))
        if alert.short_window != default_short_window(alert.long_window):
            notes.lost(
                where,
                f"short window {format_duration(alert.short_window)}: a policy step has one window",
            )
        if alert.for_duration:
            notes.lost(where, "for: policy steps alert on the window's burn rate at once")
        if alert.severity != "critical":
            notes.lost(where, f"severity {alert.severity}: policy steps have none")
        steps.append(
            {
                "name": alert.name,
                "burn_rate_threshold": alert.factor,
                "alert": True,
                "window": alert.long_window,
            }
        )
    longest = max((a.long_window for a in slo.alerting.burn_rate), default=None)
    if slo.time_window.calendar is not None or slo.time_window.seconds != longest:
        notes.lost(
            conv.where((*at, "timeWindow")),
            f"the {slo.time_window.label} period: "
            "slo-generator has no SLO period, only the policy steps' windows",
        )
    note_alerting_losses(
        conv,
        slo,
        notes,
        at,
        budget_exhaustion="policy steps are burn rates",
        min_events="policy steps alert whatever the traffic",
    )
    if slo.alerting.runbook_url:
        notes.lost(conv.where((*at, "alerting", "runbookUrl")), "runbookUrl")
    policies[slo.id] = {"steps": steps}
    spec: dict[str, Any] = {}
    if slo.description is not None:
        spec["description"] = slo.description
    spec |= {
        "backend": kind,
        "method": method,
        "service_level_indicator": sli,
        "goal": fraction(slo.target),
        "error_budget_policy": slo.id,
    }
    if slo.name != slo.id:
        notes.lost(conv.where((*at, "name")), "the SLO display name")
    return {
        "apiVersion": API,
        "kind": "ServiceLevelObjective",
        "metadata": {"name": slo.id, "labels": {"service_name": service.name}},
        "spec": spec,
    }


def _write_sli(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, kind: str, at: tuple
) -> tuple[str, dict[str, Any]]:
    sli = slo.sli
    if kind == "datadog":
        if sli.good_query and sli.total_query:
            m = _SUM_PLUS.match(sli.total_query.strip())
            if m and m.group("good").strip() == sli.good_query.strip():
                return "good_bad_ratio", {
                    "query_good": sli.good_query,
                    "query_bad": m.group("bad").strip(),
                }
            return "good_bad_ratio", {"query_good": sli.good_query, "query_valid": sli.total_query}
        return "query_sli", {"query": f"({sli.query}) / 100"}
    if sli.type == "latency" and sli.query and promql.is_selector(sli.query):
        return "distribution_cut", {
            "expression": sli.query.strip(),
            "threshold_bucket": threshold_seconds(slo).normalize(),
        }
    if sli.good_query and sli.total_query:
        good = promql.selector_of(sli.good_query)
        m = _SUM_PLUS.match(sli.total_query.strip())
        if good and m and m.group("good").strip() == promql.counter_template(good):
            bad = promql.selector_of(m.group("bad"))
            if bad:
                return "good_bad_ratio", {"filter_good": good, "filter_bad": bad}
        total = promql.selector_of(sli.total_query)
        if good and total:
            return "good_bad_ratio", {"filter_good": good, "filter_valid": total}
    queries = sli_queries(service, slo)
    if isinstance(queries, PercentSli):
        notes.lost(
            conv.where((*at, "sli", "query")),
            "a percent query over its own range: "
            "slo-generator evaluates it as written for every step window",
        )
        return "query_sli", {"expression": f"({queries.query}) / 100"}
    assert isinstance(queries, CounterSli)
    good_t = queries.good.replace(promql.WINDOW, "window")
    total_t = queries.total.replace(promql.WINDOW, "window")
    return "query_sli", {"expression": f"({good_t}) / ({total_t})"}


__all__ = ["Decimal", "read", "write"]
