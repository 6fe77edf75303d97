"""Pyrra (pyrra-dev/pyrra): the `ServiceLevelObjective` CRD (pyrra.dev/v1alpha1) read into
and written from the nexus-sre config.

Pyrra derives four multi-window alerts from the SLO window, scaled from its 28-day plan
(1h/5m at 14x for 2m, 6h/30m at 7x for 15m, 1d/2h at 2x for 1h, 4d/6h at 1x for 3h; each
duration is window/28d times that, rounded to the minute). Each becomes one nexus burn-rate
alert with the same windows, factor and `for`, so both fire at the same minutes.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..config.model import SLO, Service
from ..rules.sli import CounterSli, sli_queries
from . import promql
from .conversion import Conversion, Draft, burn_rate_entry, note_alerting_losses
from .documents import SourceDoc
from .fields import Fields
from .losses import Notes

API_VERSION = "pyrra.dev/v1alpha1"
_NS = 10**9
_MINUTE = 60 * _NS
_DAY_28 = 28 * 86400 * _NS
# (name, severity, factor, for divisor, long divisor, short divisor) of a 28-day window
PLAN = (
    ("critical-1", "critical", 14, 28 * 24 * 30, 28 * 24, 28 * 24 * 12),
    ("critical-2", "critical", 7, 28 * 24 * 4, 28 * 4, 28 * 24 * 2),
    ("warning-1", "warning", 2, 28 * 24, 28, 28 * 12),
    ("warning-2", "warning", 1, 28 * 8, 7, 28 * 4),
)
_BOOL_GOOD = re.compile(r"^sum\(sum_over_time\((?P<m>.+)\[\{\{window\}\}\]\)\)$")


def _go_round(ns: int) -> int:
    """time.Duration.Round(time.Minute): to the nearest minute, halves away from zero."""
    q, r = divmod(ns, _MINUTE)
    return (q + (1 if 2 * r >= _MINUTE else 0)) * _MINUTE


def windows(window_s: int) -> list[tuple[str, str, int, int, int, int]]:
    """(name, severity, factor, for, long, short) in seconds of Pyrra's alerts for a window."""
    w = window_s * _NS
    return [
        (n, sev, f, _go_round(w // fd) // _NS, _go_round(w // ld) // _NS, _go_round(w // sd) // _NS)
        for n, sev, f, fd, ld, sd in PLAN
    ]


def read(docs: list[SourceDoc], notes: Notes) -> Conversion:
    draft = Draft()
    for doc in docs:
        _read_doc(doc, notes, draft)
    notes.check()
    return draft.finish(notes, "pyrra")


def _read_doc(doc: SourceDoc, notes: Notes, draft: Draft) -> None:
    f = Fields(doc, notes, "Pyrra")
    f.mapping((), ("apiVersion", "kind", "metadata", "spec", "status"), ("metadata", "spec"))
    meta = f.mapping(("metadata",), ("name", "namespace", "labels", "annotations"), ("name",))
    spec = f.mapping(
        ("spec",),
        (
            "description",
            "target",
            "window",
            "indicator",
            "alerting",
            "partial_response_strategy",
            "performanceOverAccuracy",
            "ruleOutput",
        ),
        ("target", "window", "indicator"),
    )
    name = f.text(("metadata", "name"))
    target = f.number(("spec", "target"), 'the target as a percent string, e.g. "99.5"')
    window = f.duration(("spec", "window"))
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != "pyrra.dev/service"}
    for key in ("namespace", "labels", "annotations"):
        if labels if key == "labels" else meta.get(key):
            notes.lost(
                doc.at("metadata", key),
                f"metadata.{key}: nexus-sre configs are not Kubernetes resources",
            )
    for key in ("partial_response_strategy", "performanceOverAccuracy", "ruleOutput"):
        if key in spec:
            notes.lost(doc.at("spec", key), f"{key}: a Pyrra rule-generation option")
    service_name = (
        (meta.get("labels") or {}).get("pyrra.dev/service") or meta.get("namespace") or "default"
    )
    sli = _read_indicator(f)
    alerting = _read_alerting(f, window)
    if name is None or target is None or window is None or sli is None:
        return
    svc = draft.service(str(service_name), doc.at("metadata"))
    slo: dict[str, Any] = {"id": name, "name": name}
    if spec.get("description"):
        slo["description"] = spec["description"]
    slo |= {
        "target": target,
        "timeWindow": format_duration(window),
        "sli": sli,
        "alerting": alerting,
    }
    draft.add_slo(
        svc,
        slo,
        doc.at("metadata", "name"),
        {
            ("target",): doc.at("spec", "target"),
            ("timeWindow",): doc.at("spec", "window"),
            ("sli",): doc.at("spec", "indicator"),
            ("alerting",): doc.at("spec", "alerting"),
        },
    )


def _read_indicator(f: Fields) -> dict[str, Any] | None:
    doc, notes = f.doc, f.notes
    at = ("spec", "indicator")
    given = f.mapping(at, ("ratio", "latency", "latencyNative", "bool_gauge"))
    if len(given) != 1:
        f.bad(at, "give exactly one of ratio, latency, latencyNative or bool_gauge")
        return None
    kind = next(iter(given))
    if doc.get(*at, kind, "grouping"):
        notes.lost(
            doc.at(*at, kind, "grouping"),
            "grouping: nexus-sre evaluates one SLO over all series, not one per group",
        )
    if kind == "latencyNative":
        notes.refuse(
            doc.at(*at, kind),
            "latencyNative needs native histograms, which "
            "nexus-sre rules do not read; use a classic-histogram latency indicator",
        )
        return None
    if kind == "bool_gauge":
        f.mapping((*at, kind), ("metric", "grouping"), ("metric",))
        metric = f.text((*at, kind, "metric"))
        if metric is None:
            return None
        return {
            "type": "availability",
            "goodQuery": f"sum(sum_over_time({metric}[{promql.WINDOW}]))",
            "totalQuery": f"sum(count_over_time({metric}[{promql.WINDOW}]))",
        }
    first, second = ("errors", "total") if kind == "ratio" else ("success", "total")
    f.mapping((*at, kind), (first, second, "grouping"), (first, second))
    for part in (first, second):
        f.mapping((*at, kind, part), ("metric",), ("metric",))
    a = f.text((*at, kind, first, "metric"))
    total = f.text((*at, kind, second, "metric"))
    if a is None or total is None:
        return None
    for q, part in ((a, first), (total, second)):
        if not promql.is_selector(q):
            f.bad((*at, kind, part, "metric"), "Pyrra takes a series selector here")
            return None
    if kind == "ratio":
        total_t = promql.counter_template(total)
        return {
            "type": "ratio",
            "goodQuery": promql.good_from_bad(total_t, promql.counter_template(a)),
            "totalQuery": total,
        }
    le = re.search(r'le\s*=\s*"([^"]+)"', a)
    if le is None:
        f.bad((*at, kind, first, "metric"), 'a latency success metric needs an le="..." matcher')
        return None
    ms = Decimal(le.group(1)) * 1000
    return {"type": "latency", "goodQuery": a, "totalQuery": total, "threshold": f"{ms}ms"}


def _read_alerting(f: Fields, window: int | None) -> dict[str, Any]:
    doc, notes = f.doc, f.notes
    at = ("spec", "alerting")
    given = f.mapping(
        at, ("disabled", "burnrates", "absent", "name", "absentName", "severities"), optional=True
    )
    disabled = f.flag((*at, "disabled"), False)
    burnrates = f.flag((*at, "burnrates"), True)
    if not disabled and f.flag((*at, "absent"), True):
        notes.lost(
            doc.at(*at) if given else doc.at("spec"),
            "absent alerts (Pyrra alerts when "
            "the metric disappears): nexus-sre reads a missing total as no data, "
            "without an alert",
        )
    for key in ("name", "absentName", "severities"):
        if given.get(key):
            notes.lost(
                doc.at(*at, key),
                f"alerting.{key}: nexus-sre names alerts per tier and uses critical/warning",
            )
    burn: dict[str, Any] = {}
    if not disabled and burnrates and window is not None:
        for name, sev, factor, for_s, long_w, short_w in windows(window):
            burn[name] = burn_rate_entry(factor, long_w, short_w, sev, for_s)
    return {"burnRate": burn, "budgetExhaustion": {"thresholds": []}}


# --- writing -------------------------------------------------------------------------------


def write(conversion: Conversion, notes: Notes) -> list[dict[str, Any]]:
    docs = []
    for service in conversion.config.services:
        for slo in service.slos:
            docs.append(_write_slo(conversion, service, slo, notes))
    return docs


def _write_slo(conv: Conversion, service: Service, slo: SLO, notes: Notes) -> dict[str, Any]:
    at = conv.slo_path(service, slo)
    spec: dict[str, Any] = {}
    if slo.description is not None:
        spec["description"] = slo.description
    spec["target"] = format(slo.target, "f")
    if slo.time_window.calendar is not None:
        notes.lost(
            conv.where((*at, "timeWindow")),
            f"the {slo.time_window.label} window: Pyrra windows are rolling",
        )
    spec["window"] = format_duration(slo.time_window.seconds)
    spec["indicator"] = _write_indicator(conv, service, slo, notes, at)
    spec["alerting"] = _write_alerting(conv, slo, notes, at)
    if slo.name != slo.id:
        notes.lost(conv.where((*at, "name")), "the SLO display name: Pyrra has metadata.name")
    return {
        "apiVersion": API_VERSION,
        "kind": "ServiceLevelObjective",
        "metadata": {"name": slo.id, "labels": {"pyrra.dev/service": service.name}},
        "spec": spec,
    }


def _write_indicator(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, at: tuple[str | int, ...]
) -> dict[str, Any]:
    sli = slo.sli
    if sli.good_query is not None and sli.total_query is not None:
        m = _BOOL_GOOD.match(sli.good_query.strip())
        if (
            m
            and sli.total_query.strip() == f"sum(count_over_time({m.group('m')}[{promql.WINDOW}]))"
        ):
            return {"bool_gauge": {"metric": m.group("m")}}
        total = promql.selector_of(sli.total_query)
        bad = promql.bad_from_good(sli.good_query, promql.counter_template(sli.total_query))
        errors = promql.selector_of(bad) if bad else None
        if total and errors:
            return {"ratio": {"errors": {"metric": errors}, "total": {"metric": total}}}
        good = promql.selector_of(sli.good_query)
        if total and good and "le=" in good:
            return {"latency": {"success": {"metric": good}, "total": {"metric": total}}}
    queries = sli_queries(service, slo)
    good_sel = queries.good_selector if isinstance(queries, CounterSli) else None
    total_sel = queries.total_selector if isinstance(queries, CounterSli) else None
    if good_sel is not None and total_sel is not None and "le=" in good_sel.text:
        return {
            "latency": {
                "success": {"metric": good_sel.text},
                "total": {"metric": total_sel.text},
            }
        }
    notes.refuse(
        conv.where((*at, "sli")),
        "Pyrra indicators are series selectors (errors and "
        "total, success with le and total, or a 0/1 gauge); this SLI's queries are "
        "expressions Pyrra cannot take",
    )
    return {}


def _write_alerting(
    conv: Conversion, slo: SLO, notes: Notes, at: tuple[str | int, ...]
) -> dict[str, Any]:
    a = slo.alerting
    plan = {
        (lw, sw): (f, sev, for_s) for _, sev, f, for_s, lw, sw in windows(slo.time_window.seconds)
    }
    matched = 0
    for alert in a.burn_rate:
        got = plan.get((alert.long_window, alert.short_window))
        if (
            got is None
            or Decimal(got[0]) != alert.factor
            or got[1] != alert.severity
            or got[2] != (alert.for_duration or 0)
        ):
            notes.lost(
                conv.where((*at, "alerting", "burnRate", alert.name)),
                f"burn-rate alert {alert.name!r}: Pyrra derives its four alerts from the "
                "window ("
                + ", ".join(
                    f"{format_duration(lw)}/{format_duration(sw)} at {f}x for {format_duration(fo)}"
                    for (lw, sw), (f, _, fo) in plan.items()
                )
                + ")",
            )
        else:
            matched += 1
    note_alerting_losses(
        conv,
        slo,
        notes,
        at,
        budget_exhaustion="Pyrra alerts on burn rates only",
        min_events="Pyrra alerts whatever the traffic",
    )
    if not a.burn_rate:
        return {"disabled": True}
    if matched < len(plan):
        notes.lost(
            conv.where((*at, "alerting", "burnRate")),
            "Pyrra always generates all four "
            "of its burn-rate alerts; the source has " + str(matched) + " of them",
        )
    return {"absent": False}
