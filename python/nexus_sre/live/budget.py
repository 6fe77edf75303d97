"""`BudgetFigures`: an SLO's error budget as `SLOManager` reports it, from an achieved SLI
or from the window readings of a backend (pure: no I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import _core
from ..common.figures import clean_float, to_decimal
from ..config import SLO
from ..errors import InvalidInputError
from ..slo.budget import BudgetLevels, budget_from_sli, period_budget
from .readings import Snapshot


@dataclass(frozen=True)
class BudgetFigures:
    """An SLO's error budget as a user reads it. Percentages are of the budget."""

    slo_id: str
    target: float
    period_seconds: int
    sli_percent: float | None  # None with no data
    total_minutes: float  # the budget as bad minutes over the period
    total_events: float | None  # the budget as bad events, when event counts are known
    consumed_minutes: float
    remaining_minutes: float
    consumption_percentage: float
    remaining_budget: float  # percent of the budget left (negative when overspent)
    burn_rate: float
    status: str  # healthy | warning | critical | exhausted | no-data
    time_to_exhaustion_hours: float | None
    events: int | None = None

    def __post_init__(self) -> None:
        # What users read carries no binary artefacts (1.0010000000000001 -> 1.001).
        for name, value in self.__dict__.items():
            if isinstance(value, float) and math.isfinite(value):
                object.__setattr__(self, name, clean_float(value))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def hour_window(slo: SLO, bucket: int) -> int:
    """The window whose burn rate drives 'time to exhaustion': the shortest alert long
    window (1h by default), else one hour."""
    longs = [a.long_window for a in slo.alerting.burn_rate if a.long_window % bucket == 0]
    return min(longs) if longs else max(bucket, 3600 // bucket * bucket)


def from_sli(
    slo: SLO, actual_percent: float | str | Decimal, period_seconds: int | None = None
) -> BudgetFigures:
    """Budget figures for an achieved SLI in percent, computed exactly in decimal:
    a 99.9 % SLO over 30 days has 43.2 minutes of budget; 99.95 consumes half of it.
    `period_seconds`: the budget's length (default the window's; a calendar month's real
    length is the caller's to give, `slo.windows.own_window`)."""
    try:
        if isinstance(actual_percent, str):
            actual = Decimal(actual_percent)
        else:
            actual = to_decimal(actual_percent)
        valid = actual.is_finite() and Decimal(0) <= actual <= Decimal(100)
    except (InvalidOperation, ValueError, TypeError):
        valid = False
    if not valid:
        raise InvalidInputError(
            f"actual_percent: must be a percentage between 0 and 100, got {actual_percent!r}"
        )
    period = slo.time_window.seconds if period_seconds is None else period_seconds
    total_minutes = slo.budget_fraction * period / 60
    consumed = (Decimal(100) - actual) / (Decimal(100) - slo.target)
    burn = consumed  # over the whole period, the burn rate is the share consumed
    tte = _core.time_to_exhaustion(float(1 - consumed), float(burn), float(period))
    return BudgetFigures(
        slo_id=slo.id,
        target=float(slo.target),
        period_seconds=period,
        sli_percent=float(actual),
        total_minutes=float(total_minutes),
        total_events=None,
        consumed_minutes=float(consumed * total_minutes),
        remaining_minutes=float((1 - consumed) * total_minutes),
        consumption_percentage=float(consumed * 100),
        remaining_budget=float((1 - consumed) * 100),
        burn_rate=float(burn),
        status=BudgetLevels.of(slo).status(consumed),
        time_to_exhaustion_hours=None if tte is None else tte / 3600,
    )


def from_snapshot(
    slo: SLO, snap: Snapshot, period_window: int, burn_window: int, budget_seconds: int
) -> BudgetFigures:
    """Budget figures from the period's reading (`period_window`: the window so far, a
    calendar month to date), with the budget of `budget_seconds` (the whole window's real
    length) and time to exhaustion at the burn rate of `burn_window` (the shortest alert
    long window)."""
    period = budget_seconds
    reading = snap.readings[period_window]
    hour_burn = snap.readings[burn_window].burn_rate(slo)
    if reading.total is not None and reading.good is not None:
        b = period_budget(slo, period, reading.good, reading.total, hour_burn)
        has_data = reading.total > 0
    else:  # a percent-query SLI: budget from the SLI alone, no event counts
        has_data = reading.sli_percent is not None
        sli = Decimal(100) if reading.sli_percent is None else to_decimal(reading.sli_percent)
        b = budget_from_sli(slo, period, sli, hour_burn)
    return BudgetFigures(
        slo_id=slo.id,
        target=float(slo.target),
        period_seconds=period,
        sli_percent=reading.sli_percent,
        total_minutes=b.total_minutes,
        total_events=b.total_events if has_data and reading.total is not None else None,
        consumed_minutes=b.consumed_minutes,
        remaining_minutes=b.remaining_minutes,
        consumption_percentage=b.consumed_fraction * 100,
        remaining_budget=b.remaining_fraction * 100,
        # Over the whole window the burn rate is the share of the budget consumed.
        burn_rate=b.consumed_fraction,
        # No traffic is "no data", never a healthy-looking 100 % budget.
        status=b.status if has_data else "no-data",
        time_to_exhaustion_hours=b.time_to_exhaustion_hours,
        events=reading.total,
    )
