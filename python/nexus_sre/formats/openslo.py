"""OpenSLO v1 read into the nexus-sre config: Service, SLO (inline indicator or
indicatorRef), SLI, AlertPolicy, AlertCondition, AlertNotificationTarget and DataSource.

What maps: `Occurrences` exactly; `RatioTimeslices` as a percent query over the slice
(nexus averages it over time, which is the mean of slice ratios); `Timeslices` is refused
(nexus cannot count good slices). A burnrate AlertCondition becomes a burn-rate alert:
lookbackWindow the long window, a short window of 1/12 of it (the Workbook pairing nexus
uses), alertAfter the `for`. Notification targets are kept as metadata, written back only
to OpenSLO. Writing is in openslo_write.py.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from . import openslo_schema, promql
from .conversion import Conversion, Draft, percent
from .documents import SourceDoc
from .losses import Notes, Where
from .openslo_alerts import Objects as _Objects
from .openslo_alerts import duration as _duration
from .openslo_alerts import read_alerts as _alerts
from .openslo_write import RUNBOOK_ANNOTATION, write

__all__ = ["read", "write"]
_UNIT = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}  # timeSliceWindow units


def read(docs: list[SourceDoc], notes: Notes) -> Conversion:
    for doc in docs:
        if doc.get("apiVersion") != "openslo/v1" and str(doc.get("apiVersion", "")).startswith(
            "openslo/"
        ):
            notes.refuse(
                doc.at("apiVersion"), f"{doc.get('apiVersion')}: this nexus-sre reads OpenSLO v1"
            )
        else:
            openslo_schema.validate(doc, notes)
    notes.check()
    objects = _Objects(docs)
    draft = Draft()
    _datasources(objects, draft, notes)
    for doc in docs:
        kind = doc.data["kind"]
        if kind == "Service":
            svc = draft.service(doc.data["metadata"]["name"], doc.at("metadata", "name"))
            for key in ("displayName", "labels", "annotations"):
                if doc.get("metadata", key):
                    notes.lost(
                        doc.at("metadata", key),
                        f"Service {key}: nexus services have a name, tier and owner only",
                    )
            if doc.get("spec", "description"):
                notes.lost(
                    doc.at("spec", "description"),
                    "Service description: nexus services have a name, tier and owner only",
                )
            del svc
        elif kind == "SLO":
            _slo(doc, objects, draft, notes)
    notes.check()
    return draft.finish(notes, "openslo")


def _datasources(objects: _Objects, draft: Draft, notes: Notes) -> None:
    for name, doc in objects.by_kind.get("DataSource", {}).items():
        kind = str(doc.get("spec", "type")).lower()
        url = doc.get("spec", "connectionDetails", "url")
        if kind == "prometheus" and isinstance(url, str) and "prometheus" not in draft.global_:
            draft.global_["prometheus"] = {"url": url}
            rest = set(doc.get("spec", "connectionDetails") or {}) - {"url"}
        else:
            rest = set(doc.get("spec", "connectionDetails") or {})
        if rest:
            notes.lost(
                doc.at("spec", "connectionDetails"),
                f"DataSource {name!r} connection "
                f"details {sorted(rest)}: nexus-sre keeps one Prometheus url",
            )


def _window(doc: SourceDoc, notes: Notes) -> Any:
    tw = doc.get("spec", "timeWindow", 0)
    if tw is None:
        return None
    at = doc.at("spec", "timeWindow", 0)
    duration = tw["duration"]
    if "calendar" not in tw:
        if tw.get("isRolling") is False:
            notes.refuse(at, "a non-rolling window needs calendar: {startTime, timeZone}")
            return None
        seconds = _duration(duration, at.child("duration", positions=doc.positions), notes)
        return format_duration(seconds) if seconds else None
    unit = {"1M": "month", "1w": "week"}.get(duration)
    if unit is None:
        notes.refuse(
            doc.at("spec", "timeWindow", 0, "duration"),
            f"a calendar window of "
            f"{duration}: nexus-sre aligns windows to one month (1M) or one week (1w)",
        )
        return None
    zone = tw["calendar"]["timeZone"]
    start = tw["calendar"]["startTime"]
    try:
        when = datetime.fromisoformat(str(start))
    except ValueError:
        notes.refuse(
            doc.at("spec", "timeWindow", 0, "calendar", "startTime"),
            f"{start!r} is not a date and time such as 2024-01-01 00:00:00",
        )
        return None
    aligned = when.hour == when.minute == when.second == 0 and (
        when.day == 1 if unit == "month" else when.weekday() == 0
    )
    if not aligned:
        first = "the 1st of the month" if unit == "month" else "Monday"
        notes.lost(
            doc.at("spec", "timeWindow", 0, "calendar", "startTime"),
            f"startTime {start}: nexus-sre calendar {unit}s start on {first} at 00:00",
        )
    return {"calendar": unit, "timezone": zone}


def _source(ms: dict[str, Any], objects: _Objects) -> tuple[str, str | None]:
    """(type in lower case, query) of a metricSource."""
    kind = ms.get("type")
    if kind is None and ms.get("metricSourceRef"):
        ds = objects.get("DataSource", ms["metricSourceRef"])
        kind = ds.get("spec", "type") if ds else None
    query = (ms.get("spec") or {}).get("query")
    return str(kind or "").lower(), query if isinstance(query, str) else None


def _sli(
    sli_doc: SourceDoc,
    base: tuple[str | int, ...],
    doc: SourceDoc,
    objects: _Objects,
    notes: Notes,
    method: str,
    objective: dict[str, Any],
    draft: Draft,
) -> dict | None:
    spec = sli_doc.get(*base)
    if "thresholdMetric" in spec:
        return _threshold(sli_doc, base, objects, notes, method, objective, doc)
    ratio = spec["ratioMetric"]
    at = sli_doc.at(*base, "ratioMetric")
    parts: dict[str, tuple[str, str]] = {}
    for part in ("good", "bad", "total", "raw"):
        if part in ratio:
            ms = ratio[part]["metricSource"]
            kind, query = _source(ms, objects)
            where = sli_doc.at(*base, "ratioMetric", part, "metricSource")
            if kind not in ("prometheus", "datadog"):
                notes.refuse(
                    where,
                    f"metric source type {kind or 'unknown'!r}: nexus-sre "
                    "reads Prometheus and Datadog",
                )
                return None
            if query is None:
                notes.refuse(where.child("spec"), "missing spec.query")
                return None
            extra = set(ms.get("spec") or {}) - {"query"}
            if extra:
                notes.lost(
                    where.child("spec"),
                    f"metric source fields {sorted(extra)}: nexus-sre keeps the query",
                )
            parts[part] = (kind, query)
    kinds = {k for k, _ in parts.values()}
    if len(kinds) > 1:
        notes.refuse(at, "the good/bad/total queries mix Prometheus and Datadog")
        return None
    kind = kinds.pop()
    backend = draft.global_.setdefault("monitoringBackend", kind)
    if backend != kind:
        notes.refuse(
            at, f"a {kind} SLI among {backend} ones: a nexus-sre config has one monitoring backend"
        )
        return None
    if "raw" in parts:
        if "good" in parts or "bad" in parts or "total" in parts:
            notes.refuse(at, "raw cannot be combined with good, bad or total")
            return None
        raw = parts["raw"][1]
        good_share = raw if ratio.get("rawType") == "success" else f"1 - ({raw})"
        if method != "RatioTimeslices":
            notes.lost(
                at.child("raw"),
                "a raw ratio: nexus-sre averages it over time (as "
                "RatioTimeslices would), not weighted by events",
            )
        return {"type": "ratio", "query": f"100 * ({good_share})"}
    if ("good" in parts) == ("bad" in parts) or "total" not in parts:
        notes.refuse(at, "give total and exactly one of good or bad")
        return None
    total = parts["total"][1]
    counter = ratio.get("counter", True)
    if kind == "datadog":
        good = parts["good"][1] if "good" in parts else f"({total}) - ({parts['bad'][1]})"
        return {"type": "ratio", "goodQuery": good, "totalQuery": total}
    if method == "RatioTimeslices" or not counter:
        window = objective.get("timeSliceWindow")
        slice_s = _slice(window) if method == "RatioTimeslices" else None
        num = parts["good"][1] if "good" in parts else f"({total}) - ({parts['bad'][1]})"
        if not counter:
            if method != "RatioTimeslices":
                notes.lost(
                    at.child("counter"),
                    "counter: false: nexus-sre averages the "
                    "good/total ratio over time rather than weighting it by events",
                )
            return {"type": "ratio", "query": f"100 * ({num}) / ({total})"}
        if slice_s is None:
            notes.refuse(at, "RatioTimeslices needs timeSliceWindow")
            return None
        w = format_duration(slice_s)
        g = (
            promql.counter_template(parts["good"][1])
            if "good" in parts
            else promql.good_from_bad(
                promql.counter_template(total), promql.counter_template(parts["bad"][1])
            )
        )
        return {
            "type": "ratio",
            "query": "100 * "
            + f"({g}) / ({promql.counter_template(total)})".replace(promql.WINDOW, w),
        }
    found = {
        p: _counter(q, sli_doc.at(*base, "ratioMetric", p, "metricSource", "spec", "query"), notes)
        for p, (_, q) in parts.items()
    }
    queries = {p: q for p, q in found.items() if q is not None}
    if len(queries) != len(found):
        return None
    if "good" in queries:
        return {"type": "ratio", "goodQuery": queries["good"], "totalQuery": queries["total"]}
    return {
        "type": "ratio",
        "totalQuery": queries["total"],
        "goodQuery": promql.good_from_bad(
            promql.counter_template(queries["total"]), promql.counter_template(queries["bad"])
        ),
    }


def _slice(window: Any) -> int | None:
    if window is None:
        return None
    if isinstance(window, int | Decimal):
        return int(Decimal(window) * 60)
    return int(window[:-1]) * _UNIT.get(window[-1], 0) or None


def _counter(query: str, where: Where, notes: Notes) -> str | None:
    """A Prometheus counter query as a nexus good/total: a selector, `sum(selector)`, or an
    expression holding nexus' {{window}} placeholder."""
    text = query.strip()
    if promql.WINDOW in text or promql.is_selector(text):
        return text
    if text.startswith("sum(") and text.endswith(")") and promql.is_selector(text[4:-1]):
        return text[4:-1].strip()
    notes.refuse(
        where,
        f"counter query {query!r}: nexus-sre applies increase() over each "
        "window, which needs a series selector (or sum of one)",
    )
    return None


def _threshold(
    sli_doc: SourceDoc,
    base: tuple[str | int, ...],
    objects: _Objects,
    notes: Notes,
    method: str,
    objective: dict[str, Any],
    doc: SourceDoc,
) -> dict | None:
    at = sli_doc.at(*base, "thresholdMetric")
    kind, query = _source(sli_doc.get(*base, "thresholdMetric", "metricSource"), objects)
    why = (
        "a thresholdMetric maps only as a latency SLI: a Prometheus classic histogram "
        "selector, op lte and value the bound in seconds, with Occurrences (good events "
        "are those at or below the bucket bound)"
    )
    op, value = objective.get("op"), objective.get("value")
    if (
        kind != "prometheus"
        or query is None
        or not promql.is_selector(query)
        or op not in ("lte", "lt")
        or value is None
        or method != "Occurrences"
    ):
        notes.refuse(at, why)
        return None
    if op == "lt":
        notes.lost(at, "op lt: histogram buckets count durations at or below their bound (lte)")
    ms = Decimal(value) * 1000
    return {"type": "latency", "query": query.strip(), "threshold": f"{ms.normalize():f}ms"}


def _slo(doc: SourceDoc, objects: _Objects, draft: Draft, notes: Notes) -> None:
    spec, meta = doc.data["spec"], doc.data["metadata"]
    name = meta["name"]
    method = spec["budgetingMethod"]
    if method == "Timeslices":
        notes.refuse(
            doc.at("spec", "budgetingMethod"),
            "Timeslices counts the time slices "
            "whose ratio meets timeSliceTarget; nexus-sre counts good events (or, for "
            "RatioTimeslices, averages slice ratios) and cannot count good slices",
        )
        return
    for key in ("labels",):
        if meta.get(key):
            notes.lost(doc.at("metadata", key), "SLO labels: nexus-sre has no SLO labels")
    annotations = dict(meta.get("annotations") or {})
    runbook = annotations.pop(RUNBOOK_ANNOTATION, None)
    if annotations:
        notes.lost(doc.at("metadata", "annotations"), f"SLO annotations {sorted(annotations)}")
    if "indicator" in spec:
        sli_doc, base = doc, tuple[str, ...](("spec", "indicator", "spec"))
    elif "indicatorRef" in spec:
        found = objects.get("SLI", spec["indicatorRef"])
        if found is None:
            notes.refuse(
                doc.at("spec", "indicatorRef"),
                f"no SLI named {spec['indicatorRef']!r} in the sources",
            )
            return
        sli_doc, base = found, ("spec",)
    else:
        notes.refuse(
            doc.at("spec"),
            "give indicator or indicatorRef (composite SLOs with "
            "per-objective indicators are not supported)",
        )
        return
    sli_name = (
        sli_doc.get(*base[:-1], "metadata", "name")
        if base[-1] == "spec" and len(base) > 1
        else sli_doc.get("metadata", "name")
    )
    if sli_name != f"{name}-sli":
        notes.lost(
            sli_doc.at(*base[:-1], "metadata", "name")
            if len(base) > 1
            else sli_doc.at("metadata", "name"),
            f"the SLI's name {sli_name!r}: nexus-sre "
            f"SLIs are part of their SLO (written back inline as {name}-sli)",
        )
    window = _window(doc, notes)
    alerting = _alerts(doc, objects, notes, runbook, draft, name)
    svc = draft.service(spec["service"], doc.at("spec", "service"))
    objectives = spec["objectives"]
    for k, objective in enumerate(objectives):
        o_at = doc.at("spec", "objectives", k)
        if (
            "indicator" in objective
            or "indicatorRef" in objective
            or "compositeWeight" in objective
        ):
            notes.refuse(
                o_at,
                "composite SLOs (objectives with their own indicator) have no nexus-sre equivalent",
            )
            continue
        if "timeSliceTarget" in objective:
            notes.lost(
                o_at.child("timeSliceTarget", positions=doc.positions),
                "timeSliceTarget: only Timeslices uses it",
            )
        sli = _sli(sli_doc, base, doc, objects, notes, method, objective, draft)
        if sli is None:
            continue
        target = (
            percent(Decimal(objective["target"]))
            if "target" in objective
            else Decimal(objective["targetPercent"])
        )
        slo_id = name if len(objectives) == 1 else f"{name}-{k + 1}"
        if len(objectives) > 1:
            notes.lost(
                o_at, f"objective {k + 1} of {len(objectives)} becomes its own nexus SLO {slo_id!r}"
            )
        slo: dict[str, Any] = {
            "id": slo_id,
            "name": objective.get("displayName") or meta.get("displayName") or name,
        }
        if spec.get("description"):
            slo["description"] = spec["description"]
        slo["target"] = target
        if window is not None:
            slo["timeWindow"] = window
        slo |= {"sli": sli, "alerting": alerting["alerting"]}
        fields = {
            ("target",): o_at,
            ("sli",): sli_doc.at(*base),
            ("timeWindow",): doc.at("spec", "timeWindow"),
        } | alerting["fields"]
        draft.add_slo(svc, slo, doc.at("metadata", "name"), fields)
        if alerting["targets"]:
            draft.metadata[slo_id] = {"notificationTargets": alerting["targets"]}
