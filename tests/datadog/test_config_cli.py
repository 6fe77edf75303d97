"""The `global.datadog` config, the query-language checks of `validate`, and the commands
(`budgets`, `report --source datadog`) and `SLOManager(monitoring_backend="datadog")`
reading from the fake Datadog API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fake_datadog import minutes

from conftest import GOOD, TOTAL, checkout_slo
from nexus_sre import SLOManager
from nexus_sre.cli import main
from nexus_sre.config import load_config
from nexus_sre.errors import ConfigError

PROMQL = 'sum(increase(http_requests_total{job="checkout"}[{{window}}]))'


def _write(tmp_path: Path, backend: str, good: str, total: str, **datadog) -> Path:
    data = {
        "version": "1.0",
        "global": {"monitoringBackend": backend, "datadog": datadog or {"site": "datadoghq.eu"}},
        "services": [
            {
                "name": "checkout",
                "tier": "tier-2",
                "slos": [
                    {
                        **checkout_slo(),
                        "sli": {"type": "availability", "goodQuery": good, "totalQuery": total},
                    }
                ],
            }
        ],
    }
    if backend == "prometheus":
        data["global"]["prometheus"] = {"url": "http://127.0.0.1:9"}
    path = tmp_path / "slos.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_the_datadog_section_is_read_into_the_model(tmp_path) -> None:
    path = _write(
        tmp_path,
        "datadog",
        GOOD,
        TOTAL,
        site="us5.datadoghq.com",
        apiKeyEnv="K1",
        appKeyEnv="K2",
        url="https://dd-proxy.internal",
    )
    g = load_config(path).global_
    assert g.datadog is not None
    assert (g.datadog.site, g.datadog.api_key_env, g.datadog.app_key_env, g.datadog.url) == (
        "us5.datadoghq.com",
        "K1",
        "K2",
        "https://dd-proxy.internal",
    )


@pytest.mark.parametrize(
    ("datadog", "message"),
    [
        ({"site": "datadoghq.org"}, "Datadog site"),
        ({"apiKey": "abc"}, "unknown key 'apiKey'"),
        ({"apiKeyEnv": "not a name"}, "apiKeyEnv"),
    ],
)
def test_bad_datadog_settings_are_named(tmp_path, datadog, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, "datadog", GOOD, TOTAL, **datadog))


def test_a_datadog_query_in_a_prometheus_slo_is_an_error_naming_both(tmp_path, capsys) -> None:
    path = _write(tmp_path, "prometheus", GOOD, PROMQL)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sli.goodQuery" in err and GOOD in err
    assert "is a Datadog metric query, but global.monitoringBackend is prometheus" in err


def test_a_promql_query_in_a_datadog_slo_is_an_error_naming_both(tmp_path, capsys) -> None:
    path = _write(tmp_path, "datadog", GOOD, PROMQL)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sli.totalQuery" in err and "is PromQL, but global.monitoringBackend is datadog" in err
    assert "sli.goodQuery" not in err


def test_an_averaging_datadog_query_is_refused(tmp_path, capsys) -> None:
    path = _write(tmp_path, "datadog", GOOD, TOTAL.replace(".as_count()", ".rollup(avg, 60)"))
    assert main(["validate", str(path)]) == 2
    assert "leave out .rollup" in capsys.readouterr().err


def test_a_valid_datadog_config_validates(tmp_path) -> None:
    assert main(["validate", str(_write(tmp_path, "datadog", GOOD, TOTAL))]) == 0


END = 1_780_000_000 // 60 * 60


def _traffic(fake, bad_every: int = 10) -> tuple[int, int]:
    n = 30 * 1440
    start = END - n * 60
    total = [20.0] * n
    good = [20.0 if i % bad_every else 19.0 for i in range(n)]
    fake.define(TOTAL, minutes(start, total))
    fake.define(GOOD, minutes(start, good))
    return int(sum(good)), int(sum(total))


def test_budgets_and_report_read_from_datadog(fake, tmp_path, capsys) -> None:
    good, total = _traffic(fake)
    path = _write(tmp_path, "datadog", GOOD, TOTAL, url=fake.url)
    end = datetime.fromtimestamp(END, UTC).isoformat()
    assert main(["budgets", str(path), "--end", end, "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["slos"]
    assert row["events"] == total
    assert row["sli"] == pytest.approx(100 * good / total)
    # 1 bad in 200 against a 0.1 % budget: 5x the budget, consumed 500 %
    assert row["budgetConsumedPercent"] == pytest.approx(500.0)
    assert (
        main(["report", "--config", str(path), "--source", "datadog", "--end", end, "--exit-zero"])
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    (slo,) = report["services"][0]["slos"]
    assert slo["targetMet"] is False


def test_the_manager_reads_its_windows_from_datadog(fake, tmp_path) -> None:
    good, total = _traffic(fake)
    with SLOManager(_write(tmp_path, "datadog", GOOD, TOTAL, url=fake.url)) as m:
        b = m.get_error_budget("checkout-availability", at=END)
        assert b.events == total and b.sli_percent == pytest.approx(100 * good / total)
        assert b.consumption_percentage == pytest.approx(500.0)
        # 0.5 % errors is a 5x burn: the 6h (6x) tier does not fire, the 3d (1x) tier does
        firing = {a.name for a in m.check_burn_rate_alerts("checkout-availability", at=END)}
    assert "ticket-3d" in firing and "page-1h" not in firing and "page-6h" not in firing


def test_the_manager_with_no_datadog_data_reports_no_data(fake, tmp_path) -> None:
    with SLOManager(_write(tmp_path, "datadog", GOOD, TOTAL, url=fake.url)) as m:
        b = m.get_error_budget("checkout-availability", at=END)
    assert b.status == "no-data" and b.sli_percent is None
