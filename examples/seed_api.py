"""The seed README's TypeScript examples (@nexus/sre), translated to Python, one function
per example. `tests/live/test_seed_examples.py` runs every one of them against a real
Prometheus and Alertmanager.

Run them yourself against your own servers:

    PROMETHEUS_URL=http://localhost:9090 ALERTMANAGER_URL=http://localhost:9093 \\
    NEXUS_SRE_RULES_DIR=/etc/prometheus/rules python examples/seed_api.py

(Prometheus must load NEXUS_SRE_RULES_DIR in its rule_files and run with
--web.enable-lifecycle for the rule deployment to reload it.)
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from nexus_sre import PrometheusIntegration, SLOManager

# "Register an SLO": the seed's object, as written there.
API_AVAILABILITY_SLO: dict[str, Any] = {
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


def basic_usage(prometheus_url: str) -> tuple[SLOManager, Any]:
    """Basic Usage: a manager on the Prometheus backend, one SLO, a budget from an SLI."""
    slo_manager = SLOManager(
        monitoring_backend="prometheus",
        prometheus_url=prometheus_url,
        alerting_enabled=True,
        budget_calculation_interval=15,  # minutes
    )
    slo_manager.register_slo(API_AVAILABILITY_SLO)
    error_budget = slo_manager.calculate_error_budget("api-availability", 99.95)
    print(f"Error budget remaining: {error_budget.remaining_budget}")
    return slo_manager, error_budget


def understanding_error_budgets(slo_manager: SLOManager) -> Any:
    """Understanding Error Budgets: 99.9 % over 30 days allows 43.2 minutes of downtime;
    the budget now, read from Prometheus."""
    budget = slo_manager.get_error_budget("api-availability")
    print(f"Budget status: {budget.status}")
    print(f"Consumption: {budget.consumption_percentage}%")
    print(f"Burn rate: {budget.burn_rate}x")
    return budget


def prometheus_integration(
    prometheus_url: str, alertmanager_url: str, rules_dir: str
) -> tuple[float, dict[str, Any], Any]:
    """Prometheus Integration: an SLI from Prometheus, the alerting rules, their deployment."""
    slos = [API_AVAILABILITY_SLO]
    sli = API_AVAILABILITY_SLO["sli"]
    with PrometheusIntegration(
        prometheus_url=prometheus_url, alertmanager_url=alertmanager_url, rules_dir=rules_dir
    ) as prometheus:
        # Calculate SLI from Prometheus
        sli_value = prometheus.calculate_sli(sli, "5m")
        # Generate alerting rules
        alerting_rules = prometheus.generate_alerting_rules(slos)
        # Deploy rules to Prometheus
        deployed = prometheus.update_prometheus_rules(slos)
    print(f"SLI over 5m: {sli_value}%; {len(alerting_rules['groups'])} rule groups in {deployed}")
    return sli_value, alerting_rules, deployed


def alert_handling(slo_manager: SLOManager) -> tuple[list[Any], list[Any], Any]:
    """Alert Handling: check, list, resolve."""
    # Check for burn rate violations
    alerts = slo_manager.check_burn_rate_alerts("api-availability")
    # Get active alerts
    active_alerts = slo_manager.get_active_alerts("nexus-api")
    # Resolve an alert
    resolved = slo_manager.resolve_alert(active_alerts[0].id) if active_alerts else None
    return alerts, active_alerts, resolved


def alertmanager_alerts(prometheus_url: str, alertmanager_url: str) -> list[Any]:
    """The alerts the deployed rules sent to Alertmanager."""
    with PrometheusIntegration(prometheus_url, alertmanager_url) as prometheus:
        return prometheus.get_active_alerts()


def request_middleware() -> SLOManager:
    """Express.js Middleware: record each request's outcome and duration. In Python the
    ASGI/WSGI middleware (nexus_sre.middleware) does this; by hand it is one call."""
    slo_manager = SLOManager()
    slo_manager.register_slo({**API_AVAILABILITY_SLO, "sli": {"type": "availability"}})
    status_code, duration_ms = 200, 12.5
    slo_manager.record_request(
        "nexus-api", success=status_code < 500, duration_ms=duration_ms, timestamp=datetime.now(UTC)
    )
    return slo_manager


def error_boundary(slo_manager: SLOManager) -> bool:
    """React Error Boundary: a frontend error counts against the service's availability."""
    return slo_manager.record_error(
        "nexus-api",
        error="Cannot read properties of undefined (reading 'map')",
        component="at ProductList (ProductList.tsx:42)",
        timestamp=datetime.now(UTC),
    )


def main() -> None:
    prometheus_url = os.environ.get("PROMETHEUS_URL", "http://localhost:9090")
    alertmanager_url = os.environ.get("ALERTMANAGER_URL", "http://localhost:9093")
    rules_dir = os.environ.get("NEXUS_SRE_RULES_DIR", "rules")
    slo_manager, _ = basic_usage(prometheus_url)
    with slo_manager:
        understanding_error_budgets(slo_manager)
        prometheus_integration(prometheus_url, alertmanager_url, rules_dir)
        alerts, _active, _ = alert_handling(slo_manager)
        print(f"{len(alerts)} alert(s) firing: {', '.join(a.name for a in alerts) or 'none'}")
    print(f"{len(alertmanager_alerts(prometheus_url, alertmanager_url))} alert(s) in Alertmanager")
    with request_middleware() as local:
        error_boundary(local)
        print(f"local budget: {local.get_error_budget('api-availability').sli_percent}%")


if __name__ == "__main__":
    main()
