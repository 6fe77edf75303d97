"""Type stub of `nexus_sre._core`, the PyO3 binding of the Rust core (rust/nexus-sre-py).

Hand-written; `scripts/stubtest.sh` checks it against the built extension. Errors are the
classes of `nexus_sre.errors`: `InvalidInputError` (also a `ValueError`) for bad arguments,
`WindowError` for bad windows, `ArrowTypeError` for Arrow data of the wrong type or shape,
`DataError` and `BadRowError` for bad backfill input.
"""

import os
from pathlib import Path
from typing import Any, Literal, final

import pyarrow as pa

__all__ = [
    "BACKFILL_REASONS",
    "BURN_TOLERANCE",
    "VALID_TIME_RANGE",
    "WORKBOOK_TIERS",
    "BackfillAggregator",
    "ErrorBudget",
    "ServiceRecorder",
    "WindowStats",
    "WindowedCounter",
    "_empty_call",
    "backtest",
    "budget_fraction",
    "budget_spent",
    "budget_status",
    "burn_rate",
    "error_budget",
    "error_budget_from_sli",
    "evaluate_alerts",
    "parquet_layout",
    "promql_sli",
    "rolling_burn_rates",
    "time_to_exhaustion",
    "workbook_factor",
    "workbook_tiers",
]

_Thresholds = tuple[float, float, float]
_Tier = tuple[float, int, int]
_Status = Literal["healthy", "warning", "critical", "exhausted"]

@final
class WindowStats:
    """Good and total events over one window (compares equal on good and total)."""

    @property
    def good(self) -> int:
        """Good events in the window."""
    @property
    def total(self) -> int:
        """All events in the window."""
    @property
    def error_ratio(self) -> float:
        """Bad over total; 0.0 (never NaN) when the window saw no traffic."""
    @property
    def has_data(self) -> bool:
        """True when the window saw at least one event."""
    @property
    def bad(self) -> int:
        """total - good."""
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]

@final
class WindowedCounter:
    """Good/total event counts in fixed time buckets over a horizon (lock-free).

    `clock`: "system" (coarse wall clock), "event" (now is the newest event seen) or
    "manual" (now starts at `now` and moves with `set_time`).
    """

    def __new__(
        cls,
        bucket_seconds: int = 60,
        horizon_seconds: int = 2592000,
        future_skew_seconds: int = 60,
        clock: str = "system",
        now: float | None = None,
    ) -> WindowedCounter: ...
    @classmethod
    def open_shared(
        cls,
        path: str | os.PathLike[str],
        bucket_seconds: int = 60,
        horizon_seconds: int = 2592000,
        future_skew_seconds: int = 60,
        create: bool = True,
    ) -> tuple[WindowedCounter, bool]:
        """Open (or create) a counter whose ring is the memory-mapped file `path`, shared by
        every process that opens it; returns (counter, created). A damaged header or other
        settings raise InvalidInputError."""
    @property
    def path(self) -> Path | None:
        """The file behind a shared counter; None for an in-process one."""
    def cumulative(self) -> tuple[int, int]:
        """(good, total) ever recorded into the counter's ring: monotonic."""
    def add_cumulative(self, good: int, total: int) -> None:
        """Add to the cumulative totals only (restoring a snapshot)."""
    def record(self, good: bool, timestamp: float | None = None) -> bool:
        """Record one event now or at `timestamp` (epoch seconds); False when dropped."""
    def add(self, good: int, total: int, timestamp: float | None = None) -> bool:
        """Add `good` of `total` events at once; False when dropped."""
    def window(self, seconds: int, end: float | None = None) -> WindowStats:
        """Counts over the window `[end - seconds, end)` (default end: now)."""
    def windows(self, seconds: list[int], end: float | None = None) -> list[WindowStats]:
        """Several windows ending at the same time, in the order given."""
    def burn_rate(self, seconds: int, target: float, end: float | None = None) -> float:
        """Error ratio over the window divided by the budget fraction of `target` (percent)."""
    def series(self, start: float, end: float) -> pa.Table:
        """Per-bucket counts for buckets starting in [start, end), empty buckets included."""
    def to_arrow(self) -> pa.Table:
        """Every non-empty bucket: bucket_start (timestamp[s, UTC]), good, total (uint64)."""
    def load_arrow(self, data: Any) -> int:
        """Add bucket rows from any Arrow table/batch; returns events refused (too old/new)."""
    def merge(self, other: WindowedCounter) -> None:
        """Add another counter's buckets and dropped count to this one."""
    def set_time(self, now: float) -> None:
        """Set "now" (epoch seconds) of a counter created with clock="manual"."""
    def now(self) -> float:
        """The counter's "now" in epoch seconds."""
    @property
    def dropped(self) -> int:
        """Events refused as older than the horizon or beyond the future skew."""
    @property
    def bucket_seconds(self) -> int:
        """Width of one bucket in seconds."""
    @property
    def horizon_seconds(self) -> int:
        """How far back the counter keeps events, in seconds."""
    @property
    def future_skew_seconds(self) -> int:
        """How far ahead of now an event may be and still count, in seconds."""
    @property
    def clock(self) -> Literal["system", "event", "manual"]:
        """The clock kind."""

@final
class ServiceRecorder:
    """Feeds every SLO of one service from one call (the hot path)."""

    def __new__(cls, slos: list[tuple[WindowedCounter, float | None]]) -> ServiceRecorder:
        """`slos`: (counter, latency threshold in ms, or None for availability) per SLO."""
    def record(self, ok: bool, duration_ms: float) -> None:
        """Record one request now; a latency SLO counts it good iff duration <= threshold."""
    def record_at(self, ok: bool, duration_ms: float, timestamp: float) -> bool:
        """Record one request at `timestamp` (epoch seconds); False if any SLO dropped it."""
    def __len__(self) -> int:
        """Number of SLOs fed."""

@final
class ErrorBudget:
    """The error budget of one SLO over one period."""

    @property
    def budget_fraction(self) -> float:
        """Share of events allowed to be bad, 1 - target / 100 (exact decimal)."""
    @property
    def total_minutes(self) -> float:
        """Allowed bad time over the period, in minutes."""
    @property
    def total_events(self) -> float:
        """Allowed bad events (budget_fraction * total events)."""
    @property
    def bad_events(self) -> int:
        """Bad events counted (0 when built from an SLI)."""
    @property
    def consumed_fraction(self) -> float:
        """Share of the budget spent; above 1 when overspent."""
    @property
    def remaining_fraction(self) -> float:
        """1 - consumed_fraction."""
    @property
    def consumed_minutes(self) -> float:
        """consumed_fraction * total_minutes."""
    @property
    def remaining_minutes(self) -> float:
        """remaining_fraction * total_minutes."""
    @property
    def burn_rate(self) -> float:
        """Error ratio over the period divided by the budget fraction."""
    @property
    def status(self) -> _Status:
        """healthy, warning, critical or exhausted."""
    @property
    def has_data(self) -> bool:
        """False when built from counts with no traffic."""

def budget_fraction(target: float) -> float:
    """1 - target / 100 as the double nearest the decimal (99.9 -> 0.001 exactly)."""

def burn_rate(error_ratio: float, target: float) -> float:
    """error_ratio / budget_fraction(target)."""

def time_to_exhaustion(
    remaining_fraction: float, burn_rate: float, period_seconds: float
) -> float | None:
    """Seconds until the remaining budget is gone at `burn_rate`; None when not burning."""

def budget_spent(burn_rate: float, duration_seconds: float, period_seconds: float) -> float:
    """Share of the period's budget that `burn_rate` spends over `duration_seconds`."""

def error_budget(
    target: float,
    period_seconds: float,
    good: int,
    total: int,
    thresholds: _Thresholds = ...,
) -> ErrorBudget:
    """Budget figures from event counts.

    `thresholds`: consumed shares (warning, critical, exhausted), default (0.75, 0.9, 1.0).
    """

def error_budget_from_sli(
    target: float,
    period_seconds: float,
    actual_percent: float,
    thresholds: _Thresholds = ...,
) -> ErrorBudget:
    """Budget figures from an achieved SLI in percent."""

def budget_status(consumed_fraction: float, thresholds: _Thresholds = ...) -> _Status:
    """The status for a consumed share of the budget."""

def workbook_factor(budget_share: float, period_seconds: int, long_seconds: int) -> float:
    """Burn factor that spends `budget_share` of the budget over `long_seconds`."""

def workbook_tiers(period_seconds: int) -> list[_Tier]:
    """The SRE Workbook's four tiers for a period as (factor, long_seconds, short_seconds)."""

WORKBOOK_TIERS: tuple[tuple[str, str, int, int, str], ...]
"""The Workbook's tiers as data: (name, budget share as a decimal string such as "0.02",
long window s, short window s, severity); the one definition of them."""

BURN_TOLERANCE: float
"""Relative tolerance of a burn rate against a tier's factor (1e-9): a burn this close
below the factor fires, as 14.399999999999999 must fire a 14.4 tier."""

def evaluate_alerts(
    counter: WindowedCounter,
    target: float,
    tiers: list[_Tier],
    min_events: int = 0,
    end: float | None = None,
) -> list[tuple[bool, float, float, int, int]]:
    """Per tier: (firing, long_burn, short_burn, long_total, short_total) at `end`."""

def backtest(
    good: Any,
    total: Any,
    bucket_seconds: int,
    target: float,
    tiers: list[_Tier],
    min_events: int = 0,
) -> list[tuple[int, int, int, float]]:
    """Replay tiers over per-bucket arrays (Arrow or numpy).

    Returns (tier index, first firing bucket, end bucket exclusive, peak long-window burn).
    """

def rolling_burn_rates(
    good: Any, total: Any, window_buckets: list[int], target: float
) -> list[pa.Array]:
    """One float64 array of event-weighted burn rates per window (0 without traffic)."""

def _empty_call(_ok: bool, _duration_ms: float) -> None:
    """An empty function with ServiceRecorder.record's arguments (benchmark floor)."""

# Parquet reader of the backfill (rust/nexus-sre-py/src/parquet_io.rs)

def parquet_layout(path: str) -> tuple[list[str], list[int]] | None:
    """(column names, rows per row group) of a Parquet file if the built-in reader can
    decode it (codecs: none, snappy, zstd, lz4), else None."""

BACKFILL_REASONS: list[str]
"""Why the backfill kernel can skip a row, in its order (`BackfillAggregator.state`)."""

VALID_TIME_RANGE: tuple[int, int]
"""Epoch seconds [from, to) a request or bucket time may have: 1990-01-01..2200-01-01 UTC."""

@final
class BackfillAggregator:
    """Rows of request exports → per-SLO, per-bucket good/total (the backfill kernel).

    `slos`: (index into `services`, latency threshold in ms or None for availability).
    Exactly one of `success` (a bool column) and `status` (integer codes, failing when in
    one of the inclusive `failure_codes` ranges) names the outcome.
    """

    def __new__(
        cls,
        *,
        bucket_seconds: int,
        services: list[str],
        slos: list[tuple[int, float | None]],
        timestamp: str,
        service: str,
        success: str | None = None,
        status: str | None = None,
        failure_codes: list[tuple[int, int]] = ...,
        latency: str | None = None,
        latency_unit: str = "ms",
        count: str | None = None,
        epoch_unit: str = "s",
        start: int | None = None,
        end: int | None = None,
        skip_bad_rows: bool = False,
        threads: int = 2,
    ) -> BackfillAggregator: ...
    def push(
        self,
        batch: Any,
        *,
        source: str = "<batch>",
        batch_index: int = 0,
        first_row: int = 0,
        row_groups: list[int] | None = None,
    ) -> None:
        """Aggregate one record batch (anything with `__arrow_c_array__`) with the GIL
        released. The batch is number `batch_index` of `source`, starting at its row
        `first_row` (`row_groups`: rows per row group of a Parquet source); these name a bad
        row, which raises BadRowError (a missing or mistyped column: DataError)."""
    def push_parquet(
        self,
        path: str,
        columns: list[str],
        row_groups: list[int],
        *,
        threads: int = 2,
        batch_rows: int = 65536,
    ) -> None:
        """Decode row groups `row_groups` of a Parquet file in Rust (only `columns`) and
        aggregate them, on `threads` threads with the GIL released. A bad row raises
        BadRowError (file, row group, row); a file that cannot be read BadFileError."""
    def state(
        self,
    ) -> tuple[list[tuple[int, pa.Array, pa.Array]], int, int, list[tuple[str, int]]]:
        """([(first bucket, good, total) per SLO], rows read, rows outside start/end,
        [(reason, skipped rows)]); hands the state over and starts again from zero."""

def promql_sli(query: str) -> dict[str, Any]:
    """An SLI query taken apart by promql-parser: `shape` is "ratio", "bad_ratio", "counter"
    or None (then `reason`); see rust/nexus-sre-py/src/promql.rs. Invalid PromQL raises
    InvalidInputError."""
