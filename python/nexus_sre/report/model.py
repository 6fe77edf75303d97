"""The report model: `SloEvaluation`s plus metadata in, one plain, JSON-ready dict out.

Every renderer reads this dict and nothing else, so the figures are decided here once.
Semantics of every field: docs/report.md; shape: schemas/report.schema.json.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .. import __version__
from ..common.durations import format_duration
from ..common.figures import fmt_number, to_decimal
from ..common.times import iso
from ..errors import InvalidInputError
from ..slo.evaluation import FiredAlert, SloEvaluation
from .browser_errors import browser_errors_section
from .downsample import DEFAULT_MAX_POINTS, downsample_series
from .recommendations import recommend

REPORT_VERSION = "1"

# Decimals kept per kind of figure (documented in docs/report.md).
PERCENT_DECIMALS = 4
MINUTES_DECIMALS = 3
EVENTS_DECIMALS = 3
BURN_DECIMALS = 4
HOURS_DECIMALS = 2

# Severity order of SLO and service statuses: a service shows its worst SLO.
_STATUS_RANK = {"healthy": 0, "at-risk": 1, "violated": 2}


def _num(value: float | int | Decimal | None, decimals: int) -> float | None:
    """A JSON number with no float artefacts, or None."""
    if value is None:
        return None
    return float(fmt_number(value, max_decimals=decimals))


def report_id(config_hash: str, period_start: datetime, period_end: datetime) -> str:
    """Stable id: the same config over the same period is the same report."""
    key = f"{config_hash}|{iso(period_start)}|{iso(period_end)}".encode()
    return "rpt-" + hashlib.sha256(key).hexdigest()[:16]


def slo_status(ev: SloEvaluation) -> str:
    """healthy | at-risk | violated | no-data, from the SLI and the budget status. The
    budget is exhausted exactly when the target is missed (`nexus_sre.slo.budget`)."""
    if not ev.has_data:
        return "no-data"
    if ev.target_met is False or ev.budget.status == "exhausted":
        return "violated"
    if ev.budget.status in ("warning", "critical"):
        return "at-risk"
    return "healthy"


def service_status(slo_statuses: Sequence[str]) -> str:
    """The worst status among SLOs with data; no-data only when none of them has data."""
    with_data = [s for s in slo_statuses if s != "no-data"]
    if not with_data:
        return "no-data"
    return max(with_data, key=_STATUS_RANK.__getitem__)


def _alert(a: FiredAlert) -> dict[str, Any]:
    return {
        "name": a.name,
        "severity": a.severity,
        "kind": a.kind,
        "start": iso(a.start),
        "end": iso(a.end) if a.end is not None else None,
        "peakBurnRate": _num(a.peak_burn_rate, BURN_DECIMALS),
        "factor": _num(a.factor, BURN_DECIMALS),
        "longWindow": format_duration(a.long_window_s) if a.long_window_s else None,
        "shortWindow": format_duration(a.short_window_s) if a.short_window_s else None,
    }


def _budget(ev: SloEvaluation) -> dict[str, Any]:
    b = ev.budget
    if not ev.has_data:
        # No traffic: the budget size in minutes is known from the config, nothing else is.
        return {
            "totalMinutes": _num(b.total_minutes, MINUTES_DECIMALS),
            "consumedMinutes": None,
            "remainingMinutes": None,
            "totalEvents": None,
            "consumedEvents": None,
            "remainingEvents": None,
            "consumedPercent": None,
            "remainingPercent": None,
            "status": "no-data",
            "timeToExhaustionHours": None,
        }
    bad = ev.total - ev.good
    total_events = to_decimal(b.total_events) if b.total_events is not None else None
    return {
        "totalMinutes": _num(b.total_minutes, MINUTES_DECIMALS),
        "consumedMinutes": _num(b.consumed_minutes, MINUTES_DECIMALS),
        "remainingMinutes": _num(b.remaining_minutes, MINUTES_DECIMALS),
        "totalEvents": _num(total_events, EVENTS_DECIMALS),
        "consumedEvents": bad,
        "remainingEvents": _num(total_events - bad, EVENTS_DECIMALS)
        if total_events is not None
        else None,
        "consumedPercent": _num(to_decimal(b.consumed_fraction) * 100, PERCENT_DECIMALS),
        "remainingPercent": _num(to_decimal(b.remaining_fraction) * 100, PERCENT_DECIMALS),
        "status": b.status,
        "timeToExhaustionHours": _num(b.time_to_exhaustion_hours, HOURS_DECIMALS),
    }


def _thresholds(ev: SloEvaluation, configured: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Burn-rate alert thresholds for the chart: the configured ones, else those that fired."""
    out: dict[str, dict[str, Any]] = {}
    for t in configured:
        out[str(t["name"])] = {
            "name": str(t["name"]),
            "factor": _num(to_decimal(t["factor"]), BURN_DECIMALS),
            "severity": str(t.get("severity", "")),
        }
    for a in ev.alerts:
        if a.kind == "burn_rate" and a.factor is not None and a.name not in out:
            out[a.name] = {
                "name": a.name,
                "factor": _num(a.factor, BURN_DECIMALS),
                "severity": a.severity,
            }
    return sorted(out.values(), key=lambda t: (-t["factor"], t["name"]))


def _coverage(ev: SloEvaluation, report_period: tuple[str, str]) -> dict[str, Any]:
    """What this SLO covered, where it differs from the report's period (docs/report.md)."""
    out: dict[str, Any] = {}
    period = (iso(ev.period_start), iso(ev.period_end))
    if period != report_period:
        out["period"] = {"start": period[0], "end": period[1]}
    if ev.window_start is not None:
        out["sliPeriod"] = {"start": iso(ev.window_start), "end": period[1]}
    if ev.partial_windows:
        out["partialAlertWindows"] = [
            {
                "alert": p.alert,
                "longWindow": format_duration(p.long_window_s),
                "coveredFrom": iso(p.covered_from),
            }
            for p in ev.partial_windows
        ]
    return out


def coverage_note(slo: Mapping[str, Any]) -> str:
    """One sentence on what an SLO covered where it differs from the report ("" if not)."""
    parts = []
    if "period" in slo:
        parts.append(f"history {slo['period']['start']} to {slo['period']['end']}")
    if "sliPeriod" in slo:
        sli = slo["sliPeriod"]
        parts.append(f"SLI and budget over {sli['start']} to {sli['end']}")
    for p in slo.get("partialAlertWindows", ()):
        parts.append(f"{p['alert']} ({p['longWindow']} window) partial until {p['coveredFrom']}")
    return ("Covered: " + "; ".join(parts) + ".") if parts else ""


def _slo(
    ev: SloEvaluation,
    configured_thresholds: Iterable[Mapping[str, Any]],
    max_points: int,
    report_period: tuple[str, str],
) -> dict[str, Any]:
    status = slo_status(ev)
    return {
        "id": ev.slo_id,
        "name": ev.slo_name,
        "sliType": ev.sli_type,
        "target": _num(ev.target_percent, PERCENT_DECIMALS),
        "actualValue": _num(ev.sli_percent, PERCENT_DECIMALS) if ev.has_data else None,
        "targetMet": ev.target_met if ev.has_data else None,
        "status": status,
        "eventsCount": ev.total,
        "goodEvents": ev.good,
        "badEvents": ev.total - ev.good,
        "minEvents": ev.min_events,
        "errorBudget": _budget(ev),
        "burnRate": {w: _num(v, BURN_DECIMALS) for w, v in ev.burn_rates.items()},
        "burnRateThresholds": _thresholds(ev, configured_thresholds),
        "alerts": [_alert(a) for a in sorted(ev.alerts, key=lambda a: (a.start, a.name))],
        "series": downsample_series(ev.series, max_points) if ev.series and max_points else None,
        **_coverage(ev, report_period),
    }


def _meta(services_meta: Mapping[str, Any] | None, service: str) -> Mapping[str, Any]:
    if not services_meta:
        return {}
    value = services_meta.get(service)
    return value if isinstance(value, Mapping) else {}


def _policies(services_meta: Mapping[str, Any] | None) -> dict[tuple[str, str], Any]:
    """(service, SLO id) -> the error budget policy given in `services_meta`."""
    out = {}
    for service in services_meta or {}:
        for slo_id, m in (_meta(services_meta, service).get("slos") or {}).items():
            if isinstance(m, Mapping) and m.get("policy") is not None:
                out[(service, slo_id)] = m["policy"]
    return out


def build_report(
    evaluations: Sequence[SloEvaluation],
    *,
    source: str,
    period_start: datetime,
    period_end: datetime,
    config_hash: str,
    services_meta: Mapping[str, Any] | None = None,
    generated_at: datetime | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
    browser_errors: Mapping[str, Iterable[Any]] | None = None,
) -> dict[str, Any]:
    """The report as a plain dict (camelCase keys, JSON-ready, deterministic for its inputs).

    `services_meta` maps a service name to optional `tier`, `owner` and
    `slos: {slo_id: {"burnRateAlerts": [{"name", "factor", "severity"}, ...], "policy":
    config.policy.Policy}}` (the policy the recommendations follow; default: the seed's);
    services listed there without evaluations appear with status "no-data".
    `max_points` caps each chart series (0 leaves series out).
    `browser_errors` maps a service to the entries of its browser error digest
    (`EmbeddedStore.browser_errors`): a service with some seen in the period gets a
    `browserErrors` list; sources without a digest pass None.
    """
    start_text, end_text = iso(period_start), iso(period_end)  # rejects naive datetimes
    if period_end <= period_start:
        raise InvalidInputError(
            f"period_end ({end_text}) must be after period_start ({start_text})"
        )
    generated = generated_at if generated_at is not None else datetime.now(UTC)

    # Services in order of first appearance (config order), then meta-only services.
    by_service: dict[str, list[SloEvaluation]] = {}
    for ev in evaluations:
        by_service.setdefault(ev.service, []).append(ev)
    for name in services_meta or {}:
        by_service.setdefault(name, [])

    services: list[dict[str, Any]] = []
    for name, evs in by_service.items():
        meta = _meta(services_meta, name)
        slo_meta = meta.get("slos") or {}
        slos = [
            _slo(
                ev,
                (slo_meta.get(ev.slo_id) or {}).get("burnRateAlerts") or (),
                max_points,
                (start_text, end_text),
            )
            for ev in evs
        ]
        first = evs[0] if evs else None
        service: dict[str, Any] = {
            "name": name,
            "tier": meta.get("tier") or (first.tier if first else None),
            "owner": meta.get("owner") or (first.owner if first else None),
            "status": service_status([s["status"] for s in slos]),
            "slos": slos,
        }
        shown = browser_errors_section(
            (browser_errors or {}).get(name, ()), period_start, period_end
        )
        if shown:
            service["browserErrors"] = shown
        services.append(service)

    all_slos = [s for svc in services for s in svc["slos"]]
    with_data = [s for s in all_slos if s["status"] != "no-data"]
    meeting = [s for s in with_data if s["targetMet"]]
    compliance = (
        _num(Decimal(100 * len(meeting)) / Decimal(len(with_data)), 2) if with_data else None
    )
    summary = {
        "overallCompliance": compliance,
        "slosMeetingTarget": len(meeting),
        "slosWithData": len(with_data),
        "slosWithoutData": len(all_slos) - len(with_data),
        "totalSLOs": len(all_slos),
        "servicesAtRisk": [s["name"] for s in services if s["status"] in ("at-risk", "violated")],
        "servicesViolated": [s["name"] for s in services if s["status"] == "violated"],
        "alertsFired": sum(len(s["alerts"]) for s in all_slos),
    }
    return {
        "reportVersion": REPORT_VERSION,
        "metadata": {
            "reportId": report_id(config_hash, period_start, period_end),
            "generatedAt": iso(generated),
            "period": {"start": iso(period_start), "end": iso(period_end)},
            "source": source,
            "configHash": config_hash,
            "toolVersion": __version__,
        },
        "summary": summary,
        "services": services,
        "recommendations": recommend(services, _policies(services_meta)),
    }
