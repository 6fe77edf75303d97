"""nexus-sre: SLOs, error budgets and multi-window multi-burn-rate alerting, with a Rust core."""

from __future__ import annotations

from ._moved import install as _install_moved_paths
from .backfill import backfill, backfill_partial
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

# `nexus_sre.backfill` is the function (the package's modules are reached with from-imports).
_install_moved_paths()

# The public API beyond the errors, imported on first use so that `import nexus_sre` stays
# cheap and config tooling works even where the Rust extension is not built.
_LAZY = {
    "SLOManager": "live.manager",
    "BudgetFigures": "live.budget",
    "Alert": "live.alerts",
    "PrometheusIntegration": "live.prometheus_integration",
    "load_config": "config",
    "parse_config": "config",
    "Config": "config",
    "make_report": "report.make",
    "SloEvaluation": "slo.evaluation",
    "WindowedCounter": "_core",
    "ServiceRecorder": "_core",
    "BackfillResult": "backfill",
    "PartialState": "backfill",
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
    "PrometheusIntegration",
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
