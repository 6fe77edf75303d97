"""SLOManager as the seed README uses it: its SLO object, its constructor options, and the
manager-side behaviours of issue 13 (alerting switch, unknown services, tier-floor wording)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from nexus_sre import ConfigError, InvalidInputError, SLOManager, UnknownSLOError

from .conftest import NOW, config_dict

SEED_SLO: dict[str, Any] = {
    "id": "api-availability",
    "name": "API Availability",
    "service": "nexus-api",
    "tier": "tier-0",
    "target": 99.9,
    "timeWindow": "30d",
    "sli": {
        "id": "api-success-rate",
        "type": "availability",
        "query": 'sum(rate(http_requests_total{code!~"5.."}[5m])) / '
        "sum(rate(http_requests_total[5m])) * 100",
    },
}


def seed() -> dict[str, Any]:
    return copy.deepcopy(SEED_SLO)


def test_register_slo_accepts_the_seed_object_exactly() -> None:
    m = SLOManager(clock="manual", now=NOW)
    slo = m.register_slo(seed())
    service, found = m.find("api-availability")
    assert found is slo
    assert (service.name, service.tier) == ("nexus-api", "tier-0")
    assert slo.sli.id == "api-success-rate"
    assert slo.sli.query == SEED_SLO["sli"]["query"]
    # The service exists for recording, as with the keywords.
    assert m.record_request("nexus-api", True, 5.0, timestamp=NOW - 30)
    assert m.get_error_budget("api-availability").events == 1
    # The caller's dict is not changed.
    assert SEED_SLO["service"] == "nexus-api" and "tier" in SEED_SLO


def test_object_and_keywords_may_agree_but_not_conflict() -> None:
    m = SLOManager()
    m.register_slo(seed(), service="nexus-api", tier="tier-0")
    other = seed() | {"id": "api-availability-2"}
    with pytest.raises(InvalidInputError) as err:
        m.register_slo(other, service="nexus-web")
    assert "'nexus-api'" in str(err.value) and "'nexus-web'" in str(err.value)
    assert "service" in str(err.value)
    with pytest.raises(InvalidInputError, match=r"tier 'tier-0'.*'tier-1'"):
        m.register_slo(other, tier="tier-1")


def test_a_registered_service_keeps_its_tier() -> None:
    m = SLOManager()
    m.register_slo(seed())
    second = seed() | {"id": "api-latency", "sli": {"type": "latency", "threshold": "300ms"}}
    del second["tier"]
    m.register_slo(second)  # no tier given: the service's
    assert m.find("api-latency")[0].tier == "tier-0"
    third = seed() | {"id": "api-other", "tier": "tier-2"}
    with pytest.raises(InvalidInputError, match=r"registered as tier-0, not tier-2"):
        m.register_slo(third)


def test_sli_id_must_be_a_name() -> None:
    bad = seed()
    bad["sli"]["id"] = "has spaces"
    with pytest.raises(ConfigError, match=r"sli\.id"):
        SLOManager().register_slo(bad)


def test_python_callers_are_not_told_about_a_cli_flag() -> None:
    low = seed() | {"target": 99.0}  # tier-0's floor is 99.9
    with pytest.raises(ConfigError) as err:
        SLOManager().register_slo(low)
    text = str(err.value)
    assert "--allow-below-tier" not in text
    assert "below the tier-0" in text and "lower the service tier" in text
    assert err.value.issues[0].path == "target"  # relative to the object registered
    cfg = config_dict(target=90.0)  # tier-2's floor is 99.0
    with pytest.raises(ConfigError) as err2:
        SLOManager(cfg)
    assert "--allow-below-tier" not in str(err2.value)
    assert "below the tier-2" in str(err2.value)


@pytest.mark.parametrize("interval", [0, -1, 0.0, True, "15"])
def test_budget_interval_must_be_a_positive_number(interval: Any) -> None:
    with pytest.raises(InvalidInputError, match="budget_calculation_interval"):
        SLOManager(config_dict(), budget_calculation_interval=interval)


def test_budget_interval_drives_the_periodic_evaluation() -> None:
    m = SLOManager(config_dict(), budget_calculation_interval=0.5, clock="manual", now=NOW)
    assert m.budget_calculation_interval == 0.5
    m.store.counter("api-availability").add(90, 100, NOW - 60)
    m.start()
    try:
        for _ in range(200):
            if "api-availability" in m.last_budgets and m.get_active_alerts():
                break
            import time

            time.sleep(0.01)
    finally:
        m.stop()
    assert m.last_budgets["api-availability"].events == 100
    assert {a.name for a in m.get_active_alerts()} >= {"page-1h"}


def _outage(m: SLOManager) -> None:
    m.store.counter("api-availability").add(0, 100, NOW - 60)


def test_check_burn_rate_alerts_honours_alerting_disabled() -> None:
    on = SLOManager(config_dict(), clock="manual", now=NOW)
    off = SLOManager(config_dict(), clock="manual", now=NOW, alerting_enabled=False)
    heard: list[str] = []
    off.add_listener(lambda event, alert: heard.append(event))
    for m in (on, off):
        _outage(m)
    assert on.check_burn_rate_alerts("api-availability")  # the same data fires when enabled
    assert off.check_burn_rate_alerts("api-availability") == []
    assert off.get_active_alerts() == [] and heard == []
    # The switch from the config, too.
    cfg = config_dict()
    cfg["global"]["alertingEnabled"] = False
    from_config = SLOManager(cfg, clock="manual", now=NOW)
    _outage(from_config)
    assert from_config.check_burn_rate_alerts("api-availability") == []
    with pytest.raises(UnknownSLOError):  # an unknown SLO is still an error
        off.check_burn_rate_alerts("nope")


def test_active_alerts_of_an_unknown_service_is_an_error(manager: SLOManager) -> None:
    with pytest.raises(UnknownSLOError) as recording:
        manager.record_request("unknown-service", True)
    with pytest.raises(UnknownSLOError) as listing:
        manager.get_active_alerts("unknown-service")
    assert str(listing.value) == str(recording.value)
    assert re.search(r"unknown service 'unknown-service'; known: api", str(listing.value))
    assert manager.get_active_alerts("api") == []


def test_prometheus_backend_needs_a_url() -> None:
    with pytest.raises(InvalidInputError, match="prometheus_url"):
        SLOManager(monitoring_backend="prometheus")
    with pytest.raises(InvalidInputError, match="prometheus_url"):
        SLOManager(prometheus_url="http://127.0.0.1:9")  # embedded does not read it
    m = SLOManager(monitoring_backend="prometheus", prometheus_url="http://127.0.0.1:9")
    m.close()
