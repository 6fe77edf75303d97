"""Calendar windows have their real length in `SLOManager` budgets and in `budgets` from
Prometheus: each figure against a hand computation (December at 99.5 % is 31 x 1440 x
0.005 = 223.2 minutes, not the 216 of 30 days; a Berlin October is 745 hours)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nexus_sre.config import parse_config
from nexus_sre.live.manager import SLOManager
from nexus_sre.sources.prometheus_instant import Counts, evaluation

HOUR = 3600


def _config(window: dict[str, Any], target: float = 99.5) -> dict[str, Any]:
    return {
        "version": "1.0",
        "global": {"monitoringBackend": "embedded"},
        "services": [
            {
                "name": "shop",
                "tier": "tier-2",
                "slos": [
                    {
                        "id": "checkout",
                        "target": target,
                        "timeWindow": window,
                        "sli": {"type": "availability"},
                    }
                ],
            }
        ],
    }


def _ts(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("window", "at", "hours"),
    [
        ({"calendar": "month"}, _ts(2026, 12, 20), 31 * 24),  # December
        ({"calendar": "month"}, _ts(2027, 2, 20), 28 * 24),  # February 2027
        ({"calendar": "month"}, _ts(2028, 2, 20), 29 * 24),  # leap February
        ({"calendar": "month"}, _ts(2026, 11, 20), 30 * 24),
        # Berlin: October ends summer time (25 hours on Oct 25, 2026), March starts it
        ({"calendar": "month", "timezone": "Europe/Berlin"}, _ts(2026, 10, 28), 31 * 24 + 1),
        ({"calendar": "month", "timezone": "Europe/Berlin"}, _ts(2026, 3, 30), 31 * 24 - 1),
        # ISO weeks holding the long Sunday Oct 25, 2026 in Berlin and the short Sunday
        # Mar 8, 2026 in New York
        ({"calendar": "week", "timezone": "Europe/Berlin"}, _ts(2026, 10, 25, 12), 7 * 24 + 1),
        ({"calendar": "week", "timezone": "America/New_York"}, _ts(2026, 3, 8, 12), 7 * 24 - 1),
        ({"calendar": "week"}, _ts(2026, 10, 25, 12), 7 * 24),
    ],
)
def test_get_error_budget_over_the_real_period(
    window: dict[str, Any], at: float, hours: int
) -> None:
    m = SLOManager(_config(window), clock="manual", now=at)
    # 1,000 requests at one minute, 2 of them failed, a while before `at`
    m.store.counter("checkout").add(998, 1000, at - 6 * HOUR)
    b = m.get_error_budget("checkout", at=at)
    total = hours * 60 * 0.005  # budget minutes of the real period: 223.2 for December
    assert b.period_seconds == hours * HOUR
    assert b.total_minutes == pytest.approx(total, abs=1e-9)
    consumed = 2 / (0.005 * 1000)  # 40 % of the budget
    assert b.consumption_percentage == pytest.approx(100 * consumed)
    assert b.remaining_minutes == pytest.approx((1 - consumed) * total)
    assert b.events == 1000


def test_december_is_223_2_minutes_exactly() -> None:
    at = _ts(2026, 12, 20)
    m = SLOManager(_config({"calendar": "month"}), clock="manual", now=at)
    m.store.counter("checkout").add(1000, 1000, at - HOUR)
    assert m.get_error_budget("checkout", at=at).total_minutes == 223.2
    # an achieved SLI in December: the same month's budget
    assert m.calculate_error_budget("checkout", 99.75, at=at).total_minutes == 223.2
    assert m.calculate_error_budget("checkout", 99.75, at=at).remaining_minutes == 111.6
    feb = m.calculate_error_budget("checkout", "99.75", at=datetime(2027, 2, 3, tzinfo=UTC))
    assert feb.total_minutes == 201.6 and feb.period_seconds == 28 * 86400


def test_time_to_exhaustion_runs_over_the_real_month() -> None:
    # 1 % of requests failing for the last hour of a quiet month: the 1h burn rate is
    # 0.01 / 0.005 = 2, and the budget left lasts (remaining share) x month / 2.
    at = _ts(2026, 12, 20)
    m = SLOManager(_config({"calendar": "month"}), clock="manual", now=at)
    m.store.counter("checkout").add(99_000, 99_000, at - 5 * 86400)
    m.store.counter("checkout").add(990, 1000, at - 60)
    b = m.get_error_budget("checkout", at=at)
    remaining = 1 - 10 / (0.005 * 100_000)
    assert b.remaining_budget == pytest.approx(100 * remaining)
    assert b.time_to_exhaustion_hours == pytest.approx(remaining * 31 * 24 / 2)


def test_budgets_from_prometheus_use_the_real_month() -> None:
    config = parse_config(_config({"calendar": "month"}))
    ((service, slo),) = config.slos()
    start, end = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC)
    period = int((end - start).total_seconds())
    counts = {period: Counts(9_990, 10_000)}
    ev = evaluation(service, slo, counts, start, end)
    assert ev.budget.total_minutes == 223.2
    assert ev.budget.consumed_minutes == pytest.approx(10 / 50 * 223.2)
    # a shorter span than the month to date (--days 1) has that span's budget
    day = evaluation(service, slo, {86400: Counts(1000, 1000)}, end.replace(day=19), end)
    assert day.budget.total_minutes == pytest.approx(1440 * 0.005)


def test_recorded_calendar_series_are_left_to_the_queries() -> None:
    """The rules record a calendar SLO's month so far (`window="month"`, to within five
    minutes); `budgets` reads it exactly by queries, and never takes the label for a
    duration (it raised "bad window label")."""
    from nexus_sre.sources.prometheus_instant import recorded_counts

    def series(name: str, window: str, value: str) -> dict[str, Any]:
        metric = {"__name__": name, "service": "shop", "slo": "checkout", "window": window}
        return {"metric": metric, "value": [0, value]}

    class Backend:
        def query(self, promql: str, at: float) -> list[dict[str, Any]]:
            return [
                series("nexus_sre:slo_objective:ratio", "month", "0.995"),
                series("nexus_sre:slo_error_ratio:ratemonth", "month", "0.001"),
                series("nexus_sre:slo_events:increasemonth", "month", "1200"),
                series("nexus_sre:slo_error_ratio:rate5m", "5m", "0.002"),
            ]

    got = recorded_counts(Backend(), 0)  # type: ignore[arg-type]
    assert got == {("shop", "checkout"): {"objective": 0.995, "ratio": {300: 0.002}, "events": {}}}
