"""The result of evaluating one SLO over a period: what reports, the CLI and the API read.

Sources (embedded, parquet, backfill, prometheus) produce per-bucket good/total series;
`nexus_sre.slo.evaluate.evaluate_series` turns them into `SloEvaluation`. Everything here is
plain data, so renderers never recompute figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy only for annotations: budgets and validate start without it
    import numpy as np


@dataclass(frozen=True)
class PeriodBudget:
    """The error budget of one SLO over an evaluated span (its window, or a shorter period).
    Not the core's `_core.ErrorBudget`, nor the manager's `BudgetFigures`."""

    total_minutes: float  # budget as bad minutes: (1 - target) * the span's length
    total_events: float | None  # budget as bad events: (1 - target) * events, None with no data
    consumed_fraction: float  # bad events / allowed bad events; may exceed 1
    remaining_fraction: float  # 1 - consumed, may be negative (overspent)
    consumed_minutes: float
    remaining_minutes: float
    status: str  # healthy | warning | critical | exhausted (over 100 %: target missed)
    time_to_exhaustion_hours: float | None  # at the current burn rate; None when not burning

    @property
    def consumed_percent(self) -> float:
        return self.consumed_fraction * 100.0

    @property
    def remaining_percent(self) -> float:
        return self.remaining_fraction * 100.0


@dataclass(frozen=True)
class FiredAlert:
    """An interval in which an alert fired (or is firing: `end` is None)."""

    name: str  # e.g. "page-1h" / "fast"
    severity: str
    kind: str  # "burn_rate" or "budget_exhaustion"
    start: datetime
    end: datetime | None
    peak_burn_rate: float | None
    factor: float | None  # the burn-rate threshold, for burn-rate alerts
    long_window_s: int | None = None
    short_window_s: int | None = None


@dataclass(frozen=True)
class PartialWindow:
    """An alert whose long window reached back before the data began at the period's start:
    it could not fire until `covered_from`, when its whole window is data."""

    alert: str
    long_window_s: int
    covered_from: datetime


@dataclass(frozen=True)
class ChartSeries:
    """Per-bucket series over the period, for charts; all of the same length. Lists or
    numpy arrays (the evaluator hands over the core's arrays without copying)."""

    timestamps: Sequence[datetime]  # the end of each bucket
    # Cumulative SLI since the SLI's span began (`window_start`); None (NaN) before any event.
    sli_percent: Sequence[float | None] | np.ndarray
    budget_remaining_percent: Sequence[float] | np.ndarray  # from 100 down (can go below 0)
    burn_rate: Mapping[str, Sequence[float] | np.ndarray]  # window label ("1h") -> burn rate


@dataclass(frozen=True)
class SloEvaluation:
    service: str
    tier: str
    owner: str | None
    slo_id: str
    slo_name: str
    sli_type: str
    target_percent: float
    period_start: datetime
    period_end: datetime
    good: int
    total: int
    sli_percent: float | None  # None when there was no traffic ("no data", never 0 or 100 %)
    budget: ErrorBudget
    burn_rates: dict[str, float]  # window label -> burn rate ending at period_end
    alerts: list[FiredAlert] = field(default_factory=list)
    series: ChartSeries | None = None
    min_events: int = 0  # below this many events the SLI is not meaningful
    # The SLI and budget cover [window_start, period_end) (None: the whole period); the
    # period before it is history (charts, alerts).
    window_start: datetime | None = None
    partial_windows: list[PartialWindow] = field(default_factory=list)

    @property
    def sli_start(self) -> datetime:
        return self.window_start or self.period_start

    @property
    def target_met(self) -> bool | None:
        """SLI >= target, decided exactly on the counts (the boundary of `slo.budget`)."""
        if self.total <= 0:
            return None
        target = Fraction(Decimal(repr(self.target_percent)))
        return Fraction(self.good) * 100 >= target * self.total

    @property
    def has_data(self) -> bool:
        return self.total > 0


# The names before the rename, kept for callers (`nexus_sre.slo.evaluation.ErrorBudget`).
ErrorBudget = PeriodBudget
Series = ChartSeries
