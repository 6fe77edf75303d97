"""The result of evaluating one SLO over a period: what reports, the CLI and the API read.

Sources (embedded, parquet, prometheus) produce per-bucket good/total series; `evaluate`
(in `manager.py`) turns them into `SloEvaluation` with the Rust core's math. Everything
here is plain data, so renderers never recompute figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy only for annotations: budgets and validate start without it
    import numpy as np


@dataclass(frozen=True)
class ErrorBudget:
    """The error budget of one SLO over its period."""

    total_minutes: float  # budget as bad minutes: (1 - target) * period
    total_events: float | None  # budget as bad events: (1 - target) * events, None with no data
    consumed_fraction: float  # bad events / allowed bad events; may exceed 1
    remaining_fraction: float  # 1 - consumed, may be negative (overspent)
    consumed_minutes: float
    remaining_minutes: float
    status: str  # healthy | warning | critical | exhausted
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
class Series:
    """Per-bucket series over the period, for charts; all of the same length. Lists or
    numpy arrays (the evaluator hands over the core's arrays without copying)."""

    timestamps: Sequence[datetime]  # the end of each bucket
    # Cumulative SLI since period start; None (or NaN in arrays) before any event.
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
    series: Series | None = None
    min_events: int = 0  # below this many events the SLI is not meaningful

    @property
    def target_met(self) -> bool | None:
        if self.sli_percent is None:
            return None
        return self.sli_percent >= self.target_percent

    @property
    def has_data(self) -> bool:
        return self.total > 0
