"""Every example of examples/seed_api.py (the seed README's code, in Python) run against a
real Prometheus and Alertmanager. The API's traffic is backfilled: every 15 s, 499 good
requests and one 5xx, so the seed's query reads 99.8 % in every window, the budget of a
99.9 % SLO is 200 % consumed, and only the burn-rate tier with factor 1 (ticket-3d) fires."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType

import pytest
from prom_harness import Series

pytestmark = pytest.mark.prometheus

REPO = Path(__file__).resolve().parents[2]
STEP = 15
SLI = 100 * 499 / 500


def load_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_api", REPO / "examples" / "seed_api.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def stack(tmp_path: Path, start_prometheus, start_am):
    """Prometheus with 3 hours of the API's history (up to now), loading rules from a
    folder and sending alerts to Alertmanager."""
    end = int(time.time()) // STEP * STEP
    ok = Series("http_requests_total", {"job": "nexus-api", "code": "200"})
    err = Series("http_requests_total", {"job": "nexus-api", "code": "500"})
    for k, ts in enumerate(range(end - 3 * 3600, end + 1, STEP)):
        ok.samples.append((ts, 499.0 * k))
        err.samples.append((ts, 1.0 * k))
    am = start_am({"route": {"receiver": "null"}, "receivers": [{"name": "null"}]})
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    prom = start_prometheus(
        {
            "global": {"evaluation_interval": "1s"},
            "rule_files": [str(rules_dir / "*.yml")],
            "alerting": {
                "alertmanagers": [
                    {"static_configs": [{"targets": [am.url.removeprefix("http://")]}]}
                ]
            },
        },
        history=[ok, err],
        # The rules fire at once; alerts firing right after the reload that loads them are
        # dropped (Alertmanager is rediscovered after a reload) and resent after this delay.
        args=("--rules.alert.resend-delay=1s",),
    )
    return prom, am, rules_dir


def test_every_seed_example_runs(stack, capsys) -> None:
    prom, am, rules_dir = stack
    ex = load_examples()

    manager, budget = ex.basic_usage(prom.url)
    assert budget.remaining_budget == 50.0  # 99.95 % of a 99.9 % SLO spends half the budget
    assert manager.monitoring_backend == "prometheus"
    with manager:
        now = ex.understanding_error_budgets(manager)
        # increase() extrapolates and the manager rounds to whole events: with ~360k events
        # in the window the SLI may move by up to 100 x (0.5/good + 0.5/total) = 3e-4.
        assert now.sli_percent == pytest.approx(SLI, abs=3e-4)
        assert now.consumption_percentage == pytest.approx(200.0, rel=1e-3)
        assert now.burn_rate == pytest.approx(2.0, rel=1e-3)
        assert now.status == "exhausted"
        assert now.total_minutes == 43.2

        sli_value, rules, deployed = ex.prometheus_integration(prom.url, am.url, str(rules_dir))
        assert sli_value == pytest.approx(SLI, rel=1e-9)
        alert_rules = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
        assert alert_rules and all(
            r["annotations"]["sli_id"] == "api-success-rate" for r in alert_rules
        )
        assert deployed == rules_dir / "nexus-sre.rules.yml" and deployed.exists()

        alerts, active, resolved = ex.alert_handling(manager)
        assert {a.name for a in alerts} == {"ticket-3d", "budget-100"}
        assert {a.id for a in active} == {a.id for a in alerts}
        assert resolved is not None and resolved.resolved_at is not None
        assert len(manager.get_active_alerts("nexus-api")) == 1

    # The deployed rules fire in Prometheus and reach Alertmanager.
    deadline = time.monotonic() + 60
    in_am: list = []
    while time.monotonic() < deadline:
        in_am = ex.alertmanager_alerts(prom.url, am.url)
        if {a.name for a in in_am} >= {"SLOBurnRateTicket3d", "SLOErrorBudgetExhaustion"}:
            break
        time.sleep(0.5)
    names = {a.name for a in in_am}
    assert {"SLOBurnRateTicket3d", "SLOErrorBudgetExhaustion"} <= names, names
    assert not names & {"SLOBurnRatePage1h", "SLOBurnRatePage6h", "SLOBurnRateTicket1d"}
    assert all(a.source == "alertmanager" for a in in_am)
    assert all(a.labels["slo"] == "api-availability" for a in in_am)
    assert all(a.annotations["sli_id"] == "api-success-rate" for a in in_am)

    local = ex.request_middleware()
    with local:
        assert ex.error_boundary(local) is True
        b = local.get_error_budget("api-availability")
        assert (b.events, b.sli_percent) == (2, 50.0)  # one request, one browser error
    assert "Error budget remaining: 50.0" in capsys.readouterr().out


def test_main_runs_against_the_servers(stack, monkeypatch, capsys) -> None:
    prom, am, rules_dir = stack
    monkeypatch.setenv("PROMETHEUS_URL", prom.url)
    monkeypatch.setenv("ALERTMANAGER_URL", am.url)
    monkeypatch.setenv("NEXUS_SRE_RULES_DIR", str(rules_dir))
    load_examples().main()
    out = capsys.readouterr().out
    assert "Budget status: exhausted" in out
    assert "2 alert(s) firing: ticket-3d, budget-100" in out
