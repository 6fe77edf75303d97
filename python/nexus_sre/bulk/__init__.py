"""Bulk backfill over Parquet exports and any Arrow data: SLO history and alert backtest.

- `backfill(config, data, *, columns=Columns(...), start=None, end=None, bucket_seconds=60,
  skip_bad_rows=False) -> BackfillResult`
- `backfill_partial(...) -> PartialState`; `state.merge(other)`; `finish(state, config)`:
  the same in pieces, for data spread over many machines (docs/backfill.md).
- `to_evaluations(result, config) -> list[SloEvaluation]`: for reports over the whole range;
  over any period, and from the written files: `nexus_sre.sources.backfill.BackfillSource`.
"""

from __future__ import annotations

from ..status_codes import parse_failure_codes
from .columns import Columns
from .engine import PartialState, backfill, backfill_partial, finish, reasons
from .evaluations import evaluations_from_data, to_evaluations
from .result import Alert, BackfillResult, SloSeries


def __getattr__(name: str) -> object:
    # REASONS comes from the Rust kernel on first use (importing bulk needs no extension).
    if name == "REASONS":
        return reasons()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REASONS",
    "Alert",
    "BackfillResult",
    "Columns",
    "PartialState",
    "SloSeries",
    "backfill",
    "backfill_partial",
    "evaluations_from_data",
    "finish",
    "parse_failure_codes",
    "to_evaluations",
]
