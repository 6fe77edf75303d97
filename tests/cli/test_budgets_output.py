"""`budgets` output a person reads: FIRING ordered by urgency (page tiers, then tickets,
then budget levels, highest first) and JSON figures rounded like the report's."""

from __future__ import annotations

from datetime import UTC, datetime

from nexus_sre.cli.budgets import _clean, _urgency
from nexus_sre.slo.evaluation import FiredAlert

T = datetime(2026, 12, 1, tzinfo=UTC)


def fired(name: str, severity: str, kind: str, factor: float | None = None) -> FiredAlert:
    return FiredAlert(
        name=name,
        severity=severity,
        kind=kind,
        start=T,
        end=None,
        peak_burn_rate=None,
        factor=factor,
    )


def test_firing_is_ordered_by_urgency() -> None:
    alerts = [
        fired("budget-50", "info", "budget_exhaustion"),
        fired("ticket-3d", "warning", "burn_rate", 1.0),
        fired("budget-100", "critical", "budget_exhaustion"),
        fired("page-6h", "critical", "burn_rate", 6.0),
        fired("budget-90", "critical", "budget_exhaustion"),
        fired("ticket-1d", "warning", "burn_rate", 3.0),
        fired("page-1h", "critical", "burn_rate", 14.4),
    ]
    assert [a.name for a in sorted(alerts, key=_urgency)] == [
        "page-1h",
        "page-6h",
        "ticket-1d",
        "ticket-3d",
        "budget-100",
        "budget-90",
        "budget-50",
    ]


def test_json_figures_are_rounded_like_the_report() -> None:
    row = {
        "sli": 99.879993632,
        "target": 99.9,
        "budgetConsumedPercent": 120.00639999999,
        "budgetRemainingMinutes": -8.66764800001,
        "burnRates": {"1h": 14.399999999999999, "5m": float("nan")},
        "events": 9981579,
    }
    assert _clean([row]) == [
        {
            "sli": 99.88,
            "target": 99.9,
            "budgetConsumedPercent": 120.0064,
            "budgetRemainingMinutes": -8.668,
            "burnRates": {"1h": 14.4, "5m": None},
            "events": 9981579,
        }
    ]
