"""The Alertmanager configuration in docs/alerting.md, loaded into a real Alertmanager: the
generated alerts' labels route and inhibit as the guide says."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml
from doc_blocks import blocks

pytestmark = pytest.mark.prometheus

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "alerting.md"


def _config() -> dict:
    found = [b for b in blocks(GUIDE) if b.code.startswith("# file: alertmanager.yml")]
    assert len(found) == 1, "docs/alerting.md has one `# file: alertmanager.yml` block"
    return yaml.safe_load(found[0].code)


def _alert(name: str, severity: str, service: str, slo: str, **labels: str) -> dict:
    return {
        "labels": {
            "alertname": name,
            "severity": severity,
            "service": service,
            "slo": slo,
            "service_tier": "tier-0",
            **labels,
        },
        "annotations": {"summary": f"{service}/{slo}"},
    }


def test_pages_page_tickets_queue_and_higher_alerts_inhibit_lower(start_am) -> None:
    am = start_am(_config())
    sent = [
        _alert("SLOBurnRatePage1h", "critical", "nexus-api", "api-availability"),
        _alert("SLOBurnRateTicket1d", "warning", "nexus-api", "api-availability"),
        _alert("SLOBurnRateTicket1d", "warning", "nexus-search", "search-availability"),
        _alert("SLOErrorBudgetExhaustion", "critical", "nexus-api", "api-latency", threshold="100"),
        _alert("SLOErrorBudgetExhaustion", "critical", "nexus-api", "api-latency", threshold="90"),
        _alert("SLOErrorBudgetExhaustion", "info", "nexus-api", "api-latency", threshold="50"),
    ]
    httpx.post(f"{am.url}/api/v2/alerts", json=sent, timeout=10).raise_for_status()
    got = httpx.get(f"{am.url}/api/v2/alerts", timeout=10).json()
    seen = {
        (
            a["labels"]["alertname"],
            a["labels"]["service"],
            a["labels"].get("threshold", ""),
        ): (
            [r["name"] for r in a["receivers"]],
            a["status"]["state"],
        )
        for a in got
    }
    assert seen == {
        ("SLOBurnRatePage1h", "nexus-api", ""): (["oncall-pager"], "active"),
        ("SLOBurnRateTicket1d", "nexus-api", ""): (["team-tickets"], "suppressed"),
        ("SLOBurnRateTicket1d", "nexus-search", ""): (["team-tickets"], "active"),
        ("SLOErrorBudgetExhaustion", "nexus-api", "100"): (["oncall-pager"], "active"),
        ("SLOErrorBudgetExhaustion", "nexus-api", "90"): (["oncall-pager"], "suppressed"),
        ("SLOErrorBudgetExhaustion", "nexus-api", "50"): (["null"], "suppressed"),
    }
