"""Generated rules: valid for promtool, promtool tests pass (and can fail), exact thresholds,
and no NaN with zero traffic on a real Prometheus."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import yaml
from prom_harness import Series, make_config, make_slo, promtool

from nexus_sre.config.model import BudgetThreshold, BurnRateAlert
from nexus_sre.rules import burn_alert_name, cost, generate, promtool_tests, render
from nexus_sre.rules.promtool import promtool_test_files
from nexus_sre.rules.sli import CounterSli, le_matcher, sli_queries

pytestmark = pytest.mark.prometheus

HIST = 'http_request_duration_seconds{job="api"}'


def _config():
    return make_config(
        [
            make_slo(min_events=100, runbook_url="https://runbooks.example/api"),
            make_slo("strict", target="99.95"),
            make_slo("loose", target="99", period_s=28 * 86400),
            make_slo(
                "latency",
                sli={"type": "latency", "query": HIST, "threshold_ms": 1000},
                burn_rate=[
                    BurnRateAlert(
                        name="fast",
                        factor=Decimal("10"),
                        long_window=3600,
                        short_window=300,
                        severity="critical",
                        for_duration=120,
                    )
                ],
            ),
            make_slo(
                "ratio",
                sli={
                    "type": "ratio",
                    "query": '(sum(rate(x{code!~"5.."}[5m])) / sum(rate(x[5m]))) * 100',
                },
            ),
            make_slo(
                "custom",
                sli={
                    "type": "availability",
                    "good_query": 'sum(rate(http_requests_total{code!~"5.."}[{{window}}]))',
                    "total_query": "http_requests_total",
                },
            ),
        ]
    )


def _write_all(tmp_path: Path, fmt: str = "prometheus") -> tuple[Path, list[Path]]:
    rules = generate(_config())
    rule_file = tmp_path / "slos.rules.yml"
    rule_file.write_text(render([g for r in rules for g in r.groups], fmt))
    files, _ = promtool_test_files(rules)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return rule_file, sorted(tmp_path / n for n in files if n.endswith(".test.yaml"))


def test_rule_file_passes_promtool_check(tmp_path: Path) -> None:
    rule_file, _ = _write_all(tmp_path)
    out = promtool("check", "rules", rule_file)
    assert out.returncode == 0, out.stdout + out.stderr
    groups = yaml.safe_load(rule_file.read_text())["groups"]
    n = sum(len(g["rules"]) for g in groups)
    assert f"SUCCESS: {n} rules found" in out.stdout


def test_prometheus_operator_resource_holds_the_same_groups(tmp_path: Path) -> None:
    rules = generate(_config())
    groups = [g for r in rules for g in r.groups]
    doc = yaml.safe_load(render(groups, "prometheus-operator", namespace="monitoring"))
    assert doc["apiVersion"] == "monitoring.coreos.com/v1"
    assert doc["kind"] == "PrometheusRule"
    assert doc["metadata"]["namespace"] == "monitoring"
    # the spec's groups are a valid rule file on their own
    plain = tmp_path / "from-operator.yml"
    plain.write_text(yaml.safe_dump({"groups": doc["spec"]["groups"]}))
    out = promtool("check", "rules", plain)
    assert out.returncode == 0, out.stdout + out.stderr
    assert doc["spec"]["groups"] == yaml.safe_load(render(groups))["groups"]


def test_generated_promtool_tests_pass(tmp_path: Path) -> None:
    _, tests = _write_all(tmp_path)
    # every SLI here reads concrete counters: the percent query decomposes into two, the
    # `{{window}}` template of one counter is read as one
    assert [p.stem.removesuffix(".test") for p in tests] == [
        f"api-{s}" for s in ("availability", "custom", "latency", "loose", "ratio", "strict")
    ]
    out = promtool("test", "rules", *tests)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    """Asking for a page one evaluation before it can fire must fail: the tests have teeth."""
    _, tests = _write_all(tmp_path)
    path = next(p for p in tests if p.stem == "api-loose.test")
    doc = yaml.safe_load(path.read_text())
    checks = doc["tests"][0]["alert_rule_test"]
    firing = next(c for c in checks if c["exp_alerts"])
    quiet = next(c for c in checks if c["alertname"] == firing["alertname"] and not c["exp_alerts"])
    quiet["exp_alerts"] = firing["exp_alerts"]
    path.write_text(yaml.safe_dump(doc))
    out = promtool("test", "rules", path)
    assert out.returncode != 0
    assert firing["alertname"] in out.stdout + out.stderr


def test_fire_times_follow_from_factor_budget_and_window() -> None:
    """99% over 28d: page-1h factor = 0.02*28d/1h = 13.44, threshold 0.1344; after a healthy
    stretch the 1h ratio passes it after 0.1344*3600 = 483.84 s of outage, i.e. at the 9th
    one-minute sample."""
    rules = generate(_config())
    loose = next(r for r in rules if r.slo.id == "loose")
    doc = promtool_tests(loose, "x.yml")
    assert doc is not None
    checks = {
        (c["alertname"], bool(c["exp_alerts"])): c["eval_time"]
        for c in doc["tests"][0]["alert_rule_test"]
    }
    healthy_minutes = 6 * 60 + 1
    assert checks[("SLOBurnRatePage1h", True)] == f"{healthy_minutes + 9}m"
    assert checks[("SLOBurnRatePage1h", False)] == f"{healthy_minutes + 7}m"


def _alert_exprs(service: str, slo: str) -> dict[str, str]:
    rules = generate(_config())
    r = next(x for x in rules if x.slo.id == slo)
    return {rule["alert"]: rule["expr"] for g in r.groups for rule in g["rules"] if "alert" in rule}


def test_thresholds_are_exact_decimals() -> None:
    # independent figures: factor (budget share x period / long window) x (100 - target) / 100
    cases = {
        "availability": {"SLOBurnRatePage1h": "0.0144", "SLOBurnRatePage6h": "0.006"},
        "strict": {"SLOBurnRatePage1h": "0.0072", "SLOBurnRateTicket1d": "0.0015"},
        "loose": {"SLOBurnRatePage1h": "0.1344", "SLOBurnRateTicket1d": "0.028"},
    }
    cfg = _config()
    for slo_id, expected in cases.items():
        exprs = _alert_exprs("api", slo_id)
        for alert in cfg.slo(slo_id).alerting.burn_rate:
            name = burn_alert_name(alert)
            limit = re.findall(r">= ([0-9.]+)", exprs[name])
            assert limit[0] == limit[1]  # long and short window share the threshold
            if name in expected:
                assert limit[0] == expected[name]


def test_budget_exhaustion_thresholds() -> None:
    cfg = make_config(
        [
            make_slo(
                budget_exhaustion=[
                    BudgetThreshold(percentage=Decimal("50"), severity="info"),
                    BudgetThreshold(percentage=Decimal("100"), severity="critical"),
                ]
            )
        ]
    )
    (r,) = generate(cfg)
    rules = [
        x for g in r.groups for x in g["rules"] if x.get("alert") == "SLOErrorBudgetExhaustion"
    ]
    assert [x["labels"]["threshold"] for x in rules] == ["50", "100"]
    assert rules[0]["expr"].endswith(">= 0.0005")
    assert rules[1]["expr"].endswith(">= 0.001")


def test_le_matcher_covers_prometheus_3_normalisation() -> None:
    assert le_matcher(Decimal("0.3")) == 'le="0.3"'
    assert le_matcher(Decimal("1")) == 'le=~"1|1\\\\.0"'
    assert le_matcher(Decimal("2.5")) == 'le="2.5"'


def test_min_events_guard_and_annotations() -> None:
    exprs = _alert_exprs("api", "availability")
    assert "nexus_sre:slo_events:increase1h" in exprs["SLOBurnRatePage1h"]
    assert ">= 100" in exprs["SLOBurnRatePage1h"]
    assert "slo_events" not in _alert_exprs("api", "strict")["SLOBurnRatePage1h"]


def test_cost_summary_counts_rules() -> None:
    rules = generate(_config())
    c = cost(rules)
    groups = [g for r in rules for g in r.groups]
    assert c.recording_rules == sum(1 for g in groups for x in g["rules"] if "record" in x)
    assert c.alerting_rules == sum(1 for g in groups for x in g["rules"] if "alert" in x)
    assert c.longest_window_s == 30 * 86400
    assert f"{c.recording_rules} recording rules" in c.summary()


# --- against a real Prometheus: exact ratios and zero traffic -------------------------------

T_END = 1_700_000_000 // 60 * 60  # a sample-aligned instant


def _history() -> tuple[list[Series], list[tuple[int, int, int]]]:
    """Per minute (ts, good increment, total increment) for 3 h: traffic with some errors,
    then the last 90 minutes without any traffic at all."""
    events = []
    for i in range(180):
        ts = T_END - (179 - i) * 60
        total = 0 if i >= 90 else 100 + (i * 37) % 50
        bad = 0 if total == 0 else (i * 13) % 7
        events.append((ts, total - bad, total))
    good_s = Series("nexus_sre_requests_good_total", {"service": "api", "slo": "availability"})
    total_s = Series("nexus_sre_requests_total", {"service": "api", "slo": "availability"})
    g = t = 5000
    for ts, dg, dt in events:
        g, t = g + dg, t + dt
        good_s.samples.append((ts, g))
        total_s.samples.append((ts, t))
    return [good_s, total_s], events


def _query(url: str, expr: str, at: int) -> list[dict]:
    r = httpx.get(f"{url}/api/v1/query", params={"query": expr, "time": at})
    r.raise_for_status()
    return r.json()["data"]["result"]


def test_zero_traffic_gives_zero_not_nan_and_ratios_are_event_weighted(start_prometheus) -> None:
    history, events = _history()
    prom = start_prometheus(history=history)
    q = sli_queries(*next(iter(make_config([make_slo()]).slos())))
    assert isinstance(q, CounterSli)
    # no traffic in the last 90 minutes: 0, never NaN, and exactly one series
    for w in (300, 1800, 3600):
        (res,) = _query(prom.url, q.error_ratio_expr(w), T_END)
        assert res["value"][1] == "0"
    # 90m window ending 60 minutes into the quiet stretch, starting on a sample: Prometheus 2
    # reads samples [at-90m, at] and increase() is the exact counter delta (no extrapolation)
    at = T_END - 60 * 60
    (res,) = _query(prom.url, q.error_ratio_expr(5400), at)
    inside = [e for e in events if at - 5400 < e[0] <= at]  # increments within the window
    bad = sum(t - g for _, g, t in inside)
    total = sum(t for _, _, t in inside)
    value = float(res["value"][1])
    assert not math.isnan(value)
    assert value == pytest.approx(bad / total, rel=1e-12)
    # a metric that does not exist reads as no data, not as a perfect SLI
    missing = CounterSli(
        good=q.good.replace("nexus_sre", "nope"), total=q.total.replace("nexus_sre", "nope")
    )
    assert _query(prom.url, missing.error_ratio_expr(3600), T_END) == []


def test_a_rate_expression_and_a_rate_counter_are_not_mixed_with_increase() -> None:
    """A good expression of rates beside a one-counter rate total (what a converted Sloth
    SLO gives): rewriting only the total to increase() divided a rate by an increase, and
    every alert fired from the first minute. Both stay as written."""
    from nexus_sre.rules.sli import CounterSli, sli_queries

    total = 'sum(rate(http_requests_total{job="checkout"}[{{window}}]))'
    bad = 'sum(rate(http_requests_total{job="checkout",code="500"}[{{window}}]))'
    good = f"({total}) - ({bad} or vector(0))"
    config = make_config(
        [make_slo(sli={"type": "ratio", "good_query": good, "total_query": total})]
    )
    service, slo = next(config.slos())
    q = sli_queries(service, slo)
    assert isinstance(q, CounterSli)
    assert "increase(" not in q.good_expr(300) + q.total_expr(300)
    assert "rate(" in q.good_expr(300) and "rate(" in q.total_expr(300)
