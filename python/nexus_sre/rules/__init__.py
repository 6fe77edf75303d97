"""Prometheus rule generation: recording, metadata and alerting rules, promtool tests, cost."""

from __future__ import annotations

from .cost import Cost, cost
from .generate import SloRules, burn_alert_name, generate, rule_groups, slo_rules, threshold
from .output import FORMATS, render
from .promtool import promtool_tests

__all__ = [
    "FORMATS",
    "Cost",
    "SloRules",
    "burn_alert_name",
    "cost",
    "generate",
    "promtool_tests",
    "render",
    "rule_groups",
    "slo_rules",
    "threshold",
]
