"""Our SLOs as Datadog objects (pure: JSON bodies in the shape of Datadog's v1 API).

Per SLO: a metric-based Datadog SLO (numerator = good query, denominator = total query,
target, a 7d/30d/90d rolling timeframe), an "slo alert" burn-rate monitor per multi-window
tier (`burn_rate("<id>").over("30d").long_window("1h").short_window("5m") > 14.4`, the
same factors as our Prometheus rules), and an "slo alert" error-budget monitor per
budget-exhaustion threshold (`error_budget("<id>").over("30d") > 75`). Each object carries
a tag derived from the SLO id (`nexus-sre-slo:<id>`, and `nexus-sre-monitor:<id>.<alert>`)
by which `apply` finds it again. Monitors name their SLO by the placeholder
`${slo:<id>}`, replaced with the Datadog SLO id when applied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..common.durations import format_duration
from ..common.figures import fmt_number
from ..config import SLO, Config, Service
from ..errors import InvalidInputError
from .queries import sli_queries

TIMEFRAMES = {7 * 86400: "7d", 30 * 86400: "30d", 90 * 86400: "90d"}
# Datadog's burn-rate alerts take a long window of 1 hour to 48 hours.
LONG_WINDOW_RANGE = (3600, 48 * 3600)
MANAGED_TAG = "managed-by:nexus-sre"
_PRIORITY = {"critical": 1, "warning": 3, "info": 5}
PLACEHOLDER = re.compile(r"\$\{slo:([^}]+)\}")


@dataclass(frozen=True)
class Managed:
    """One Datadog object nexus-sre manages: what kind, the tag (or title) that finds it,
    and the body to create or update it with."""

    kind: str  # "slo", "monitor" or "dashboard"
    key: str  # the matching tag (slo, monitor) or title (dashboard)
    name: str
    body: dict[str, Any]
    slo_id: str | None = None  # our SLO id (for an SLO: what `${slo:<id>}` names)


@dataclass
class Export:
    slos: list[Managed] = field(default_factory=list)
    monitors: list[Managed] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be mapped, and why


def tag_value(text: str) -> str:
    """A Datadog tag value: lower case, and only characters tags keep."""
    return re.sub(r"[^a-z0-9_.:/-]", "_", text.lower())


def slo_tag(slo_id: str) -> str:
    return f"nexus-sre-slo:{tag_value(slo_id)}"


def timeframe(slo: SLO) -> str:
    """The Datadog timeframe of the SLO's window; anything else is an error (never rounded)."""
    w = slo.time_window
    if w.calendar is not None:
        raise InvalidInputError(
            f"SLO {slo.id!r}: its window is a {w.label}; Datadog's SLO API takes rolling "
            "7d, 30d or 90d timeframes only"
        )
    if w.seconds not in TIMEFRAMES:
        raise InvalidInputError(
            f"SLO {slo.id!r}: its window {format_duration(w.seconds)} ({w.seconds / 86400:g} "
            "days) is not a Datadog SLO "
            "timeframe (7d, 30d or 90d rolling); change timeWindow to one of those"
        )
    return TIMEFRAMES[w.seconds]


def slo_body(service: Service, slo: SLO) -> dict[str, Any]:
    q = sli_queries(service, slo)
    body: dict[str, Any] = {
        "name": f"{service.name} {slo.name}",
        "type": "metric",
        "description": (slo.description or f"{slo.name} of {service.name}")
        + " (managed by nexus-sre: edit the config, not this SLO)",
        "query": {"numerator": q.good, "denominator": q.total},
        "thresholds": [{"timeframe": timeframe(slo), "target": float(slo.target)}],
        "tags": [
            MANAGED_TAG,
            slo_tag(slo.id),
            f"service:{tag_value(service.name)}",
            f"tier:{tag_value(service.tier)}",
        ],
    }
    return body


def window_text(seconds: int) -> str:
    """A burn-rate window as Datadog writes it: whole hours ("24h") or minutes ("5m")."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    raise InvalidInputError(
        f"burn-rate window {format_duration(seconds)}: Datadog takes whole minutes"
    )


def _message(service: Service, slo: SLO, what: str) -> str:
    lines = [f"{service.name} / {slo.name}: {what}."]
    if slo.alerting.runbook_url:
        lines.append(f"Runbook: {slo.alerting.runbook_url}")
    return "\n".join(lines)


def _monitor(
    service: Service,
    slo: SLO,
    key: str,
    name: str,
    query: str,
    threshold: float,
    severity: str,
    message: str,
) -> Managed:
    tag = f"nexus-sre-monitor:{tag_value(slo.id)}.{tag_value(key)}"
    title = f"[nexus-sre] {service.name}/{slo.id} {name}"
    body: dict[str, Any] = {
        "name": title,
        "type": "slo alert",
        "query": query,
        "message": message,
        "tags": [
            MANAGED_TAG,
            slo_tag(slo.id),
            tag,
            f"service:{tag_value(service.name)}",
            f"severity:{severity}",
        ],
        "priority": _PRIORITY.get(severity, 3),
        "options": {"thresholds": {"critical": threshold}},
    }
    return Managed("monitor", tag, title, body, slo.id)


def monitors(service: Service, slo: SLO, notes: list[str]) -> list[Managed]:
    tf = timeframe(slo)
    ref = f"${{slo:{slo.id}}}"
    out = []
    lo, hi = LONG_WINDOW_RANGE
    for a in slo.alerting.burn_rate:
        if not lo <= a.long_window <= hi:
            notes.append(
                f"SLO {slo.id!r}: burn-rate tier {a.name!r} (long window "
                f"{format_duration(a.long_window)}) is not exported: Datadog's burn-rate alerts "
                "take long windows of 1h to 48h"
            )
            continue
        query = (
            f'burn_rate("{ref}").over("{tf}").long_window("{window_text(a.long_window)}")'
            f'.short_window("{window_text(a.short_window)}") > {fmt_number(a.factor)}'
        )
        what = (
            f"burning the error budget {fmt_number(a.factor)}x too fast over "
            f"{format_duration(a.long_window)} and {format_duration(a.short_window)} "
            f"(severity {a.severity})"
        )
        out.append(
            _monitor(
                service,
                slo,
                a.name,
                f"burn rate {a.name}",
                query,
                float(a.factor),
                a.severity,
                _message(service, slo, what),
            )
        )
    for t in slo.alerting.budget_exhaustion:
        pct = fmt_number(t.percentage)
        query = f'error_budget("{ref}").over("{tf}") > {pct}'
        what = f"{pct}% of the error budget is spent (severity {t.severity})"
        out.append(
            _monitor(
                service,
                slo,
                f"budget-{pct}",
                f"error budget {pct}%",
                query,
                float(t.percentage),
                t.severity,
                _message(service, slo, what),
            )
        )
    return out


def export(config: Config) -> Export:
    """Every SLO of the config and its monitors. A window Datadog cannot take is an error."""
    out = Export()
    seen: dict[str, str] = {}
    for service, slo in config.slos():
        tag = slo_tag(slo.id)
        if tag in seen:
            raise InvalidInputError(
                f"SLO ids {seen[tag]!r} and {slo.id!r} give the same Datadog tag {tag!r} "
                "(Datadog tags are lower case); rename one"
            )
        seen[tag] = slo.id
        out.slos.append(
            Managed("slo", tag, f"{service.name}/{slo.id}", slo_body(service, slo), slo.id)
        )
        out.monitors.extend(monitors(service, slo, out.notes))
    return out


def resolve(body: dict[str, Any], slo_ids: dict[str, str]) -> dict[str, Any]:
    """The body with every `${slo:<id>}` replaced by that SLO's Datadog id."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return PLACEHOLDER.sub(lambda m: slo_ids[m.group(1)], value)
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return fill(body)
