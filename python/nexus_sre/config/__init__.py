"""SLO configuration: the validated model (work in progress; loader follows)."""

from __future__ import annotations

from .model import (
    SLI,
    SLO,
    Alerting,
    BudgetThreshold,
    BurnRateAlert,
    Config,
    Dashboards,
    GlobalSettings,
    PrometheusSettings,
    Service,
    TimeWindow,
)

__all__ = [
    "SLI",
    "SLO",
    "Alerting",
    "BudgetThreshold",
    "BurnRateAlert",
    "Config",
    "Dashboards",
    "GlobalSettings",
    "PrometheusSettings",
    "Service",
    "TimeWindow",
]
