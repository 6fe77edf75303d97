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
    UnknownAlertError,
    UnknownSLOError,
    WindowError,
)

__version__ = "0.1.0"

# The public API beyond the errors, imported on first use so that `import nexus_sre` stays
# cheap and config tooling works even where the Rust extension is not built.
_LAZY = {
    "SLOManager": "manager",
    "BudgetFigures": "manager",
    "Alert": "alerts",
    "load_config": "config",
    "parse_config": "config",
    "Config": "config",
    "make_report": "reporting",
    "SloEvaluation": "evaluation",
    "WindowedCounter": "_core",
    "ServiceRecorder": "_core",
    "backfill": "backfill",
    "backfill_partial": "backfill",
    "BackfillResult": "bulk",
    "PartialState": "bulk",
    "BackfillSource": "sources.backfill",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'nexus_sre' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Alert",
    "ArrowTypeError",
    "BackendError",
    "BackfillResult",
    "BackfillSource",
    "BudgetFigures",
    "Config",
    "ConfigError",
    "ConfigIssue",
    "DataError",
    "InvalidInputError",
    "NoDataError",
    "PartialState",
    "QueryError",
    "SLOManager",
    "ServiceRecorder",
    "SloError",
    "SloEvaluation",
    "UnknownAlertError",
    "UnknownSLOError",
    "WindowError",
    "WindowedCounter",
    "__version__",
    "backfill",
    "backfill_partial",
    "load_config",
    "make_report",
    "parse_config",
]
