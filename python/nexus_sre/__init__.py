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
]
