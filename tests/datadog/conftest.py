"""Fixtures of the Datadog tests: a fake Datadog API (tests/harness/fake_datadog.py), the
keys in the environment, and configs pointing at the fake."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_datadog import API_KEY, APP_KEY, FakeDatadog

from nexus_sre.config import Config, parse_config

GOOD = "sum:trace.http.request.hits{service:checkout,!http.status_class:5xx}.as_count()"
TOTAL = "sum:trace.http.request.hits{service:checkout}.as_count()"


@pytest.fixture
def fake() -> Iterator[FakeDatadog]:
    server = FakeDatadog()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def dd_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_API_KEY", API_KEY)
    monkeypatch.setenv("DD_APP_KEY", APP_KEY)


def checkout_slo() -> dict[str, Any]:
    return {
        "id": "checkout-availability",
        "target": 99.9,
        "timeWindow": "30d",
        "sli": {"type": "availability", "goodQuery": GOOD, "totalQuery": TOTAL},
        "alerting": {"runbookUrl": "https://runbooks.example/checkout"},
    }


def dd_config(url: str, *, slos: list[dict[str, Any]] | None = None, **datadog: Any) -> Config:
    slos = slos or [checkout_slo()]
    return parse_config(
        {
            "version": "1.0",
            "global": {
                "monitoringBackend": "datadog",
                "datadog": {"url": url, "timeout": 2, **datadog},
            },
            "services": [{"name": "checkout", "tier": "tier-2", "slos": slos}],
        }
    )
