"""End to end: rules deployed to a running Prometheus fire on an error burst, and the alert
reaches a webhook through Alertmanager; a broken rule file is rolled back."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from prom_harness import make_config, make_slo

from nexus_sre.config.model import BurnRateAlert
from nexus_sre.errors import BackendError
from nexus_sre.rules.deploy import DEFAULT_FILENAME, get_active_alerts, update_prometheus_rules

pytestmark = pytest.mark.prometheus


class Counters:
    """What the scraped app exposes: 20 requests a second, all good until `burst()`."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.burst_at: float | None = None
        self.lock = threading.Lock()

    def burst(self) -> None:
        with self.lock:
            self.burst_at = time.monotonic()

    def metrics(self) -> bytes:
        with self.lock:
            now = time.monotonic()
            total = int((now - self.start) * 20)
            healthy_until = self.burst_at if self.burst_at is not None else now
            good = int((healthy_until - self.start) * 20)
        labels = 'service="api",slo="availability"'
        return (
            f"nexus_sre_requests_total{{{labels}}} {total}\n"
            f"nexus_sre_requests_good_total{{{labels}}} {good}\n"
        ).encode()


def _slo_config():
    # A 1h SLO at 90 %: budget 0.1; "fast" fires above 2 x 0.1 = 0.2 over 20s and 5s.
    return make_config(
        [
            make_slo(
                target="90",
                period_s=3600,
                burn_rate=[
                    BurnRateAlert(
                        name="fast",
                        factor=Decimal(2),
                        long_window=20,
                        short_window=5,
                        severity="critical",
                    )
                ],
                budget_exhaustion=[],
                runbook_url="https://runbooks.example/api",
            )
        ]
    )


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_error_burst_fires_through_alertmanager_to_webhook(
    tmp_path: Path, start_prometheus, start_am, local_server
) -> None:
    counters = Counters()
    app = local_server(lambda m, p, b: (200, {"Content-Type": "text/plain"}, counters.metrics()))
    hooks: list[dict] = []

    def receive(method, path, body):
        if method == "POST":
            hooks.append(json.loads(body))
        return 200, {}, b""

    webhook = local_server(receive)
    am = start_am(
        {
            "route": {
                "receiver": "hook",
                "group_by": ["alertname"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            },
            "receivers": [{"name": "hook", "webhook_configs": [{"url": webhook.url}]}],
        }
    )
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    prom = start_prometheus(
        {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules_dir / "*.yml")],
            "scrape_configs": [
                {
                    "job_name": "app",
                    "static_configs": [{"targets": [app.url.removeprefix("http://")]}],
                }
            ],
            "alerting": {
                "alertmanagers": [
                    {"static_configs": [{"targets": [am.url.removeprefix("http://")]}]}
                ]
            },
        }
    )
    path = update_prometheus_rules(_slo_config(), rules_dir, prom.url)
    assert path == rules_dir / DEFAULT_FILENAME
    time.sleep(8)  # healthy traffic: nothing fires
    assert get_active_alerts(prometheus_url=prom.url) == []
    counters.burst()
    firing = _wait(
        lambda: get_active_alerts(prometheus_url=prom.url), 30, "the alert to fire in Prometheus"
    )
    assert [a.name for a in firing] == ["SLOBurnRateFast"]
    assert firing[0].labels["severity"] == "critical"
    in_am = _wait(
        lambda: get_active_alerts(alertmanager_url=am.url), 30, "the alert in Alertmanager"
    )
    assert in_am[0].labels["slo"] == "availability"
    hook = _wait(lambda: hooks, 30, "the webhook")
    alert = hook[0]["alerts"][0]
    assert alert["labels"]["alertname"] == "SLOBurnRateFast"
    assert alert["annotations"]["runbook_url"] == "https://runbooks.example/api"


def test_broken_rules_are_rolled_back(tmp_path: Path, start_prometheus) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    prom = start_prometheus(
        {"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules_dir / "*.yml")]}
    )
    good = update_prometheus_rules(_slo_config(), rules_dir, prom.url)
    before = good.read_bytes()
    broken = make_config(
        [
            make_slo(
                sli={
                    "type": "availability",
                    "good_query": "sum(rate(x[{{window}}])",  # unbalanced parenthesis
                    "total_query": "y",
                }
            )
        ]
    )
    with pytest.raises(BackendError, match="refused the reload") as err:
        update_prometheus_rules(broken, rules_dir, prom.url)
    assert "failed to reload config" in str(err.value)  # Prometheus's own message
    assert good.read_bytes() == before
    assert [p.name for p in rules_dir.iterdir()] == [DEFAULT_FILENAME]  # no temp files left
