"""SLO configuration: load, validate and model a nexus-sre config file.

Public functions:

- `load_config(path, *, env=None, allow_below_tier_floor=False) -> Config`: read a YAML or
  JSON file.
- `load_config_text(text, source="<string>", ...) -> Config`: the same from text.
- `parse_config(data: dict, source="<dict>", ...) -> Config`: the same from plain data.
- `config_schema() -> dict`: the JSON Schema of the file format (schemas/config.schema.json).
- `workbook_burn_rates(period_seconds) -> list[BurnRateAlert]`: the SRE Workbook default
  alert tiers for an SLO period (used when an SLO has no `alerting.burnRate`).
- `tier_floor(tier) -> Decimal`: the minimum target of a service tier.

Every problem in a file is reported at once as `nexus_sre.errors.ConfigError`, whose `issues`
name the file, line, column, field path (`services[1].slos[0].target`) and what is wrong.
The model classes (`Config`, `Service`, `SLO`, ...) are in `model.py`; their attribute
names are fixed by docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from .defaults import workbook_burn_rates
from .model import (
    SLI,
    SLO,
    Alerting,
    BackfillColumns,
    BackfillSettings,
    BudgetThreshold,
    BurnRateAlert,
    Config,
    Dashboards,
    GlobalSettings,
    PrometheusSettings,
    Service,
    TimeWindow,
)
from .parse import load_config, load_config_text, parse_config
from .schema import config_schema
from .tiers import TIERS, tier_floor

__all__ = [
    "SLI",
    "SLO",
    "TIERS",
    "Alerting",
    "BackfillColumns",
    "BackfillSettings",
    "BudgetThreshold",
    "BurnRateAlert",
    "Config",
    "Dashboards",
    "GlobalSettings",
    "PrometheusSettings",
    "Service",
    "TimeWindow",
    "config_schema",
    "load_config",
    "load_config_text",
    "parse_config",
    "tier_floor",
    "workbook_burn_rates",
]
