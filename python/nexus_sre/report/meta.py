"""`services_meta` for `build_report`, taken from a loaded config.

Duck-typed on the config model's attribute names (docs/ARCHITECTURE.md), so the report
package does not import the config package.
"""

from __future__ import annotations

from typing import Any


def services_meta_from_config(config: Any) -> dict[str, dict[str, Any]]:
    """{service: {"tier", "owner", "slos": {slo_id: {"burnRateAlerts": [...]}}}}."""
    meta: dict[str, dict[str, Any]] = {}
    for service in config.services:
        slos: dict[str, Any] = {}
        for slo in service.slos:
            alerting = getattr(slo, "alerting", None)
            rules = getattr(alerting, "burn_rate", None) or []
            slos[slo.id] = {
                "burnRateAlerts": [
                    {"name": r.name, "factor": r.factor, "severity": r.severity} for r in rules
                ],
                "policy": getattr(slo, "policy", None),
            }
        meta[service.name] = {"tier": service.tier, "owner": service.owner, "slos": slos}
    return meta
