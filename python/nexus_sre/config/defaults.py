"""Defaults applied when an SLO has no `alerting`: the Google SRE Workbook's alert tiers.

The Workbook ("Alerting on SLOs", multiwindow multi-burn-rate alerts) states each tier as the
share of the error budget spent within its long window; the burn-rate factor follows as
share x period / long window, so a 28-day SLO gets 13.44 where a 30-day one gets 14.4.

Budget-exhaustion defaults: 50 % info, 75 % warning, 90 % critical, and 100 % critical, because
a spent budget means the SLO is already missed and deserves its own notification, distinct
from the 90 % early warning.
"""

from __future__ import annotations

from decimal import Decimal

from .. import _core
from .model import BudgetThreshold, BurnRateAlert

# (name, budget share, long window s, short window s, severity), read once from their one
# definition in the Rust core (nexus_sre_core::alerting::WORKBOOK_TIERS), where the share
# is a decimal string so that it is exact here.
WORKBOOK_TIERS: tuple[tuple[str, Decimal, int, int, str], ...] = tuple(
    (name, Decimal(share), long_w, short_w, severity)
    for name, share, long_w, short_w, severity in _core.WORKBOOK_TIERS
)

DEFAULT_BUDGET_THRESHOLDS: tuple[tuple[int, str], ...] = (
    (50, "info"),
    (75, "warning"),
    (90, "critical"),
    (100, "critical"),
)


def tidy(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form: 14.40 -> 14.4, 1E+1 -> 10."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def burn_rate_factor(budget_share: Decimal, period_seconds: int, long_window: int) -> Decimal:
    """The burn rate at which `budget_share` of the budget is spent within `long_window`."""
    return tidy(budget_share * Decimal(period_seconds) / Decimal(long_window))


def workbook_burn_rates(period_seconds: int) -> list[BurnRateAlert]:
    """The four Workbook alerts for an SLO period, skipping windows longer than the period."""
    return [
        BurnRateAlert(
            name=name,
            factor=burn_rate_factor(share, period_seconds, long_w),
            long_window=long_w,
            short_window=short_w,
            severity=severity,
        )
        for name, share, long_w, short_w, severity in WORKBOOK_TIERS
        if long_w <= period_seconds
    ]


def default_budget_thresholds() -> list[BudgetThreshold]:
    return [
        BudgetThreshold(percentage=Decimal(p), severity=s) for p, s in DEFAULT_BUDGET_THRESHOLDS
    ]


def default_short_window(long_window: int) -> int:
    """1/12 of the long window (5m for 1h, 30m for 6h), as the Workbook pairs them."""
    return max(1, round(long_window / 12))
