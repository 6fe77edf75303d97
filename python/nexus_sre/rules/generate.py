"""Prometheus rule groups for SLOs: SLI recordings, dashboard metadata, and alerts.

Per SLO three groups: `<service>-<slo>-sli` (error ratio per window), `-meta` (objective,
budget, burn rates, remaining budget) and `-alerts` (multi-window multi-burn-rate and
budget exhaustion). Every recorded series carries exactly the labels service, slo, window.
Thresholds are computed with Decimal and printed with `fmt_number`, so 14.4 x 0.001 reads
0.0144 and never 0.014399999999999998.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..common.durations import format_duration
from ..common.figures import fmt_number
from ..config.model import SLO, BurnRateAlert, Config, Service
from ..errors import InvalidInputError
from .sli import CounterSli, PercentSli, quote, sli_queries, slo_matchers

ERROR_RATIO = "nexus_sre:slo_error_ratio:rate{w}"
EVENTS = "nexus_sre:slo_events:increase{w}"
QUERY_ERROR_RATIO = "nexus_sre:slo_error_ratio:query"
OBJECTIVE = "nexus_sre:slo_objective:ratio"
ERROR_BUDGET = "nexus_sre:slo_error_budget:ratio"
PERIOD = "nexus_sre:slo_period:seconds"
BURN_RATE_CURRENT = "nexus_sre:slo_burn_rate:current"
BURN_RATE_PERIOD = "nexus_sre:slo_burn_rate:period"
BUDGET_REMAINING = "nexus_sre:slo_error_budget_remaining:ratio"

BUDGET_ALERT = "SLOErrorBudgetExhaustion"

Rule = dict[str, Any]
Group = dict[str, Any]


def burn_alert_name(alert: BurnRateAlert) -> str:
    """One alert name per tier ("page-1h" -> SLOBurnRatePage1h), so each tier is routed,
    silenced and unit-tested on its own."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", alert.name) if p]
    if not parts:
        raise InvalidInputError(f"burn-rate alert name {alert.name!r} has no letters or digits")
    return "SLOBurnRate" + "".join(p[0].upper() + p[1:] for p in parts)


def threshold(alert_factor: Decimal, slo: SLO) -> Decimal:
    """The error ratio at which a burn-rate alert fires: factor x (1 - target), exact."""
    return alert_factor * slo.budget_fraction


@dataclass
class SloRules:
    """The rule groups of one SLO, and the windows they use."""

    service: Service
    slo: SLO
    windows: list[int]
    groups: list[Group] = field(default_factory=list)


def _labels(service: Service, slo: SLO, window_s: int) -> dict[str, str]:
    return {"service": service.name, "slo": slo.id, "window": format_duration(window_s)}


def _ref(name: str, service: Service, slo: SLO) -> str:
    return f"{name}{{{slo_matchers(service, slo)}}}"


def _sli_rules(service: Service, slo: SLO, windows: list[int], events: list[int]) -> list[Rule]:
    queries = sli_queries(service, slo)
    rules: list[Rule] = []
    if isinstance(queries, PercentSli):
        # A percent query becomes an error ratio once; longer windows average that record,
        # which is time-weighted, not event-weighted (see docs/prometheus.md).
        rules.append(
            {
                "record": QUERY_ERROR_RATIO,
                "expr": f"max(clamp(1 - ({queries.query}) / 100, 0, 1) >= 0)",
                "labels": {
                    "service": service.name,
                    "slo": slo.id,
                    "window": format_duration(queries.own_window)
                    if queries.own_window
                    else "query",
                },
            }
        )
        base = _ref(QUERY_ERROR_RATIO, service, slo)
        for w in windows:
            if queries.own_window is not None and w <= queries.own_window:
                expr = base
            else:
                expr = f"avg_over_time({base}[{format_duration(w)}])"
            rules.append(
                {
                    "record": ERROR_RATIO.format(w=format_duration(w)),
                    "expr": expr,
                    "labels": _labels(service, slo, w),
                }
            )
        return rules
    assert isinstance(queries, CounterSli)
    for w in windows:
        rules.append(
            {
                "record": ERROR_RATIO.format(w=format_duration(w)),
                "expr": queries.error_ratio_expr(w),
                "labels": _labels(service, slo, w),
            }
        )
    for w in events:
        rules.append(
            {
                "record": EVENTS.format(w=format_duration(w)),
                "expr": queries.total_expr(w),
                "labels": _labels(service, slo, w),
            }
        )
    return rules


def _meta_rules(service: Service, slo: SLO, current_window: int) -> list[Rule]:
    period = slo.time_window.seconds
    budget = fmt_number(slo.budget_fraction)
    labels = _labels(service, slo, period)
    period_ratio = _ref(ERROR_RATIO.format(w=format_duration(period)), service, slo)
    current_ratio = _ref(ERROR_RATIO.format(w=format_duration(current_window)), service, slo)
    return [
        {
            "record": OBJECTIVE,
            "expr": f"vector({fmt_number(slo.target_fraction)})",
            "labels": labels,
        },
        {"record": ERROR_BUDGET, "expr": f"vector({budget})", "labels": labels},
        {"record": PERIOD, "expr": f"vector({period})", "labels": labels},
        {
            "record": BURN_RATE_CURRENT,
            "expr": f"{current_ratio} / {budget}",
            "labels": _labels(service, slo, current_window),
        },
        {"record": BURN_RATE_PERIOD, "expr": f"{period_ratio} / {budget}", "labels": labels},
        {"record": BUDGET_REMAINING, "expr": f"1 - {period_ratio} / {budget}", "labels": labels},
    ]


def _guard(service: Service, slo: SLO, window_s: int) -> str:
    """Too few events make a ratio meaningless: require min_events in the window."""
    if slo.alerting.min_events <= 0 or isinstance(sli_queries(service, slo), PercentSli):
        return ""
    events = _ref(EVENTS.format(w=format_duration(window_s)), service, slo)
    return f"\nand ignoring(window)\n{events} >= {slo.alerting.min_events}"


def _annotations(slo: SLO, summary: str, description: str) -> dict[str, str]:
    out = {"summary": summary, "description": description}
    if slo.sli.id:  # the seed's sli.id: an annotation, so recorded series keep their labels
        out["sli_id"] = slo.sli.id
    if slo.alerting.runbook_url:
        out["runbook_url"] = slo.alerting.runbook_url
    return out


def _alert_rules(service: Service, slo: SLO) -> list[Rule]:
    rules: list[Rule] = []
    budget_pct = fmt_number(slo.budget_fraction * 100)
    target = fmt_number(slo.target)
    period = slo.time_window.label
    seen: dict[str, str] = {}
    for alert in slo.alerting.burn_rate:
        name = burn_alert_name(alert)
        if name in seen:
            raise InvalidInputError(
                f"SLO {slo.id!r}: burn-rate alerts {seen[name]!r} and {alert.name!r} "
                f"both map to alert name {name}"
            )
        seen[name] = alert.name
        limit = fmt_number(threshold(alert.factor, slo))
        long_w, short_w = format_duration(alert.long_window), format_duration(alert.short_window)
        long_ref = _ref(ERROR_RATIO.format(w=long_w), service, slo)
        short_ref = _ref(ERROR_RATIO.format(w=short_w), service, slo)
        expr = (
            f"(\n  {long_ref} >= {limit}\n  and ignoring(window)\n  {short_ref} >= {limit}\n)"
            + _guard(service, slo, alert.long_window)
        )
        hours_left = Decimal(slo.time_window.seconds) / alert.factor / 3600
        rule: Rule = {"alert": name, "expr": expr}
        if alert.for_duration:
            rule["for"] = format_duration(alert.for_duration)
        rule["labels"] = {
            "severity": alert.severity,
            "alert_tier": alert.name,
            "service": service.name,
            "slo": slo.id,
            "service_tier": service.tier,
        }
        rule["annotations"] = _annotations(
            slo,
            f"{service.name}/{slo.id}: error budget burning {fmt_number(alert.factor)}x too fast",
            f"Error ratio above {fmt_number(threshold(alert.factor, slo) * 100)}% over both "
            f"the last {long_w} and {short_w}: {fmt_number(alert.factor)}x the "
            f"{budget_pct}% error budget of the {target}% objective ({period}). At this rate "
            f"the whole budget is gone in {fmt_number(hours_left, max_decimals=1)}h.",
        )
        rules.append(rule)
    period_w = format_duration(slo.time_window.seconds)
    period_ref = _ref(ERROR_RATIO.format(w=period_w), service, slo)
    for level in slo.alerting.budget_exhaustion:
        limit = fmt_number(slo.budget_fraction * level.percentage / 100)
        pct = fmt_number(level.percentage)
        rules.append(
            {
                "alert": BUDGET_ALERT,
                "expr": f"{period_ref} >= {limit}" + _guard(service, slo, slo.time_window.seconds),
                "labels": {
                    "severity": level.severity,
                    "threshold": pct,
                    "service": service.name,
                    "slo": slo.id,
                    "service_tier": service.tier,
                },
                "annotations": _annotations(
                    slo,
                    f"{service.name}/{slo.id}: {pct}% of the error budget consumed",
                    f"Error ratio over the last {period_w} is at least "
                    f"{fmt_number(Decimal(limit) * 100)}%, {pct}% of the {budget_pct}% "
                    f"error budget of the {target}% objective.",
                ),
            }
        )
    return rules


def slo_rules(service: Service, slo: SLO) -> SloRules:
    if slo.budget_fraction <= 0:
        raise InvalidInputError(
            f"SLO {slo.id!r}: target {slo.target}% leaves no error budget; burn rates are undefined"
        )
    period = slo.time_window.seconds
    alert_windows = {w for a in slo.alerting.burn_rate for w in (a.long_window, a.short_window)}
    windows = sorted(alert_windows | {period})
    # The period's events are always recorded: with the period's error ratio they give the
    # budget in events, so `budgets` can read recorded series instead of raw counters.
    events = [period]
    if slo.alerting.min_events > 0:
        events = sorted({a.long_window for a in slo.alerting.burn_rate} | {period})
    current = min(alert_windows) if alert_windows else min(windows)
    prefix = f"nexus-sre-{service.name}-{slo.id}"
    out = SloRules(service, slo, windows)
    out.groups = [
        {"name": f"{prefix}-sli", "rules": _sli_rules(service, slo, windows, events)},
        {"name": f"{prefix}-meta", "rules": _meta_rules(service, slo, current)},
    ]
    alerts = _alert_rules(service, slo)
    if alerts:
        out.groups.append({"name": f"{prefix}-alerts", "rules": alerts})
    return out


def _pairs(source: Config | Iterable[tuple[Service, SLO]]) -> list[tuple[Service, SLO]]:
    return list(source.slos() if isinstance(source, Config) else source)


def generate(source: Config | Iterable[tuple[Service, SLO]]) -> list[SloRules]:
    """Rules for every SLO of a config (or of an iterable of (service, slo) pairs)."""
    pairs = _pairs(source)
    seen: set[tuple[str, str]] = set()
    for service, slo in pairs:
        key = (service.name, slo.id)
        if key in seen:
            raise InvalidInputError(f"SLO {slo.id!r} of service {service.name!r} appears twice")
        seen.add(key)
    return [slo_rules(service, slo) for service, slo in pairs]


def rule_groups(source: Config | Iterable[tuple[Service, SLO]]) -> list[Group]:
    return [g for r in generate(source) for g in r.groups]


__all__ = ["generate", "quote", "rule_groups", "slo_rules"]
