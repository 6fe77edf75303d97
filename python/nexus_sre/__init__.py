"""nexus-sre: SLOs, error budgets and multi-window multi-burn-rate alerting, with a Rust core."""

from __future__ import annotations

from .errors import (
    ArrowTypeError,
    BackendError,
    ConfigError,
    ConfigIssue,
    DataError,
    InvalidInputError,
    NoDataError,
    QueryError,
    SloError,
    UnknownSLOError,
    WindowError,
)

__version__ = "0.1.0"

__all__ = [
    "ArrowTypeError",
    "BackendError",
    "ConfigError",
    "ConfigIssue",
    "DataError",
    "InvalidInputError",
    "NoDataError",
    "QueryError",
    "SloError",
    "UnknownSLOError",
    "WindowError",
    "__version__",
    "backfill",
    "backfill_partial",
]

_BULK = {
    "backfill",
    "backfill_partial",
    "finish",
    "to_evaluations",
    "BackfillResult",
    "PartialState",
    "Columns",
}


def __getattr__(name: str) -> object:
    # Lazy: importing nexus_sre must not need the Rust extension or pyarrow.
    if name in _BULK:
        from . import bulk

        return getattr(bulk, name)
    raise AttributeError(f"module 'nexus_sre' has no attribute {name!r}")
