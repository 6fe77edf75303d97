"""PrometheusIntegration against a real Prometheus: SLIs for every way of naming an SLO or
an SLI, with duration strings; rules; deployment with roll-back; alerts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prom_harness import Series, make_config, make_slo

from nexus_sre import BackendError, InvalidInputError, PrometheusIntegration, WindowError
from nexus_sre.config import SLI

pytestmark = pytest.mark.prometheus

STEP = 60
T_END = 1_700_006_400
N = 6 * 60


@pytest.fixture
def prom(start_prometheus):
    """Six hours of minute samples: 97 good and 3 bad requests a minute."""
    ok = Series("http_requests_total", {"job": "api", "code": "200"})
    err = Series("http_requests_total", {"job": "api", "code": "503"})
    for k in range(N):
        ts = T_END - (N - 1 - k) * STEP
        ok.samples.append((ts, 97.0 * k))
        err.samples.append((ts, 3.0 * k))
    return start_prometheus(history=[ok, err])


PERCENT = (
    'sum(rate(http_requests_total{code!~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100'
)
SEED = {
    "id": "api-availability",
    "service": "api",
    "tier": "tier-3",
    "target": 95,
    "sli": {"id": "api-success-rate", "type": "availability", "query": PERCENT},
}


def test_calculate_sli_from_every_form(prom) -> None:
    counters = {
        "type": "availability",
        "goodQuery": 'http_requests_total{code!~"5.."}',
        "totalQuery": "http_requests_total",
    }
    config = make_config(
        [
            make_slo(
                "by-id",
                sli={
                    "type": "availability",
                    "good_query": counters["goodQuery"],
                    "total_query": counters["totalQuery"],
                },
            )
        ]
    )
    with PrometheusIntegration(prom.url, config=config) as p:
        assert p.calculate_sli(SEED, "5m", at=T_END) == pytest.approx(97.0, rel=1e-12)
        assert p.calculate_sli(SEED["sli"], "5m", at=T_END) == pytest.approx(97.0, rel=1e-12)
        assert p.calculate_sli(SLI(type="availability", query=PERCENT), "1h", at=T_END) == (
            pytest.approx(97.0, rel=1e-12)
        )
        reading = p.sli_reading(counters, "1h", at=T_END)  # good/total: exact counts
        assert (reading.good, reading.total) == (97 * 60, 100 * 60)
        assert p.calculate_sli("by-id", 1800, at=T_END) == 97.0
        with pytest.raises(WindowError, match="window"):
            p.calculate_sli(SEED, "five minutes")
    with PrometheusIntegration(prom.url) as p, pytest.raises(InvalidInputError, match="config="):
        p.calculate_sli("by-id", "5m")


def test_rules_deploy_and_roll_back(tmp_path: Path, start_prometheus) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    prom = start_prometheus(
        {"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules_dir / "*.yml")]}
    )
    with PrometheusIntegration(prom.url, rules_dir=rules_dir) as p:
        doc = p.generate_alerting_rules([SEED])
        assert [g["name"] for g in doc["groups"]] == [
            f"nexus-sre-api-api-availability-{k}" for k in ("sli", "meta", "alerts")
        ]
        path = p.update_prometheus_rules([SEED])
        before = path.read_bytes()
        assert before.decode() == p.rules_yaml([SEED])
        broken = dict(SEED, sli={"type": "availability", "query": "sum(rate(x[5m])"})
        with pytest.raises(BackendError, match="refused the reload"):
            p.update_prometheus_rules([broken])
        assert path.read_bytes() == before
        assert p.get_active_alerts() == []  # from Prometheus: nothing has data to fire on
    with PrometheusIntegration(prom.url) as p, pytest.raises(InvalidInputError, match="rules_dir"):
        p.update_prometheus_rules([SEED])


def test_active_alerts_come_from_alertmanager(start_am) -> None:
    import httpx

    am = start_am({"route": {"receiver": "null"}, "receivers": [{"name": "null"}]})
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    alert = {
        "labels": {"alertname": "SLOBurnRatePage1h", "slo": "api-availability"},
        "annotations": {"sli_id": "api-success-rate"},
        "startsAt": now,
    }
    assert httpx.post(f"{am.url}/api/v2/alerts", json=[alert]).status_code == 200
    with PrometheusIntegration("http://127.0.0.1:9", alertmanager_url=am.url) as p:
        got = p.get_active_alerts()
    assert [(a.source, a.name, a.annotations["sli_id"]) for a in got] == [
        ("alertmanager", "SLOBurnRatePage1h", "api-success-rate")
    ]


def test_slos_must_be_a_collection() -> None:
    with PrometheusIntegration("http://127.0.0.1:9") as p:
        with pytest.raises(InvalidInputError, match="list of SLOs"):
            p.generate_alerting_rules(SEED)  # one object, not a list
        with pytest.raises(InvalidInputError, match="registered as tier-3, not tier-0"):
            p.generate_alerting_rules([SEED, dict(SEED, id="other", tier="tier-0")])
