"""Sloth (slok/sloth): the `prometheus/v1` spec file and the `PrometheusServiceLevel` CRD,
read into and written from the nexus-sre config.

Sloth alerts in two groups on the SRE Workbook windows of its SLO period (30 days unless
`sloth generate --default-slo-period` says otherwise): the *page* alert fires when 1h and 5m
burn faster than 2 % of the budget per hour (14.4x at 30d), or 6h and 30m faster than 5 % per
6h (6x); the *ticket* alert when 1d and 2h burn 10 % per day (3x), or 3d and 6h 10 % per 3
days (1x). Each condition becomes one nexus burn-rate alert (`page-1h`, `page-6h`,
`ticket-1d`, `ticket-3d`): nexus fires one alert per condition where Sloth fires one per
group, at the same minutes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..config.defaults import burn_rate_factor
from ..config.model import SLO, BurnRateAlert, Service
from ..rules.sli import CounterSli, PercentSli, sli_queries
from . import promql
from .conversion import Conversion, Draft, burn_rate_entry, note_alerting_losses
from .documents import SourceDoc
from .fields import Fields
from .losses import Notes

PERIOD = 30 * 86400  # Sloth's default SLO period
PERIODS = (30 * 86400, 28 * 86400)  # the periods Sloth ships alert windows for
# (nexus name, group, budget share, long window, short window)
TIERS: tuple[tuple[str, str, Decimal, int, int], ...] = (
    ("page-1h", "page", Decimal("0.02"), 3600, 300),
    ("page-6h", "page", Decimal("0.05"), 6 * 3600, 1800),
    ("ticket-1d", "ticket", Decimal("0.10"), 86400, 2 * 3600),
    ("ticket-3d", "ticket", Decimal("0.10"), 3 * 86400, 6 * 3600),
)
SEVERITY = {"page": "critical", "ticket": "warning"}

# prometheus/v1 writes snake_case keys, the CRD camelCase.
_V1 = {
    "error_query": "error_query",
    "total_query": "total_query",
    "error_ratio_query": "error_ratio_query",
    "page_alert": "page_alert",
    "ticket_alert": "ticket_alert",
    "slo_plugins": "slo_plugins",
}
_CRD = {
    "error_query": "errorQuery",
    "total_query": "totalQuery",
    "error_ratio_query": "errorRatioQuery",
    "page_alert": "pageAlert",
    "ticket_alert": "ticketAlert",
    "slo_plugins": "sloPlugins",
}


def tiers(period: int = PERIOD) -> list[tuple[str, str, Decimal, int, int]]:
    """(name, group, factor, long, short) of Sloth's four alert conditions for a period."""
    return [(n, g, burn_rate_factor(s, period, lw), lw, sw) for n, g, s, lw, sw in TIERS]


def read(docs: list[SourceDoc], notes: Notes) -> Conversion:
    draft = Draft()
    for doc in docs:
        _read_doc(doc, notes, draft)
    notes.check()
    return draft.finish(notes, "sloth")


def _read_doc(doc: SourceDoc, notes: Notes, draft: Draft) -> None:
    f = Fields(doc, notes, "Sloth")
    if doc.get("version") == "prometheus/v1":
        keys, base = _V1, tuple[str, ...]()
        f.mapping((), ("version", "service", "labels", "slos", "slo_plugins"), ("service", "slos"))
    else:
        keys, base = _CRD, ("spec",)
        f.mapping((), ("apiVersion", "kind", "metadata", "spec", "status"), ("spec",))
        if doc.get("metadata"):
            notes.lost(
                doc.at("metadata"),
                "Kubernetes metadata (name, namespace, labels) is "
                "not kept: nexus-sre configs are not Kubernetes resources",
            )
        f.mapping(base, ("service", "labels", "slos", "sloPlugins"), ("service", "slos"))
    if doc.get(*base, "labels"):
        notes.lost(
            doc.at(*base, "labels"),
            "service labels: nexus-sre rules carry only service, slo and window labels",
        )
    if doc.get(*base, keys["slo_plugins"]):
        notes.refuse(
            doc.at(*base, keys["slo_plugins"]),
            "Sloth SLO plugins rewrite the "
            "generated rules in Go code that is not in this file; remove them or "
            "convert without them",
        )
    service = f.text((*base, "service"))
    if service is None:
        return
    svc = draft.service(service, doc.at(*base, "service"))
    for i, _ in enumerate(f.items((*base, "slos"))):
        _read_slo(f, (*base, "slos", i), keys, draft, svc)


def _read_slo(
    f: Fields, at: tuple[str | int, ...], keys: dict[str, str], draft: Draft, svc: int
) -> None:
    doc, notes = f.doc, f.notes
    f.mapping(
        at,
        ("name", "description", "objective", "labels", "sli", "alerting", "plugins"),
        ("name", "objective", "sli"),
    )
    name = f.text((*at, "name"))
    objective = f.number((*at, "objective"), "the objective in percent, e.g. 99.9")
    if doc.get(*at, "labels"):
        notes.lost(doc.at(*at, "labels"), "SLO labels: nexus-sre has no SLO labels")
    if doc.get(*at, "plugins"):
        notes.refuse(
            doc.at(*at, "plugins"),
            "Sloth SLO plugins change the generated rules "
            "in code outside this file; nexus-sre cannot know what they do",
        )
    fields: dict[tuple[str | int, ...], Any] = {
        ("id",): doc.at(*at, "name"),
        ("target",): doc.at(*at, "objective"),
        ("sli",): doc.at(*at, "sli"),
        ("alerting",): doc.at(*at, "alerting"),
    }
    sli = _read_sli(f, (*at, "sli"), keys)
    alerting = _read_alerting(f, (*at, "alerting"), keys, fields)
    if name is None or objective is None or sli is None:
        return
    slo: dict[str, Any] = {"id": name, "name": name}
    if doc.get(*at, "description") is not None:
        slo["description"] = f.text((*at, "description"), required=False)
    slo |= {
        "target": objective,
        "timeWindow": format_duration(PERIOD),
        "sli": sli,
        "alerting": alerting,
    }
    draft.add_slo(svc, slo, doc.at(*at), fields)


def _read_sli(f: Fields, at: tuple[str | int, ...], keys: dict[str, str]) -> dict[str, Any] | None:
    doc, notes = f.doc, f.notes
    given = f.mapping(at, ("events", "raw", "plugin"))
    if len(given) != 1:
        f.bad(at, "give exactly one of events, raw or plugin")
        return None
    if "plugin" in given:
        plugin = doc.get(*at, "plugin", "id")
        notes.refuse(
            doc.at(*at, "plugin"),
            f"Sloth SLI plugin {plugin!r} builds its queries "
            "in Go code inside Sloth, so the file does not say what it measures; "
            "replace it with the events or raw queries it generates",
        )
        return None
    if "events" in given:
        f.mapping(
            (*at, "events"),
            (keys["error_query"], keys["total_query"]),
            (keys["error_query"], keys["total_query"]),
        )
        bad = f.text((*at, "events", keys["error_query"]))
        total = f.text((*at, "events", keys["total_query"]))
        if bad is None or total is None:
            return None
        total_t, bad_t = promql.from_sloth(total), promql.from_sloth(bad)
        for q, key in ((total_t, "total_query"), (bad_t, "error_query")):
            if promql.WINDOW not in q and not promql.is_selector(q):
                f.bad(
                    (*at, "events", keys[key]),
                    "the query has no {{.window}} placeholder: "
                    "Sloth would measure every window over the same range",
                )
        return {
            "type": "ratio",
            "goodQuery": promql.good_from_bad(total_t, bad_t),
            "totalQuery": total_t,
        }
    f.mapping((*at, "raw"), (keys["error_ratio_query"],), (keys["error_ratio_query"],))
    raw = f.text((*at, "raw", keys["error_ratio_query"]))
    if raw is None:
        return None
    notes.lost(
        doc.at(*at, "raw", keys["error_ratio_query"]),
        "a raw error-ratio query is evaluated by Sloth over each alert window; nexus-sre "
        "records it over 5m and averages that over longer windows (time-weighted, not "
        "event-weighted)",
    )
    return {
        "type": "ratio",
        "query": f"100 * (1 - ({promql.from_sloth(raw).replace(promql.WINDOW, '5m')}))",
    }


def _read_alerting(
    f: Fields,
    at: tuple[str | int, ...],
    keys: dict[str, str],
    fields: dict[tuple[str | int, ...], Any],
) -> dict[str, Any]:
    doc, notes = f.doc, f.notes
    given = f.mapping(
        at,
        ("name", "labels", "annotations", keys["page_alert"], keys["ticket_alert"]),
        optional=True,
    )
    if keys is _V1 and given and "name" not in given:
        f.bad(at, "missing required key 'name' (Sloth needs an alert name)")
    if given.get("name") is not None:
        notes.lost(
            doc.at(*at, "name"),
            "the alert name: nexus-sre names alerts SLOBurnRate<tier> (SLOBurnRatePage1h, ...)",
        )
    out: dict[str, Any] = {}
    annotations = dict(given.get("annotations") or {})
    runbook = annotations.pop("runbook_url", None) or annotations.pop("runbook", None)
    if runbook is not None:
        out["runbookUrl"] = runbook
    if given.get("labels"):
        notes.lost(
            doc.at(*at, "labels"),
            "alert labels: nexus-sre alerts carry severity, "
            "alert_tier, service, slo and service_tier",
        )
    if annotations:
        notes.lost(
            doc.at(*at, "annotations"),
            f"alert annotations {sorted(annotations)}: "
            "nexus-sre writes its own summary and description (runbook_url is kept)",
        )
    burn: dict[str, Any] = {}
    for group in ("page", "ticket"):
        key = keys[f"{group}_alert"]
        part = f.mapping((*at, key), ("disable", "labels", "annotations"), optional=True)
        for extra in ("labels", "annotations"):
            if part.get(extra):
                notes.lost(
                    doc.at(*at, key, extra),
                    f"{group} alert {extra}: nexus-sre alerts "
                    f"carry severity={SEVERITY[group]} and its own {extra}",
                )
        if f.flag((*at, key, "disable"), False):
            continue
        for name, grp, factor, long_w, short_w in tiers():
            if grp == group:
                burn[name] = burn_rate_entry(factor, long_w, short_w, SEVERITY[group])
                fields[("alerting", "burnRate", name)] = (
                    doc.at(*at, key) if key in given else doc.at(*at)
                )
    out["burnRate"] = burn
    out["budgetExhaustion"] = {"thresholds": []}  # Sloth has no budget-spent alerts
    return out


# --- writing -------------------------------------------------------------------------------


def write(conversion: Conversion, notes: Notes) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for service in conversion.config.services:
        slos = [_write_slo(conversion, service, slo, notes) for slo in service.slos]
        docs.append({"version": "prometheus/v1", "service": service.name, "slos": slos})
    return docs


def _write_slo(conv: Conversion, service: Service, slo: SLO, notes: Notes) -> dict[str, Any]:
    at = conv.slo_path(service, slo)
    out: dict[str, Any] = {"name": slo.id}
    if slo.name != slo.id:
        notes.lost(conv.where((*at, "name")), "the SLO display name: Sloth has only `name`")
    if slo.description is not None:
        out["description"] = slo.description
    out["objective"] = slo.target
    period = slo.time_window.seconds
    if slo.time_window.calendar is not None:
        notes.lost(
            conv.where((*at, "timeWindow")),
            f"the {slo.time_window.label} window: "
            "Sloth periods are rolling; Sloth will use a rolling "
            f"{format_duration(period)}",
        )
    elif period != PERIOD:
        extra = "" if period in PERIODS else " (and custom alert windows: Sloth ships 28d and 30d)"
        notes.lost(
            conv.where((*at, "timeWindow")),
            f"the {format_duration(period)} period: "
            "a Sloth file has none; run sloth generate --default-slo-period="
            f"{format_duration(period)}{extra}",
        )
    out["sli"] = _write_sli(conv, service, slo, notes, at)
    out["alerting"] = _write_alerting(conv, slo, notes, at)
    return out


def _write_sli(
    conv: Conversion, service: Service, slo: SLO, notes: Notes, at: tuple[str | int, ...]
) -> dict[str, Any]:
    sli = slo.sli
    if sli.good_query is not None and sli.total_query is not None:
        total = promql.counter_template(sli.total_query)
        bad = promql.bad_from_good(sli.good_query, total)
        if bad is not None:
            return {
                "events": {
                    "error_query": promql.to_sloth(bad),
                    "total_query": promql.to_sloth(total),
                }
            }
    queries = sli_queries(service, slo)
    if isinstance(queries, CounterSli):
        total = queries.total.replace(promql.WINDOW, promql.SLOTH_WINDOW)
        good = queries.good.replace(promql.WINDOW, promql.SLOTH_WINDOW)
        return {"events": {"error_query": promql.good_from_bad(total, good), "total_query": total}}
    assert isinstance(queries, PercentSli)
    notes.lost(
        conv.where((*at, "sli", "query")),
        "a percent query over its own range: Sloth "
        "evaluates a raw query as written for every window, so long windows see the "
        "query's own range, not an average",
    )
    return {"raw": {"error_ratio_query": f"1 - (({queries.query}) / 100)"}}


def _write_alerting(
    conv: Conversion, slo: SLO, notes: Notes, at: tuple[str | int, ...]
) -> dict[str, Any]:
    a = slo.alerting
    expected = {
        (lw, sw): (name, group, factor)
        for name, group, factor, lw, sw in tiers(slo.time_window.seconds)
    }
    groups: dict[str, set[str]] = {"page": set(), "ticket": set()}
    for alert in a.burn_rate:
        where = conv.where((*at, "alerting", "burnRate", alert.name))
        match = expected.get((alert.long_window, alert.short_window))
        group = "page" if alert.severity == "critical" else "ticket"
        if match is None or match[2] != alert.factor or match[1] != group:
            notes.lost(
                where,
                f"burn-rate alert {alert.name!r} ({_describe(alert)}): Sloth "
                "alerts only on its fixed Workbook windows " + _sloth_windows(expected),
            )
            continue
        groups[group].add(match[0])
        if alert.for_duration:
            notes.lost(
                where, f"for: {format_duration(alert.for_duration)}: Sloth alerts have no `for`"
            )
    out: dict[str, Any] = {"name": _alert_name(slo.id)}
    if a.runbook_url:
        out["annotations"] = {"runbook_url": a.runbook_url}
    for group in ("page", "ticket"):
        names = {n for n, g, *_ in TIERS if g == group}
        if not groups[group]:
            out[f"{group}_alert"] = {"disable": True}
            continue
        for missing in sorted(names - groups[group]):
            notes.lost(
                conv.where((*at, "alerting", "burnRate")),
                f"Sloth's {group} alert "
                f"always includes the {missing} condition, which the source lacks",
            )
    note_alerting_losses(
        conv,
        slo,
        notes,
        at,
        budget_exhaustion="Sloth alerts on burn rates only",
        min_events="Sloth alerts whatever the traffic",
    )
    return out


def _describe(alert: BurnRateAlert) -> str:
    return (
        f"{alert.factor}x over {format_duration(alert.long_window)}/"
        f"{format_duration(alert.short_window)}, {alert.severity}"
    )


def _sloth_windows(expected: dict[tuple[int, int], tuple[str, str, Decimal]]) -> str:
    parts = [
        f"{g} {format_duration(lw)}/{format_duration(sw)} at {f}x"
        for (lw, sw), (_, g, f) in expected.items()
    ]
    return "(" + ", ".join(parts) + ")"


def _alert_name(slo_id: str) -> str:
    parts = [p for p in "".join(c if c.isalnum() else " " for c in slo_id).split() if p]
    return "".join(p[0].upper() + p[1:] for p in parts) + "SLO"
