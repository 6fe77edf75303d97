"""Hand-built `SloEvaluation`s with known numbers, for the report tests.

The factory plays the part of the evaluator: it fills the budget from good/total/target
with plain Decimal arithmetic. Tests then check the report against their own arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from nexus_sre.slo.evaluation import ErrorBudget, FiredAlert, Series, SloEvaluation

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)  # 30 days


def budget_status(consumed: Decimal) -> str:
    if consumed >= 1:
        return "exhausted"
    if consumed >= Decimal("0.9"):
        return "critical"
    if consumed >= Decimal("0.75"):
        return "warning"
    return "healthy"


def make_series(n: int, *, start: datetime = START, end: datetime = END) -> Series:
    """n buckets spanning the period: SLI 100 % then 99.9 %, budget falling linearly, burn 0..2."""
    step = (end - start) / n
    ts = [start + step * (i + 1) for i in range(n)]
    sli: list[float | None] = [None] + [100.0 if i < n // 2 else 99.9 for i in range(1, n)]
    budget = [100.0 - 60.0 * i / max(n - 1, 1) for i in range(n)]
    burn = {"1h": [2.0 * i / max(n - 1, 1) for i in range(n)], "6h": [0.5] * n}
    return Series(timestamps=ts, sli_percent=sli, budget_remaining_percent=budget, burn_rate=burn)


def make_alert(
    name: str = "fast",
    *,
    severity: str = "page",
    start: datetime = START + timedelta(days=3),
    hours: float | None = 2,
    peak: float | None = 20.5,
    factor: float | None = 14.4,
    kind: str = "burn_rate",
) -> FiredAlert:
    return FiredAlert(
        name=name,
        severity=severity,
        kind=kind,
        start=start,
        end=start + timedelta(hours=hours) if hours is not None else None,
        peak_burn_rate=peak,
        factor=factor,
        long_window_s=3600 if kind == "burn_rate" else None,
        short_window_s=300 if kind == "burn_rate" else None,
    )


def make_eval(
    *,
    service: str = "nexus-api",
    tier: str = "tier-0",
    owner: str | None = "backend-team",
    slo_id: str = "api-availability",
    slo_name: str = "API Availability",
    sli_type: str = "availability",
    target: str = "99.9",
    good: int = 999_500,
    total: int = 1_000_000,
    status: str | None = None,
    alerts: Sequence[FiredAlert] = (),
    series: Series | None = None,
    burn_rates: dict[str, float] | None = None,
    tte_hours: float | None = None,
    min_events: int = 0,
    start: datetime = START,
    end: datetime = END,
) -> SloEvaluation:
    fraction = (100 - Decimal(target)) / 100
    minutes = Decimal(int((end - start).total_seconds()) // 60)
    total_minutes = fraction * minutes
    if total:
        allowed = fraction * total
        consumed = Decimal(total - good) / allowed
        sli: float | None = float(Decimal(good) * 100 / Decimal(total))
    else:
        allowed, consumed, sli = Decimal(0), Decimal(0), None
    budget = ErrorBudget(
        total_minutes=float(total_minutes),
        total_events=float(allowed) if total else None,
        consumed_fraction=float(consumed),
        remaining_fraction=float(1 - consumed),
        consumed_minutes=float(consumed * total_minutes),
        remaining_minutes=float((1 - consumed) * total_minutes),
        status=status or budget_status(consumed),
        time_to_exhaustion_hours=tte_hours,
    )
    return SloEvaluation(
        service=service,
        tier=tier,
        owner=owner,
        slo_id=slo_id,
        slo_name=slo_name,
        sli_type=sli_type,
        target_percent=float(target),
        period_start=start,
        period_end=end,
        good=good,
        total=total,
        sli_percent=sli,
        budget=budget,
        burn_rates=burn_rates if burn_rates is not None else {"1h": 0.5, "6h": 0.5},
        alerts=list(alerts),
        series=series,
        min_events=min_events,
    )


def build(evals: Sequence[SloEvaluation], **kw: Any) -> dict[str, Any]:
    from nexus_sre.report import build_report

    args: dict[str, Any] = {
        "source": "embedded",
        "period_start": START,
        "period_end": END,
        "config_hash": "sha256:abc123",
        "services_meta": None,
        "generated_at": datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    }
    args.update(kw)
    return build_report(evals, **args)


@pytest.fixture
def sample_evals() -> list[SloEvaluation]:
    """A small fleet covering every status: met, at risk, violated, no data."""
    return [
        make_eval(series=make_series(500)),
        make_eval(
            slo_id="api-latency",
            slo_name="API Latency",
            sli_type="latency",
            target="99",
            good=99_990,
            total=100_000,
            series=make_series(500),
        ),
        make_eval(
            service="nexus-frontend",
            tier="tier-1",
            owner="web-team",
            slo_id="fe-availability",
            slo_name="Frontend Availability",
            good=999_150,
            total=1_000_000,
            series=make_series(500),
        ),
        make_eval(
            service="nexus-frontend",
            tier="tier-1",
            owner="web-team",
            slo_id="fe-latency",
            slo_name="Frontend Latency",
            sli_type="latency",
            target="99",
            good=98_000,
            total=100_000,
            alerts=[make_alert(), make_alert("slow", severity="ticket", factor=6, peak=7.25)],
            series=make_series(500),
        ),
        make_eval(
            service="nexus-batch",
            tier="tier-3",
            owner=None,
            slo_id="batch-success",
            slo_name="Batch Success",
            target="99.5",
            good=0,
            total=0,
        ),
    ]


@pytest.fixture
def rf() -> SimpleNamespace:
    """The factory, as a fixture (test modules cannot safely import a conftest by name)."""
    return SimpleNamespace(
        eval=make_eval,
        series=make_series,
        alert=make_alert,
        build=build,
        start=START,
        end=END,
        budget_status=budget_status,
    )
