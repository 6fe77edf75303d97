"""The backfill: SLO history and an alert backtest from request exports (Parquet, CSV) or any
Arrow data, aggregated by the Rust kernel.

- `backfill(config, data, ...) -> BackfillResult` and `backfill_partial(...) -> PartialState`
  (`state.merge(other)`, `finish(state, config)`): the same in pieces, for data spread over
  many machines (docs/backfill.md).
- `to_evaluations(result, config)`: reports over the whole range; over any period and from
  the written files: `nexus_sre.sources.backfill.BackfillSource`.

`nexus_sre.backfill` (the package attribute) is the *function* below: `nexus_sre/__init__`
binds it after importing this package. Import the package's modules with from-imports
(`from nexus_sre.backfill.engine import ...`). This module stays light (no numpy or pyarrow)
so binding the function costs nothing; everything else loads on first use.

The two functions' signatures are the one definition of the backfill's keywords, their
defaults and docs; they pack them into one `options.BackfillOptions`, which the engine and
every distributed task take.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config.model import Config
    from .columns import Columns
    from .result import BackfillResult
    from .state import PartialState

_LAZY = {
    "BackfillResult": "result",
    "BacktestAlert": "result",
    "SloSeries": "result",
    "Columns": "columns",
    "PartialState": "state",
    "finish": "engine",
    "evaluations_from_data": "evaluations",
    "to_evaluations": "evaluations",
}


def backfill(
    config: Config | str | os.PathLike[str],
    data: Any,
    *,
    columns: Columns | Mapping[str, Any] | None = None,
    start: datetime | str | float | None = None,
    end: datetime | str | float | None = None,
    bucket_seconds: int | None = None,
    skip_bad_rows: bool = False,
    progress: bool | None = None,
    engine: str = "local",
    client: Any = None,
    address: str | None = None,
    on_bad_file: str = "raise",
) -> BackfillResult:
    """SLO history and alert backtest over `data`: a Parquet file or dataset directory
    (hive partitions included), a CSV file, or any Arrow producer (pyarrow Table or
    RecordBatchReader, polars DataFrame, DuckDB relation).

    Columns and bucket width: the arguments, else the config's `backfill:` section, else
    the built-in defaults (`Columns()`, 60 s). A `Columns` replaces the config's mapping; a
    plain mapping such as `{"latency": "dur"}` overrides single fields of it.

    Past one machine: `engine="dask"` (with `client=distributed.Client(...)` or
    `address="tcp://scheduler:8786"`) or `engine="ray"` (`address=` or a running
    `ray.init`) split a path, glob or list of files into tasks by file and row group,
    aggregate them on the workers and merge their states: the same result, exactly.
    `on_bad_file="skip"` leaves unreadable files out and lists them in `result.bad_files`
    (default: the backfill fails naming the file)."""
    from .engine import run_backfill
    from .options import BackfillOptions, as_config

    options = BackfillOptions(
        config=as_config(config),
        columns=columns,
        start=start,
        end=end,
        bucket_seconds=bucket_seconds,
        skip_bad_rows=skip_bad_rows,
        progress=progress,
        threads=None,
        on_bad_file=on_bad_file,
    )
    return run_backfill(data, options, engine=engine, client=client, address=address)


def backfill_partial(
    config: Config | str | os.PathLike[str],
    data: Any,
    *,
    columns: Columns | Mapping[str, Any] | None = None,
    start: datetime | str | float | None = None,
    end: datetime | str | float | None = None,
    bucket_seconds: int | None = None,
    skip_bad_rows: bool = False,
    progress: bool | None = None,
    threads: int | None = None,
) -> PartialState:
    """Aggregate `data` (a path, or any Arrow producer) into a mergeable state; finish it
    with `finish(state, config)`. `columns` and `bucket_seconds` default to the config's
    `backfill:` section. `threads`: the Rust kernel's (default: every core)."""
    from .engine import run_partial
    from .options import BackfillOptions, as_config

    options = BackfillOptions(
        config=as_config(config),
        columns=columns,
        start=start,
        end=end,
        bucket_seconds=bucket_seconds,
        skip_bad_rows=skip_bad_rows,
        progress=progress,
        threads=threads,
        on_bad_file="raise",
    )
    return run_partial(data, options)


def __getattr__(name: str) -> object:
    if name == "REASONS":  # the Rust kernel's skip reasons
        from .. import _core

        return tuple(_core.BACKFILL_REASONS)
    if name == "parse_failure_codes":
        from ..common.status_codes import parse_failure_codes

        return parse_failure_codes
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "REASONS",
    "BackfillResult",
    "BacktestAlert",
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
