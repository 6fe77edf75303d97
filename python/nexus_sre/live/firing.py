"""Which alerts of an SLO fire at one instant, from its window readings (pure: no I/O).

A burn-rate tier fires when both its windows burn at or above its factor and the long
window saw at least `min_events` events (at least one); this is the rule of the core's
`alerting::evaluate`, applied here to readings that may come from Prometheus (a test keeps
the two in agreement). A budget threshold fires once its share of the budget is consumed;
only the highest threshold reached is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..common.durations import format_duration
from ..common.figures import burns_at, reaches
from ..config import SLO, BurnRateAlert
from .budget import BudgetFigures
from .readings import Snapshot

# Tolerances: `common.figures.burns_at` (the core's) and `reaches` (budget thresholds).


@dataclass(frozen=True)
class Firing:
    """An alert condition that holds now (before the alert book gives it an id)."""

    name: str  # "page-1h", "fast", "budget-90", ...
    kind: str  # "burn_rate" or "budget_exhaustion"
    severity: str
    factor: float | None = None  # burn-rate alerts
    burn_rates: dict[str, float] = field(default_factory=dict)  # window label -> burn rate
    consumed_percent: float | None = None  # budget alerts


def burn_rate_firings(slo: SLO, alerts: list[BurnRateAlert], snap: Snapshot) -> list[Firing]:
    """The burn-rate tiers of `alerts` that fire in `snap` (which holds their windows)."""
    out = []
    min_total = max(slo.alerting.min_events, 1)
    for alert in alerts:
        long_r, short_r = snap.readings[alert.long_window], snap.readings[alert.short_window]
        long_burn, short_burn = long_r.burn_rate(slo), short_r.burn_rate(slo)
        factor = float(alert.factor)
        # A percent-query SLI has no event counts: min_events cannot apply to it.
        enough = long_r.sli_percent is not None and (
            long_r.total is None or long_r.total >= min_total
        )
        has_short = short_r.sli_percent is not None
        if enough and has_short and burns_at(long_burn, factor) and burns_at(short_burn, factor):
            out.append(
                Firing(
                    name=alert.name,
                    kind="burn_rate",
                    severity=alert.severity,
                    factor=factor,
                    burn_rates={
                        format_duration(alert.long_window): long_burn,
                        format_duration(alert.short_window): short_burn,
                    },
                )
            )
    return out


def budget_firing(slo: SLO, budget: BudgetFigures) -> Firing | None:
    """The highest budget-exhaustion threshold reached, if any (never without data)."""
    if budget.status == "no-data":
        return None
    reached = [
        t
        for t in slo.alerting.budget_exhaustion
        if reaches(budget.consumption_percentage, float(t.percentage))
    ]
    if not reached:
        return None
    top = max(reached, key=lambda t: t.percentage)
    return Firing(
        name=f"budget-{top.percentage}",
        kind="budget_exhaustion",
        severity=top.severity,
        consumed_percent=budget.consumption_percentage,
    )
