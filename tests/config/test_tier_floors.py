"""Tier floors bind availability SLOs; allowBelowTier (global or per service) is honoured by
the library, SLOManager.register_slo included, and no message tells a Python caller to pass
a command-line flag."""

from __future__ import annotations

import pytest

from nexus_sre.config import load_config_text
from nexus_sre.errors import ConfigError

from .conftest import MINIMAL, issues_of

TIER0 = MINIMAL.replace("tier: tier-1", "tier: tier-0")


def test_a_latency_slo_below_the_floor_is_a_warning() -> None:
    text = TIER0.replace("type: availability", "type: latency\n          threshold: 100ms")
    config = load_config_text(text, "cfg.yaml")
    assert [str(w) for w in config.warnings] == [
        "cfg.yaml:7:17: services[0].slos[0].target: target 99.5 is below the tier-0 (critical) "
        "floor of 99.9; tier floors bind availability SLOs, so for a latency SLO this is a "
        "warning"
    ]


def test_a_ratio_slo_below_the_floor_is_a_warning() -> None:
    config = load_config_text(TIER0.replace("type: availability", "type: ratio"))
    assert config.warnings[0].severity == "warning"


def test_an_availability_slo_below_the_floor_is_an_error() -> None:
    (message,) = issues_of(TIER0)
    assert "set 'allowBelowTier: true' under global" in message
    assert "pass --allow-below-tier" not in message


def test_global_switch() -> None:
    text = TIER0.replace('version: "1.0"', 'version: "1.0"\nglobal: {allowBelowTier: true}')
    config = load_config_text(text)
    assert config.global_.allow_below_tier and config.services[0].allow_below_tier
    assert "(allowed by allowBelowTier)" in config.warnings[0].message


def test_per_service_switch_only_covers_its_service() -> None:
    text = TIER0.replace("    tier: tier-0", "    tier: tier-0\n    allowBelowTier: true")
    assert load_config_text(text).services[0].allow_below_tier
    other = text + (
        "  - name: web\n    tier: tier-0\n    slos:\n      - id: w\n        target: 99\n"
        "        sli: {type: availability}\n"
    )
    (message,) = issues_of(other)
    assert message.startswith("cfg.yaml:15:17: services[1].slos[0].target: target 99 is below")


def test_the_switch_is_a_boolean() -> None:
    text = TIER0.replace('version: "1.0"', 'version: "1.0"\nglobal: {allowBelowTier: "yes"}')
    assert any("global.allowBelowTier: expected true or false" in m for m in issues_of(text))


def test_register_slo_honours_the_managers_config() -> None:
    from nexus_sre import SLOManager

    slo = {"id": "x", "target": 99.0, "sli": {"type": "availability"}}
    strict = SLOManager(clock="manual", now=1_700_000_000)
    with pytest.raises(ConfigError) as info:
        strict.register_slo(slo, service="api", tier="tier-0")
    assert "--allow-below-tier" not in str(info.value).split("or use")[0]
    assert "allowBelowTier: true" in str(info.value)
    lenient = SLOManager(
        {
            "version": "1.0",
            "global": {"allowBelowTier": True},
            "services": [
                {
                    "name": "web",
                    "slos": [
                        {"id": "w", "target": 99, "sli": {"type": "latency", "threshold": "1s"}}
                    ],
                }
            ],
        },
        clock="manual",
        now=1_700_000_000,
    )
    assert lenient.register_slo(slo, service="api", tier="tier-0").id == "x"
