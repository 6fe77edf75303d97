"""An SLO's error budget over a span, and its status: the one definition every caller uses
(`SLOManager`, reports, `nexus-sre budgets`).

The scalar figures are exact rationals of the counts and the config's decimals, so the
boundaries are exact: 1 bad event of 1,000 at 99.9 % is 100 % consumed, not 1.0000000000000002.

The boundary at 100 %: the target is met while the SLI is at or above it, i.e. while at most
the whole budget is spent. The status is `exhausted` only when more than the budget is spent,
which is exactly when the target is missed; at exactly 100 % it is `critical`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .. import _core
from ..config import SLO
from .evaluation import PeriodBudget

# When the SLO configures no warning / critical budget level (docs/report.md).
DEFAULT_WARNING = Fraction(3, 4)
DEFAULT_CRITICAL = Fraction(9, 10)


@dataclass(frozen=True)
class BudgetLevels:
    """Consumed shares at which the status turns warning and critical: the lowest warning
    and critical `budgetExhaustion` percentages of the SLO below 100 (else 75 and 90)."""

    warning: Fraction
    critical: Fraction

    @classmethod
    def of(cls, slo: SLO) -> BudgetLevels:
        levels = slo.alerting.budget_exhaustion
        warn = [Fraction(t.percentage) / 100 for t in levels if t.severity == "warning"]
        crit = [
            Fraction(t.percentage) / 100
            for t in levels
            if t.severity == "critical" and t.percentage < 100
        ]
        w = min(warn) if warn else DEFAULT_WARNING
        c = min(crit) if crit else DEFAULT_CRITICAL
        return cls(warning=w, critical=max(c, w))

    def status(self, consumed: Fraction | Decimal) -> str:
        """healthy | warning | critical | exhausted (more than the whole budget spent)."""
        c = Fraction(consumed)
        if c > 1:
            return "exhausted"
        if c >= self.critical:
            return "critical"
        if c >= self.warning:
            return "warning"
        return "healthy"


def consumed_share(slo: SLO, good: int, total: int) -> Fraction:
    """Bad events over the allowed bad events, exactly (0 without traffic)."""
    if total <= 0:
        return Fraction(0)
    return Fraction(total - good) / (Fraction(slo.budget_fraction) * total)


def budget_minutes(slo: SLO, period_seconds: int) -> Fraction:
    """The budget as bad minutes over a span: (100 - target) / 100 x its length, exactly
    (43.2 for 99.9 % over 30 days, 4.32 for 99.99 %)."""
    return Fraction(slo.budget_fraction) * period_seconds / 60


def period_budget(
    slo: SLO, period_seconds: int, good: int, total: int, burn_rate_now: float
) -> PeriodBudget:
    """The budget of `period_seconds` of this SLO, spent by `good` of `total` events.
    `burn_rate_now` (the shortest alert window's) drives the time to exhaustion."""
    consumed = consumed_share(slo, good, total)
    events = float(slo.budget_fraction * total) if total else None
    return _spent(slo, period_seconds, consumed, events, burn_rate_now)


def budget_from_sli(
    slo: SLO, period_seconds: int, sli_percent: Decimal, burn_rate_now: float
) -> PeriodBudget:
    """The budget spent by an achieved SLI (a percent-query SLI has no event counts)."""
    consumed = (100 - Fraction(sli_percent)) / (100 - Fraction(slo.target))
    return _spent(slo, period_seconds, consumed, None, burn_rate_now)


def _spent(
    slo: SLO,
    period_seconds: int,
    consumed: Fraction,
    total_events: float | None,
    burn_rate_now: float,
) -> PeriodBudget:
    """The figures of a budget of which the share `consumed` is spent (exact until here)."""
    minutes = budget_minutes(slo, period_seconds)
    remaining = 1 - consumed
    tte = _core.time_to_exhaustion(float(remaining), burn_rate_now, float(period_seconds))
    return PeriodBudget(
        total_minutes=float(minutes),
        total_events=total_events,
        consumed_fraction=float(consumed),
        remaining_fraction=float(remaining),
        consumed_minutes=float(consumed * minutes),
        remaining_minutes=float(remaining * minutes),
        status=BudgetLevels.of(slo).status(consumed),
        time_to_exhaustion_hours=None if tte is None else tte / 3600.0,
    )


def target_met(slo: SLO, good: int, total: int) -> bool | None:
    """SLI >= target, exactly (None without traffic): the same boundary as the status."""
    if total <= 0:
        return None
    return Fraction(good) * 100 >= Fraction(slo.target) * total
