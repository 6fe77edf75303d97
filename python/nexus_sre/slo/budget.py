"""One SLO's error budget from its period's good and total events (the core's arithmetic)."""

from __future__ import annotations

from .. import _core
from ..config import SLO
from .evaluation import ErrorBudget


def error_budget(
    slo: SLO, period_seconds: int, good: int, total: int, hour_burn: float
) -> ErrorBudget:
    """The budget over `period_seconds`; time to exhaustion at `hour_burn` (the burn rate
    over the shortest alert long window)."""
    b = _core.error_budget(float(slo.target), float(period_seconds), good, total)
    tte = _core.time_to_exhaustion(b.remaining_fraction, hour_burn, float(period_seconds))
    return ErrorBudget(
        total_minutes=b.total_minutes,
        # bf * events as an exact decimal: 0.001 * 1001 is 1.001, not 1.0010000000000001.
        total_events=float(slo.budget_fraction * total) if b.has_data else None,
        consumed_fraction=b.consumed_fraction,
        remaining_fraction=b.remaining_fraction,
        consumed_minutes=b.consumed_minutes,
        remaining_minutes=b.remaining_minutes,
        status=b.status,
        time_to_exhaustion_hours=None if tte is None else tte / 3600.0,
    )
