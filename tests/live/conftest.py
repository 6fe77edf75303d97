from __future__ import annotations

from typing import Any

import pytest

from nexus_sre.live.manager import SLOManager

DAY = 86400
# A fixed "now" well past the epoch, on a whole hour.
NOW = 1_700_000_000 - (1_700_000_000 % 3600)


def config_dict(**slo_overrides: Any) -> dict[str, Any]:
    availability = {
        "id": "api-availability",
        "name": "API Availability",
        "target": 99.9,
        "timeWindow": "30d",
        "sli": {"type": "availability"},
    }
    availability.update(slo_overrides)
    return {
        "version": "1.0",
        "global": {"monitoringBackend": "embedded"},
        "services": [
            {
                "name": "api",
                "tier": "tier-2",
                "owner": "backend",
                "slos": [
                    availability,
                    {
                        "id": "api-latency",
                        "name": "API Latency",
                        "target": 99.0,
                        "timeWindow": "30d",
                        "sli": {"type": "latency", "threshold": "300ms"},
                    },
                ],
            }
        ],
    }


@pytest.fixture
def manager() -> SLOManager:
    return SLOManager(config_dict(), clock="manual", now=NOW)
