"""`nexus-sre datadog`: the exported objects (checked by the fake against the official
client's models), windows Datadog cannot take, and apply-then-apply changing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dd_validate import check_body
from fake_datadog import FakeDatadog

from conftest import GOOD, TOTAL, checkout_slo
from nexus_sre.cli import main
from nexus_sre.config import load_config
from nexus_sre.datadog.export import export, timeframe


def _config(tmp_path: Path, url: str, *slos: dict) -> Path:
    data = {
        "version": "1.0",
        "global": {"monitoringBackend": "datadog", "datadog": {"url": url, "timeout": 5}},
        "services": [
            {"name": "checkout", "tier": "tier-2", "slos": list(slos) or [checkout_slo()]}
        ],
    }
    path = tmp_path / "slos.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_export_writes_valid_objects_with_the_rules_factors(tmp_path, capsys) -> None:
    from datadog_api_client.v1.model.dashboard import Dashboard
    from datadog_api_client.v1.model.monitor import Monitor
    from datadog_api_client.v1.model.service_level_objective_request import (
        ServiceLevelObjectiveRequest,
    )

    path = _config(tmp_path, "http://127.0.0.1:9")
    assert main(["datadog", str(path), "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "ticket-3d" in err and "1h to 48h" in err  # the tier Datadog cannot take is named
    (slo,) = json.loads((tmp_path / "out/slos.json").read_text())
    check_body(slo, ServiceLevelObjectiveRequest)
    assert slo["query"] == {"numerator": GOOD, "denominator": TOTAL}
    assert slo["thresholds"] == [{"timeframe": "30d", "target": 99.9}]
    assert "nexus-sre-slo:checkout-availability" in slo["tags"]
    monitors = json.loads((tmp_path / "out/monitors.json").read_text())
    for m in monitors:
        check_body(m, Monitor)
    queries = [m["query"] for m in monitors]
    # The Workbook tiers of our Prometheus rules, same factors and windows.
    config = load_config(path)
    for a in config.slos().__next__()[1].alerting.burn_rate[:3]:
        assert any(f"> {a.factor}" in q and "burn_rate(" in q for q in queries), a
    assert (
        'burn_rate("${slo:checkout-availability}").over("30d").long_window("1h")'
        '.short_window("5m") > 14.4' in queries
    )
    assert 'error_budget("${slo:checkout-availability}").over("30d") > 75' in queries
    assert all("Runbook: https://runbooks.example/checkout" in m["message"] for m in monitors)
    board = json.loads((tmp_path / "out/dashboard.json").read_text())
    check_body(board, Dashboard)
    kinds = [w["definition"]["widgets"][0]["definition"]["type"] for w in board["widgets"]]
    assert kinds == ["slo", "slo_list", "timeseries", "manage_status"]


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("28d", r"\(28 days\) is not a Datadog SLO timeframe"),
        ({"calendar": "month"}, r"calendar month \(UTC\); Datadog.s SLO API takes rolling"),
    ],
)
def test_a_window_datadog_cannot_take_is_an_error_not_rounded(tmp_path, window, message) -> None:
    slo = {**checkout_slo(), "timeWindow": window, "alerting": {"burnRate": {}}}
    config = load_config(_config(tmp_path, "http://127.0.0.1:9", slo))
    with pytest.raises(Exception, match=message):
        export(config)
    assert main(["datadog", str(_config(tmp_path, "http://x", slo)), "-o", str(tmp_path)]) == 2


@pytest.mark.parametrize(("window", "tf"), [("7d", "7d"), ("30d", "30d"), ("90d", "90d")])
def test_datadog_timeframes_map_exactly(tmp_path, window, tf) -> None:
    config = load_config(_config(tmp_path, "http://x", {**checkout_slo(), "timeWindow": window}))
    assert timeframe(config.slo("checkout-availability")) == tf


def test_apply_then_apply_changes_nothing(fake: FakeDatadog, tmp_path, capsys) -> None:
    path = _config(tmp_path, fake.url)
    assert main(["datadog", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+ create slo checkout/checkout-availability" in out
    assert not fake.slos and not fake.monitors and not fake.dashboards  # dry run wrote nothing

    assert main(["datadog", str(path), "--apply"]) == 0
    capsys.readouterr()
    assert len(fake.slos) == 1 and len(fake.monitors) == 7 and len(fake.dashboards) == 1
    (slo_id,) = fake.slos
    assert all(slo_id in m["query"] for m in fake.monitors.values())
    (board,) = fake.dashboards.values()
    assert board["widgets"][0]["definition"]["widgets"][0]["definition"]["slo_id"] == slo_id
    writes = [op for _, op, _ in fake.requests if op.startswith(("create", "update"))]

    assert main(["datadog", str(path), "--apply"]) == 0
    out, err = capsys.readouterr()
    assert "+ " not in out and "~ " not in out and "0 change(s) made" in err
    assert [op for _, op, _ in fake.requests if op.startswith(("create", "update"))] == writes
    assert len(fake.slos) == 1 and len(fake.monitors) == 7 and len(fake.dashboards) == 1
    assert fake.rejected == []


def test_a_changed_target_updates_in_place_and_dry_run_shows_the_diff(
    fake, tmp_path, capsys
) -> None:
    assert main(["datadog", str(_config(tmp_path, fake.url)), "--apply"]) == 0
    (slo_id,) = fake.slos
    changed = {**checkout_slo(), "target": 99.5}
    path = _config(tmp_path, fake.url, changed)
    assert main(["datadog", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"~ update slo checkout/checkout-availability ({slo_id})" in out
    assert "thresholds[0].target: 99.9 -> 99.5" in out
    assert fake.slos[slo_id]["thresholds"][0]["target"] == 99.9
    assert main(["datadog", str(path), "--apply"]) == 0
    assert list(fake.slos) == [slo_id] and fake.slos[slo_id]["thresholds"][0]["target"] == 99.5


def test_an_slo_removed_from_the_config_is_reported_not_deleted(fake, tmp_path, capsys) -> None:
    other = {**checkout_slo(), "id": "checkout-latency"}
    assert (
        main(["datadog", str(_config(tmp_path, fake.url, checkout_slo(), other)), "--apply"]) == 0
    )
    capsys.readouterr()
    assert main(["datadog", str(_config(tmp_path, fake.url)), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "checkout checkout-latency" in out and "no longer in the config (left alone)" in out
    assert len(fake.slos) == 2


def test_apply_with_a_forbidden_key_names_the_variable(fake, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DD_APP_KEY", "revoked")
    assert main(["datadog", str(_config(tmp_path, fake.url)), "--apply"]) == 2
    assert "$DD_APP_KEY" in capsys.readouterr().err


def test_the_fake_refuses_what_the_real_api_refuses(fake) -> None:
    import httpx

    headers = {"DD-API-KEY": fake.api_key, "DD-APPLICATION-KEY": fake.app_key}
    body = {
        "name": "x",
        "type": "metric",
        "thresholds": [{"timeframe": "30d", "target": 99.9}],
        "query": {"numerator": "a", "denominator": "b"},
    }
    ok = httpx.post(f"{fake.url}/api/v1/slo", json=body, headers=headers)
    assert ok.status_code == 200
    for bad in (
        {**body, "unknown_field": 1},
        {**body, "thresholds": [{"timeframe": "30d", "target": "99.9"}]},
        {**body, "thresholds": [{"timeframe": "28d", "target": 99.9}]},
        {**body, "thresholds": [{"timeframe": "custom", "target": 99.9}]},
        {k: v for k, v in body.items() if k != "name"},
    ):
        assert httpx.post(f"{fake.url}/api/v1/slo", json=bad, headers=headers).status_code == 400
    q = httpx.get(
        f"{fake.url}/api/v1/query",
        params={"from": 1, "to": 2, "query": "x", "extra": 1},
        headers=headers,
    )
    assert q.status_code == 400 and "unknown parameter" in q.text
    q = httpx.get(
        f"{fake.url}/api/v1/query", params={"from": "soon", "to": 2, "query": "x"}, headers=headers
    )
    assert q.status_code == 400
    assert httpx.post(f"{fake.url}/api/v1/slo", json=body).status_code == 403


def test_the_fakes_metric_answers_are_valid_for_the_client(fake) -> None:
    """The reader decodes answers itself: the fake's must deserialize with the client's
    own MetricsQueryResponse model, type checks on."""
    import httpx
    from datadog_api_client.v1.model.metrics_query_response import MetricsQueryResponse

    fake.define(TOTAL, {1_779_999_960: 5.0, 1_780_000_020: 6.0})
    headers = {"DD-API-KEY": fake.api_key, "DD-APPLICATION-KEY": fake.app_key}
    params = {"from": 1_779_999_900, "to": 1_780_000_200, "query": f"{TOTAL}.rollup(sum, 60)"}
    answer = httpx.get(f"{fake.url}/api/v1/query", params=params, headers=headers).json()
    model = check_body(answer, MetricsQueryResponse)
    assert [list(p.value) for p in model.series[0].pointlist] == [
        [1_779_999_960_000.0, 5.0],
        [1_780_000_020_000.0, 6.0],
    ]
