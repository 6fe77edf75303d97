"""Budget status, levels and the 100 % boundary: one definition (`nexus_sre.slo.budget`) that
the report, the manager and `nexus-sre budgets` share; figures worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from nexus_sre import SLOManager
from nexus_sre.config import parse_config
from nexus_sre.report.model import build_report, slo_status
from nexus_sre.slo.budget import budget_minutes
from nexus_sre.slo.evaluate import BucketSeries, evaluate_series

START = datetime(2026, 3, 1, tzinfo=UTC)


def config(target: float = 99.9, levels: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    slo: dict[str, Any] = {
        "id": "api-availability",
        "name": "API availability",
        "target": target,
        "timeWindow": "30d",
        "sli": {"type": "availability"},
    }
    if levels is not None:
        slo["alerting"] = {"budgetExhaustion": {"thresholds": levels}}
    return {"version": "1.0", "services": [{"name": "api", "tier": "tier-2", "slos": [slo]}]}


def one_bucket(doc: dict[str, Any], good: int, total: int) -> Any:
    cfg = parse_config(doc)
    service, slo = next(iter(cfg.slos()))
    series = BucketSeries(START, 60, np.array([good], np.uint64), np.array([total], np.uint64))
    return evaluate_series(service, slo, series)


def test_report_uses_the_slos_own_levels_like_the_manager() -> None:
    # Warning at 50 %, critical at 60 %: 55 % consumed is a warning, not the default healthy.
    doc = config(
        levels=[
            {"percentage": 50, "severity": "warning"},
            {"percentage": 60, "severity": "critical"},
        ]
    )
    ev = one_bucket(doc, good=19_989, total=20_000)  # 11 bad of 20 allowed: 55 %
    assert ev.budget.consumed_fraction == pytest.approx(0.55)
    assert ev.budget.status == "warning"
    m = SLOManager(parse_config(doc), clock="manual", now=START.timestamp() + 60)
    m.store.counter("api-availability").add(19_989, 20_000, START.timestamp())
    assert m.get_error_budget("api-availability").status == "warning"


@pytest.mark.parametrize(
    ("bad", "status", "met", "slo"),
    [(1, "critical", True, "at-risk"), (2, "exhausted", False, "violated")],
)
def test_the_100_percent_boundary_is_one_meaning(
    bad: int, status: str, met: bool, slo: str
) -> None:
    # 1 bad of 1,000 at 99.9 %: exactly the whole budget spent, SLI exactly at target.
    ev = one_bucket(config(), good=1000 - bad, total=1000)
    assert ev.budget.status == status
    assert ev.target_met is met
    assert slo_status(ev) == slo
    report = build_report(
        [ev], source="test", period_start=START, period_end=ev.period_end, config_hash="x"
    )
    assert report["summary"]["slosMeetingTarget"] == (1 if met else 0)
    m = SLOManager(parse_config(config()))
    pct = 100 - bad / 10
    assert m.calculate_error_budget("api-availability", pct).status == status


def test_sub_period_budget_is_the_periods_own() -> None:
    # One day of a 30-day 99.9 % SLO: 1,440 one-minute buckets of 100 requests, 216 bad.
    # The day's budget is 0.001 x 1440 min = 1.44 min; 216 bad of 144 allowed (0.001 x
    # 144,000) is 150 %, i.e. 2.16 minutes consumed, -0.72 left.
    cfg = parse_config(config())
    service, slo = next(iter(cfg.slos()))
    total = np.full(1440, 100, np.uint64)
    good = total.copy()
    good[:216] -= 1
    ev = evaluate_series(service, slo, BucketSeries(START, 60, good, total))
    assert ev.budget.total_minutes == 1.44
    assert ev.budget.consumed_fraction == 1.5
    assert ev.budget.consumed_minutes == 2.16
    assert ev.budget.remaining_minutes == pytest.approx(-0.72, abs=1e-15)


@pytest.mark.parametrize(
    ("target", "days", "minutes"),
    [(99.99, 30, 4.32), (99.9, 28, 40.32), (99.5, 31, 223.2), (99.9, 7, 10.08)],
)
def test_budget_minutes_are_exact(target: float, days: int, minutes: float) -> None:
    slo = next(iter(parse_config(config(target)).slos()))[1]
    assert float(budget_minutes(slo, days * 86400)) == minutes
