"""Checks that span several values of a config, run on the raw (env-expanded) data.

They run next to the pydantic validation rather than after it, so one pass reports every
problem in the file. Each check parses only what it needs and skips values that do not
parse: the field validation in spec.py reports those.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from ..common.durations import format_duration
from ..common.figures import fmt_number
from . import values
from .loader import PathKey, format_path
from .model import DEFAULT_BUCKET_SECONDS, Config, TimeWindow
from .spec import SLI_TYPES
from .tiers import DEFAULT_TIER, TIERS

T = TypeVar("T")

# What one config may hold. Every command's work grows with the SLO count (rules, reports,
# one counter per SLO in the embedded store); past these, split the config per team.
MAX_SERVICES = 10_000
MAX_SLOS = 10_000


@dataclass(frozen=True)
class Problem:
    path: PathKey
    message: str
    severity: str = "error"


def _try(parse: Callable[[Any], T], value: Any) -> T | None:
    try:
        return parse(value)
    except values.ValueProblem:
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# Bidirectional controls (embeddings, overrides, isolates) make text display in another
# order than it is stored ("Trojan Source"): a name could read as something it is not in a
# report, a rule or an alert.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def check_text(data: Any, path: PathKey = ()) -> list[Problem]:
    """Every key and string value holding a bidirectional control character."""
    out: list[Problem] = []
    stack: list[tuple[Any, PathKey]] = [(data, path)]
    while stack:
        value, here = stack.pop()
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str) and _BIDI.search(k):
                    out.append(_bidi_problem((*here, k), k))
                stack.append((v, (*here, k)))
        elif isinstance(value, list):
            stack.extend((v, (*here, i)) for i, v in enumerate(value))
        elif isinstance(value, str) and _BIDI.search(value):
            out.append(_bidi_problem(here, value))
    return out


def _bidi_problem(path: PathKey, text: str) -> Problem:
    char = _BIDI.search(text).group()  # type: ignore[union-attr]
    return Problem(
        path,
        f"contains the invisible bidirectional control character U+{ord(char):04X} "
        f"({unicodedata.name(char)}), which makes text display in another order than it is "
        "written; remove it",
    )


def check_size(data: dict[str, Any]) -> Problem | None:
    """A config over MAX_SERVICES services or MAX_SLOS SLOs, before any costly validation."""
    services = _list(data.get("services"))
    if len(services) > MAX_SERVICES:
        return Problem(
            ("services",),
            f"{len(services):,} services; one config holds at most {MAX_SERVICES:,} "
            "(split it, e.g. one config per team)",
        )
    slos = sum(len(_list(_dict(s).get("slos"))) for s in services)
    if slos > MAX_SLOS:
        return Problem(
            ("services",),
            f"{slos:,} SLOs; one config holds at most {MAX_SLOS:,} (split it, e.g. one "
            "config per team)",
        )
    return None


def check_config(data: dict[str, Any], *, allow_below_tier_floor: bool = False) -> list[Problem]:
    out: list[Problem] = []
    glob = _dict(data.get("global"))
    allow_all = allow_below_tier_floor or glob.get("allowBelowTier") is True
    default_window = TimeWindow.rolling(30 * 86400)
    if "defaultTimeWindow" in glob:
        default_window = _try(values.time_window, glob["defaultTimeWindow"]) or default_window

    service_names: dict[str, PathKey] = {}
    slo_ids: dict[str, PathKey] = {}
    for i, svc in enumerate(_list(data.get("services"))):
        svc = _dict(svc)
        here: PathKey = ("services", i)
        name = svc.get("name")
        if isinstance(name, str):
            if name in service_names:
                first = format_path(service_names[name])
                out.append(
                    Problem((*here, "name"), f"duplicate service name {name!r} (also {first})")
                )
            else:
                service_names[name] = here
        tier = svc.get("tier", DEFAULT_TIER)
        allowed = allow_all or svc.get("allowBelowTier") is True
        for j, slo in enumerate(_list(svc.get("slos"))):
            slo = _dict(slo)
            at: PathKey = (*here, "slos", j)
            slo_id = slo.get("id")
            if isinstance(slo_id, str):
                if slo_id in slo_ids:
                    first = format_path(slo_ids[slo_id])
                    out.append(
                        Problem(
                            (*at, "id"), f"duplicate SLO id {slo_id!r} (already used by {first})"
                        )
                    )
                else:
                    slo_ids[slo_id] = at
            target = _try(values.target, slo.get("target"))
            if target is not None and isinstance(tier, str) and tier in TIERS:
                kind = _dict(slo.get("sli")).get("type")
                out.extend(_tier_floor(at, target, tier, kind, allowed))
            out.extend(_sli(at, _dict(slo.get("sli")), "sli" in slo))
            backend = glob.get("monitoringBackend", "embedded")
            out.extend(_query_dialects((*at, "sli"), _dict(slo.get("sli")), backend))
            window = default_window
            if "timeWindow" in slo:
                window = _try(values.time_window, slo["timeWindow"]) or default_window
            alerting = _dict(slo.get("alerting"))
            out.extend(
                _burn_rates((*at, "alerting"), _dict(alerting.get("burnRate")), window, target)
            )
            thresholds = _list(_dict(alerting.get("budgetExhaustion")).get("thresholds"))
            out.extend(
                _budget_order((*at, "alerting", "budgetExhaustion", "thresholds"), thresholds)
            )
    out.extend(_backfill_columns(_dict(_dict(data.get("backfill")).get("columns"))))
    return out


def _backfill_columns(columns: dict[str, Any]) -> list[Problem]:
    here: PathKey = ("backfill", "columns")
    if columns.get("success") is None:
        return []
    if columns.get("status") is not None:
        return [
            Problem(
                (*here, "status"),
                "give either success (a boolean column) or status (a status-code column), not both",
            )
        ]
    if columns.get("failureCodes") is not None:
        return [
            Problem(
                (*here, "failureCodes"),
                "failureCodes only applies to a status column; with success the column says "
                "what failed",
            )
        ]
    return []


def check_bucket(config: Config) -> list[Problem]:
    """`backfill.bucket` must divide every SLO window and alert window. Run on the built
    model, where the windows include the defaults (Workbook tiers, short windows)."""
    bucket = config.backfill.bucket_seconds
    if bucket is None:
        return []
    for _, slo in config.slos():
        spans = [("time window", slo.time_window.seconds)]
        for a in slo.alerting.burn_rate:
            spans += [
                (f"alert {a.name!r} window", a.long_window),
                (f"alert {a.name!r} short window", a.short_window),
            ]
        for what, seconds in spans:
            if seconds % bucket:
                return [
                    Problem(
                        ("backfill", "bucket"),
                        f"{format_duration(bucket)} buckets do not divide the {what} "
                        f"{format_duration(seconds)} of SLO {slo.id!r}; use a width that "
                        "divides every window, such as 1m",
                    )
                ]
    return []


def _tier_floor(at: PathKey, target: Decimal, tier: str, kind: Any, allowed: bool) -> list[Problem]:
    """Tiers promise availability (tier-0: 99.9 %+ ...): a floor binds availability SLOs;
    a latency or ratio target under it is only worth a warning."""
    t = TIERS[tier]
    if target >= t.floor:
        return []
    msg = (
        f"target {fmt_number(target)} is below the {tier} ({t.label}) floor of "
        f"{fmt_number(t.floor)}"
    )
    if kind in SLI_TYPES and kind != "availability":
        return [
            Problem(
                (*at, "target"),
                f"{msg}; tier floors bind availability SLOs, so for a {kind} SLO this is a warning",
                "warning",
            )
        ]
    if allowed:
        return [Problem((*at, "target"), msg + " (allowed by allowBelowTier)", "warning")]
    return [
        Problem(
            (*at, "target"),
            msg + "; raise the target, lower the service tier, or allow it: set "
            "'allowBelowTier: true' under global (or on the service), or use the command "
            "line's --allow-below-tier",
        )
    ]


def _sli(at: PathKey, sli: dict[str, Any], present: bool) -> list[Problem]:
    if not present:
        return []  # "missing required key" comes from the field validation
    here: PathKey = (*at, "sli")
    out: list[Problem] = []
    kind = sli.get("type")
    if kind in SLI_TYPES:
        if kind == "latency" and sli.get("threshold") is None:
            out.append(Problem(here, "a latency SLI needs a threshold, e.g. 'threshold: 300ms'"))
        if kind != "latency" and sli.get("threshold") is not None:
            out.append(
                Problem((*here, "threshold"), f"threshold only applies to latency SLIs, not {kind}")
            )
    has_query = sli.get("query") is not None
    has_good, has_total = sli.get("goodQuery") is not None, sli.get("totalQuery") is not None
    if has_query and (has_good or has_total):
        out.append(
            Problem((*here, "query"), "give either query, or goodQuery and totalQuery, not both")
        )
    elif has_good != has_total:
        missing = "totalQuery" if has_good else "goodQuery"
        out.append(Problem(here, f"goodQuery and totalQuery go together; {missing} is missing"))
    # No query at all is fine with every backend: Prometheus then reads nexus-sre's own
    # counters, nexus_sre_requests_total and nexus_sre_requests_good_total (docs/prometheus.md).
    return out


_DIALECT_NAMES = {"datadog": "a Datadog metric query", "promql": "PromQL"}


def _query_dialects(here: PathKey, sli: dict[str, Any], backend: Any) -> list[Problem]:
    """Queries must be in the backend's language: PromQL for prometheus, Datadog metric
    queries for datadog (the other backends do not read them)."""
    from ..datadog.queries import dialect, problem

    # A backend that is not a string is reported by the schema; here it reads no queries.
    wanted = (
        {"prometheus": "promql", "datadog": "datadog"}.get(backend)
        if isinstance(backend, str)
        else None
    )
    if wanted is None:
        return []
    out: list[Problem] = []
    for key in ("query", "goodQuery", "totalQuery"):
        text = sli.get(key)
        if not isinstance(text, str):
            continue
        found = dialect(text)
        if backend == "datadog" and key == "query":
            out.append(
                Problem(
                    (*here, key),
                    "the datadog backend reads event counts: give goodQuery and totalQuery "
                    "(Datadog metric queries), not a single query",
                )
            )
        elif found != wanted:
            out.append(
                Problem(
                    (*here, key),
                    f"{text!r} is {_DIALECT_NAMES[found]}, but global.monitoringBackend is "
                    f"{backend}, which reads {_DIALECT_NAMES[wanted]}",
                )
            )
        elif found == "datadog" and (why := problem(text)):
            out.append(Problem((*here, key), why))
    return out


def _burn_rates(
    at: PathKey, pairs: dict[str, Any], window: TimeWindow, target: Decimal | None
) -> list[Problem]:
    out: list[Problem] = []
    for name, pair in pairs.items():
        pair = _dict(pair)
        here: PathKey = (*at, "burnRate", name)
        long_w = _try(values.duration, pair.get("window")) if "window" in pair else None
        if long_w is not None and long_w > window.seconds:
            out.append(
                Problem(
                    (*here, "window"),
                    f"burn-rate window {format_duration(long_w)} is longer than "
                    f"the SLO window {window.label}",
                )
            )
        short = pair.get("shortWindow")
        short_w = _try(values.duration, short) if short is not None else None
        # Counters and evaluation work in 1-minute buckets (the default width).
        for key, w in (("window", long_w), ("shortWindow", short_w)):
            if w is not None and w % DEFAULT_BUCKET_SECONDS:
                out.append(
                    Problem(
                        (*here, key),
                        f"{key} {format_duration(w)} is not a whole number of minutes; "
                        "alert windows are evaluated in 1-minute buckets",
                    )
                )
        if short_w is not None and long_w is not None and short_w >= long_w:
            out.append(
                Problem(
                    (*here, "shortWindow"),
                    f"shortWindow {format_duration(short_w)} must be shorter than "
                    f"window {format_duration(long_w)}",
                )
            )
        factor = _try(lambda v: values.number(v), pair.get("threshold"))
        if factor is not None and target is not None and 0 < factor <= values.MAX_FACTOR:
            needed = factor * (Decimal(100) - target)
            if needed > 100:
                out.append(
                    Problem(
                        (*here, "threshold"),
                        f"burn rate {fmt_number(factor)} can never fire with a target of "
                        f"{fmt_number(target)}: it needs an error rate of {fmt_number(needed)}%",
                    )
                )
    return out


def _budget_order(at: PathKey, thresholds: list[Any]) -> list[Problem]:
    out: list[Problem] = []
    previous: Decimal | None = None
    for k, item in enumerate(thresholds):
        pct = _try(lambda v: values.number(v), _dict(item).get("percentage"))
        if pct is None:
            continue
        if previous is not None and pct <= previous:
            out.append(
                Problem(
                    (*at, k, "percentage"),
                    f"thresholds must be in increasing order: {fmt_number(pct)} comes after "
                    f"{fmt_number(previous)}",
                )
            )
        previous = pct if previous is None else max(previous, pct)
    return out
