"""Prometheus rule groups for SLOs: SLI recordings, dashboard metadata, and alerts.

Per SLO three groups: `<service>-<slo>-sli` (error ratio per window), `-meta` (objective,
budget, burn rates, remaining budget) and `-alerts` (multi-window multi-burn-rate and
budget exhaustion); a calendar-aligned SLO has a fourth, `-calendar`, that records its
month or week so far (`calendar_group`; the time-zone PromQL is in `calendar.py`). Every
recorded series carries exactly the labels service, slo, window (the slices of a calendar
window also `period_class`).
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
from .calendar import calendar_promql
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

# Calendar windows: the shifted time and period class (`calendar.py`), and the slices.
CALENDAR_TIME = "nexus_sre:slo_calendar_time:shifted"
CALENDAR_CLASS = "nexus_sre:slo_calendar_period:class"
SLICE_TOTAL = "nexus_sre:slo_period_slice:total5m"
SLICE_BAD = "nexus_sre:slo_period_slice:bad5m"
SLICE_RATIO = "nexus_sre:slo_period_slice:ratio"
SLICE_SECONDS, CALENDAR_INTERVAL = 300, 60  # each slice: 5 minutes, recorded every minute

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


def _labels(service: Service, slo: SLO, window: int | str) -> dict[str, str]:
    label = window if isinstance(window, str) else format_duration(window)
    return {"service": service.name, "slo": slo.id, "window": label}


def period_label(slo: SLO) -> str:
    """The `window` label (and record-name suffix) of the SLO's own window: "30d", or
    "month"/"week" for a calendar window, whose series cover the month or week so far."""
    tw = slo.time_window
    return tw.calendar if tw.calendar is not None else format_duration(tw.seconds)


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


def _meta_rules(service: Service, slo: SLO, current_window: str) -> list[Rule]:
    budget = fmt_number(slo.budget_fraction)
    period = period_label(slo)
    labels = _labels(service, slo, period)
    period_ratio = _ref(ERROR_RATIO.format(w=period), service, slo)
    current_ratio = _ref(ERROR_RATIO.format(w=current_window), service, slo)
    # A calendar window's real length is recorded with its month or week (calendar group).
    length = (
        []
        if slo.time_window.calendar
        else [{"record": PERIOD, "expr": f"vector({slo.time_window.seconds})", "labels": labels}]
    )
    return [
        {
            "record": OBJECTIVE,
            "expr": f"vector({fmt_number(slo.target_fraction)})",
            "labels": labels,
        },
        {"record": ERROR_BUDGET, "expr": f"vector({budget})", "labels": labels},
        *length,
        {
            "record": BURN_RATE_CURRENT,
            "expr": f"{current_ratio} / {budget}",
            "labels": _labels(service, slo, current_window),
        },
        {"record": BURN_RATE_PERIOD, "expr": f"{period_ratio} / {budget}", "labels": labels},
        {"record": BUDGET_REMAINING, "expr": f"1 - {period_ratio} / {budget}", "labels": labels},
    ]


def calendar_group(service: Service, slo: SLO, name: str) -> tuple[Group, int]:
    """The group that records a calendar window's month or week so far, and the longest
    range it reads. Every minute it records the current period (its class, 0 to 2: see
    `calendar.py`) and the last 5 minutes' events labelled with it (the slices); the
    period so far is the sum of the slices of the current class over the longest period
    (older periods of that class ended long before). Each event lands in 5 slices: events
    are the sum over 5, the error ratio the bad sum over the total sum, to within 5
    minutes at the period's start and end."""
    cal = calendar_promql(slo.time_window)
    label = period_label(slo)
    labels = _labels(service, slo, label)
    clock, cls = _ref(CALENDAR_TIME, service, slo), _ref(CALENDAR_CLASS, service, slo)
    rules: list[Rule] = [
        {"record": CALENDAR_TIME, "expr": cal.shifted(), "labels": labels},
        {"record": CALENDAR_CLASS, "expr": cal.class_vector(clock), "labels": labels},
        {"record": PERIOD, "expr": cal.length_seconds(clock), "labels": labels},
    ]

    def so_far(slice_name: str, over: str = "sum") -> str:
        picked = f"{over}_over_time({_ref(slice_name, service, slo)}[{cal.range}])"
        return f"{over} without (period_class) ({picked} * on(period_class) {cls})"

    tag = f"* on() group_left(period_class) {cls}"
    queries = sli_queries(service, slo)
    if isinstance(queries, PercentSli):  # time-weighted, as its rolling windows
        query = _ref(QUERY_ERROR_RATIO, service, slo)
        rules += [
            {"record": SLICE_RATIO, "expr": f"{query} {tag}", "labels": labels},
            {
                "record": ERROR_RATIO.format(w=label),
                "expr": so_far(SLICE_RATIO, "avg"),
                "labels": labels,
            },
        ]
    else:
        w = SLICE_SECONDS
        total, good = queries.total_expr(w), queries.good_expr(w)
        per_slice = SLICE_SECONDS // CALENDAR_INTERVAL
        bad_sum, total_sum = so_far(SLICE_BAD), so_far(SLICE_TOTAL)
        rules += [
            {"record": SLICE_TOTAL, "expr": f"({total}) {tag}", "labels": labels},
            {
                "record": SLICE_BAD,
                "expr": f"({total} - ({good} or vector(0))) {tag}",
                "labels": labels,
            },
            {
                "record": EVENTS.format(w=label),
                "expr": f"{total_sum} / {per_slice}",
                "labels": labels,
            },
            {
                "record": ERROR_RATIO.format(w=label),
                "expr": f"clamp(\n  {bad_sum}\n  / ({total_sum} > 0),\n  0, 1\n)"
                f"\nor\n{total_sum} * 0",
                "labels": labels,
            },
        ]
    group: Group = {"name": name, "interval": format_duration(CALENDAR_INTERVAL), "rules": rules}
    return group, cal.range_seconds


def _guard(service: Service, slo: SLO, window: int | str) -> str:
    """Too few events make a ratio meaningless: require min_events in the window."""
    if slo.alerting.min_events <= 0 or isinstance(sli_queries(service, slo), PercentSli):
        return ""
    label = window if isinstance(window, str) else format_duration(window)
    events = _ref(EVENTS.format(w=label), service, slo)
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
        gone = _budget_gone(slo, alert.factor)
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
            f"the whole budget is gone in {gone}.",
        )
        rules.append(rule)
    period_w = period_label(slo)
    period_ref = _ref(ERROR_RATIO.format(w=period_w), service, slo)
    over = f"the {period_w} so far" if slo.time_window.calendar else f"the last {period_w}"
    for level in slo.alerting.budget_exhaustion:
        limit = fmt_number(slo.budget_fraction * level.percentage / 100)
        pct = fmt_number(level.percentage)
        rules.append(
            {
                "alert": BUDGET_ALERT,
                "expr": f"{period_ref} >= {limit}" + _guard(service, slo, period_w),
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
                    f"Error ratio over {over} is at least "
                    f"{fmt_number(Decimal(limit) * 100)}%, {pct}% of the {budget_pct}% "
                    f"error budget of the {target}% objective.",
                ),
            }
        )
    return rules


def _budget_gone(slo: SLO, factor: Decimal) -> str:
    """How long the whole budget lasts at `factor`: the window over the factor ("50h"), for
    a calendar window from its shortest to its longest period ("46.7 to 51.7h")."""
    if slo.time_window.calendar is None:
        return f"{fmt_number(Decimal(slo.time_window.seconds) / factor / 3600, max_decimals=1)}h"
    lengths = calendar_promql(slo.time_window).lengths
    a, b = (
        fmt_number(Decimal(x) / factor / 3600, max_decimals=1) for x in (lengths[0], lengths[-1])
    )
    return f"{a}h" if a == b else f"{a} to {b}h (the {slo.time_window.calendar}'s length)"


def slo_rules(service: Service, slo: SLO) -> SloRules:
    if slo.budget_fraction <= 0:
        raise InvalidInputError(
            f"SLO {slo.id!r}: target {slo.target}% leaves no error budget; burn rates are undefined"
        )
    calendar = slo.time_window.calendar is not None
    # A rolling window is recorded like the alert windows; a calendar one by its own group.
    period = set() if calendar else {slo.time_window.seconds}
    alert_windows = {w for a in slo.alerting.burn_rate for w in (a.long_window, a.short_window)}
    windows = sorted(alert_windows | period)
    # The period's events are always recorded: with the period's error ratio they give the
    # budget in events, so `budgets` can read recorded series instead of raw counters.
    events = sorted(period)
    if slo.alerting.min_events > 0:
        events = sorted({a.long_window for a in slo.alerting.burn_rate} | period)
    current = format_duration(min(alert_windows)) if alert_windows else period_label(slo)
    prefix = f"nexus-sre-{service.name}-{slo.id}"
    out = SloRules(service, slo, windows)
    out.groups = [{"name": f"{prefix}-sli", "rules": _sli_rules(service, slo, windows, events)}]
    if calendar:
        group, read = calendar_group(service, slo, f"{prefix}-calendar")
        out.groups.append(group)
        out.windows = sorted({*windows, read})
    out.groups.append({"name": f"{prefix}-meta", "rules": _meta_rules(service, slo, current)})
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
