"""promtool unit tests for generated rules: a total outage fires each page alert on time,
and a steady burn at exactly the budget (1x) fires no burn-rate alert above 1x.

Timing (samples every minute, evaluation every minute, counters starting at 1e9 so
`increase()` never extrapolates towards zero): after `k` minutes of total outage following
a healthy stretch, the error ratio over a long window of `L` seconds is `60k / L` (one
interval less in the denominator with Prometheus 3's left-open ranges, which only fires
earlier). A tier with factor `f` and budget `b` fires when `60k / L > f*b`, i.e. at the
first sample after `f*b*L` seconds of outage, then after its `for:`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..common.durations import format_duration
from ..config.model import BurnRateAlert
from .generate import SloRules, burn_alert_name, threshold
from .promtool_inputs import SeriesPair, series_pair, values
from .sli import CounterSli, PercentSli, sli_queries

STEP = 60  # seconds between samples and between evaluations
START = 10**9  # counters start high: no extrapolation to zero inside any window
STEADY_EXTRA = 5  # minutes the 1x test runs past its longest page window
PAGE_SEVERITIES = ("critical", "page")


@dataclass(frozen=True)
class PageExpectation:
    alert: str  # alert name
    tier: str
    fires_at: int  # seconds since the test start when it must be firing
    quiet_at: int  # an earlier time when it must not be firing yet


def _minutes(seconds: int | Decimal) -> str:
    return format_duration(int(seconds)) if int(seconds) > 0 else "0s"


def is_page(alert: BurnRateAlert) -> bool:
    return alert.severity.lower() in PAGE_SEVERITIES


def _traffic(rules: SloRules) -> int:
    """Events per minute: enough for min_events in every long window, and a multiple of the
    budget's denominator so a 1x burn has a whole number of bad events per minute."""
    budget = Fraction(str(rules.slo.budget_fraction))
    min_long = min((a.long_window for a in rules.slo.alerting.burn_rate), default=3600)
    need = math.ceil(2 * rules.slo.alerting.min_events * STEP / min_long)
    rate = max(1000, need)
    return math.lcm(rate, budget.denominator)


def _labels(rules: SloRules, alert: BurnRateAlert) -> dict[str, str]:
    return {
        "service": rules.service.name,
        "slo": rules.slo.id,
        "window": format_duration(alert.long_window),
        "severity": alert.severity,
        "alert_tier": alert.name,
        "service_tier": rules.service.tier,
    }


def _annotations(rules: SloRules, name: str) -> dict[str, str]:
    for group in rules.groups:
        for rule in group["rules"]:
            if rule.get("alert") == name:
                return dict(rule.get("annotations", {}))
    raise KeyError(name)


def page_expectations(rules: SloRules, outage_start: int) -> list[PageExpectation]:
    out = []
    for alert in rules.slo.alerting.burn_rate:
        f_b = threshold(alert.factor, rules.slo)
        if not is_page(alert) or f_b >= 1:  # f*b >= 1 can never fire: nothing to assert
            continue
        outage_needed = f_b * alert.long_window  # seconds of outage before the ratio exceeds
        fires = outage_start + STEP * (int(outage_needed // STEP) + 1)
        if alert.for_duration:
            fires += STEP * math.ceil(alert.for_duration / STEP)
        quiet = max(outage_start, fires - 2 * STEP - (alert.for_duration or 0))
        out.append(PageExpectation(burn_alert_name(alert), alert.name, fires, quiet))
    return out


def _grid_times(times: set[int], last: int) -> list[int]:
    """Times rounded up to the evaluation grid, no later than the input's last sample."""
    return sorted({min(last, STEP * math.ceil(t / STEP)) for t in times})


def _input(queries: CounterSli | PercentSli) -> tuple[SeriesPair, bool] | None:
    """The series to feed, and whether the pair's first series counts bad events."""
    if not isinstance(queries, CounterSli):
        return None
    total = queries.total_selector
    part = queries.good_selector or queries.bad_selector
    if total is None or part is None:
        return None
    pair = series_pair(part, total)
    return (pair, queries.good_selector is None) if pair else None


def _feed(
    pair: SeriesPair, part_is_bad: bool, good: list[tuple[int, int]], bad: list[tuple[int, int]]
) -> list[dict[str, str]]:
    """Input series for per-minute good and bad increments (segments of (inc, samples))."""
    part, rest = (bad, good) if part_is_bad else (good, bad)
    if pair.rest_is_total:
        rest = _add(good, bad)
    return [
        {"series": pair.part, "values": values(part, START)},
        {"series": pair.rest, "values": values(rest, START)},
    ]


def _add(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Segment-wise sum of two increment lists with the same segment lengths."""
    assert [n for _, n in a] == [n for _, n in b]
    return [(x + y, n) for (x, n), (y, _) in zip(a, b, strict=True)]


def promtool_tests(rules: SloRules, rule_file: str) -> dict[str, Any] | None:
    """A promtool test document for one SLO, or None when its SLI has no concrete series
    to feed (arbitrary good/total expressions, percent queries that are not event ratios).

    `rule_file` should hold this SLO's groups only (`nexus-sre rules --tests` writes one per
    SLO): the tests then see this SLO's alerts and no other's, and promtool evaluates a few
    dozen rules per step instead of every SLO's.
    """
    fed = _input(sli_queries(rules.service, rules.slo))
    if fed is None:
        return None
    pair, part_is_bad = fed
    pages = [a for a in rules.slo.alerting.burn_rate if is_page(a)]
    rate = _traffic(rules)
    healthy = max((a.long_window for a in pages), default=3600) // STEP + 1  # minutes
    outage_start = healthy * STEP
    expectations = page_expectations(rules, outage_start)
    end = max((e.fires_at for e in expectations), default=outage_start) // STEP + 2
    who = f"{rules.service.name}/{rules.slo.id}"
    checks: list[dict[str, Any]] = []
    # healthy (all good) for `healthy` minutes, then every event fails
    outage: dict[str, Any] = {
        "name": f"{who}: total outage fires each page alert on time",
        "interval": _minutes(STEP),
        "input_series": _feed(
            pair,
            part_is_bad,
            good=[(rate, healthy + 1), (0, end - healthy)],
            bad=[(0, healthy + 1), (rate, end - healthy)],
        ),
        "alert_rule_test": checks,
    }
    for e in expectations:
        alert = next(a for a in pages if a.name == e.tier)
        checks += [
            {"eval_time": _minutes(e.quiet_at), "alertname": e.alert, "exp_alerts": []},
            {
                "eval_time": _minutes(e.fires_at),
                "alertname": e.alert,
                "exp_alerts": [
                    {
                        "exp_labels": _labels(rules, alert),
                        "exp_annotations": _annotations(rules, e.alert),
                    }
                ],
            },
        ]
    # 1x: exactly the budget's share of events fails, all the time. The longest page window
    # plus a few steps is enough: every window shorter than that is full by then.
    bad = int(rate * Fraction(str(rules.slo.budget_fraction)))
    span = max((a.long_window for a in rules.slo.alerting.burn_rate if is_page(a)), default=3600)
    minutes = span // STEP + STEADY_EXTRA
    steady = {
        "name": f"{who}: burning exactly the budget (1x) fires no burn-rate alert",
        "interval": _minutes(STEP),
        "input_series": _feed(
            pair, part_is_bad, good=[(rate - bad, minutes + 1)], bad=[(bad, minutes + 1)]
        ),
        "alert_rule_test": [
            {"eval_time": _minutes(t), "alertname": burn_alert_name(a), "exp_alerts": []}
            for a in rules.slo.alerting.burn_rate
            if a.factor > 1  # at exactly 1x the ratio equals a 1x threshold: too close to call
            for t in _grid_times({a.short_window, a.long_window, minutes * STEP}, minutes * STEP)
        ],
    }
    return {
        "rule_files": [rule_file],
        "evaluation_interval": _minutes(STEP),
        # promtool otherwise evaluates groups in random order: alerts could read last
        # minute's recordings and the expected times would be off by one evaluation
        "group_eval_order": [g["name"] for g in rules.groups],
        "tests": [outage, steady],
    }


def promtool_test_files(rules: list[SloRules]) -> tuple[dict[str, str], list[SloRules]]:
    """File name -> text of every promtool test and the rule file it loads (that SLO's groups
    only, rendered as in the full rule file), and the SLOs that got no test."""
    from .output import dump_yaml, render

    files: dict[str, str] = {}
    skipped = []
    for r in rules:
        stem = f"{r.service.name}-{r.slo.id}"
        doc = promtool_tests(r, f"{stem}.rules.yaml")
        if doc is None:
            skipped.append(r)
            continue
        files[f"{stem}.rules.yaml"] = render(r.groups)
        files[f"{stem}.test.yaml"] = dump_yaml(doc)
    return files, skipped
