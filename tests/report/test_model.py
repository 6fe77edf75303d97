"""The report model: figures checked against arithmetic done here, from the inputs."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from nexus_sre.errors import InvalidInputError
from nexus_sre.report import build_report, render
from nexus_sre.report.model import service_status


def _slos(report):
    return [s for svc in report["services"] for s in svc["slos"]]


def test_summary_counts_and_compliance(rf, sample_evals):
    report = rf.build(sample_evals)
    with_data = [e for e in sample_evals if e.total > 0]
    met = [e for e in with_data if e.good * 100 >= Decimal(str(e.target_percent)) * e.total]
    s = report["summary"]
    assert s["totalSLOs"] == len(sample_evals)
    assert s["slosWithData"] == len(with_data)
    assert s["slosWithoutData"] == len(sample_evals) - len(with_data)
    assert s["slosMeetingTarget"] == len(met)
    expected = (Decimal(100) * len(met) / len(with_data)).quantize(Decimal("0.01"))
    assert Decimal(str(s["overallCompliance"])) == expected
    assert s["alertsFired"] == sum(len(e.alerts) for e in sample_evals)


def test_compliance_is_null_when_no_slo_has_data(rf):
    report = rf.build([rf.eval(good=0, total=0), rf.eval(slo_id="b", good=0, total=0)])
    assert report["summary"]["overallCompliance"] is None
    assert report["summary"]["slosWithData"] == 0
    assert report["services"][0]["status"] == "no-data"


def test_compliance_ignores_no_data_slos(rf):
    # One met, one violated, one without data: 50 %, not 33.33 % or 66.67 %.
    evals = [
        rf.eval(slo_id="a", good=1000, total=1000),
        rf.eval(slo_id="b", good=900, total=1000),
        rf.eval(slo_id="c", good=0, total=0),
    ]
    assert rf.build(evals)["summary"]["overallCompliance"] == 50


def test_compliance_rounds_to_two_decimals(rf):
    evals = [rf.eval(slo_id=f"s{i}", good=1000, total=1000) for i in range(2)]
    evals.append(rf.eval(slo_id="bad", good=0, total=1000))
    got = rf.build(evals)["summary"]["overallCompliance"]
    assert got == float((Decimal(200) / 3).quantize(Decimal("0.01")))


def test_error_budget_figures(rf):
    target, good, total = "99.9", 999_250, 1_000_000
    report = rf.build([rf.eval(target=target, good=good, total=total)])
    b = _slos(report)[0]["errorBudget"]
    fraction = (100 - Decimal(target)) / 100
    minutes = Decimal(30 * 24 * 60) * fraction
    bad = total - good
    allowed = fraction * total
    consumed = Decimal(bad) / allowed
    assert Decimal(str(b["totalMinutes"])) == minutes
    assert Decimal(str(b["consumedMinutes"])) == (consumed * minutes).quantize(Decimal("0.001"))
    assert Decimal(str(b["remainingMinutes"])) == ((1 - consumed) * minutes).quantize(
        Decimal("0.001")
    )
    assert b["consumedEvents"] == bad
    assert Decimal(str(b["totalEvents"])) == allowed
    assert Decimal(str(b["remainingEvents"])) == allowed - bad
    assert Decimal(str(b["consumedPercent"])) == consumed * 100
    assert Decimal(str(b["remainingPercent"])) == (1 - consumed) * 100


def test_overspent_budget_goes_negative(rf):
    report = rf.build([rf.eval(target="99", good=97_000, total=100_000)])
    slo = _slos(report)[0]
    b = slo["errorBudget"]
    assert b["remainingEvents"] == 1000 - 3000
    assert b["consumedPercent"] == 300
    assert b["status"] == "exhausted"
    assert slo["targetMet"] is False and slo["status"] == "violated"


def test_no_data_slo_is_never_zero_or_hundred(rf):
    report = rf.build([rf.eval(good=0, total=0, series=rf.series(10))])
    slo = _slos(report)[0]
    assert slo["actualValue"] is None
    assert slo["targetMet"] is None
    assert slo["status"] == "no-data"
    b = slo["errorBudget"]
    assert b["status"] == "no-data"
    for key in ("consumedPercent", "remainingPercent", "consumedMinutes", "remainingMinutes"):
        assert b[key] is None, key
    assert b["totalMinutes"] == float(Decimal(30 * 24 * 60) * Decimal("0.001"))


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["healthy", "healthy"], "healthy"),
        (["healthy", "at-risk"], "at-risk"),
        (["at-risk", "violated", "healthy"], "violated"),
        (["no-data", "healthy"], "healthy"),
        (["no-data", "no-data"], "no-data"),
        ([], "no-data"),
    ],
)
def test_service_status_is_worst_slo_with_data(statuses, expected):
    assert service_status(statuses) == expected


def test_statuses_from_budget(rf):
    evals = [
        rf.eval(slo_id="ok", good=999_500, total=1_000_000),  # 50 % consumed
        rf.eval(slo_id="warn", good=999_200, total=1_000_000),  # 80 %
        rf.eval(slo_id="crit", good=999_050, total=1_000_000),  # 95 %
        rf.eval(slo_id="gone", good=998_000, total=1_000_000),  # 200 %
    ]
    by_id = {s["id"]: s for s in _slos(rf.build(evals))}
    assert by_id["ok"]["status"] == "healthy"
    assert by_id["warn"]["status"] == "at-risk"
    assert by_id["warn"]["errorBudget"]["status"] == "warning"
    assert by_id["crit"]["status"] == "at-risk"
    assert by_id["gone"]["status"] == "violated"


def test_services_at_risk_in_config_order(rf, sample_evals):
    report = rf.build(sample_evals)
    names = [svc["name"] for svc in report["services"]]
    assert names == list(dict.fromkeys(e.service for e in sample_evals))
    risky = [svc["name"] for svc in report["services"] if svc["status"] in ("at-risk", "violated")]
    assert report["summary"]["servicesAtRisk"] == risky
    assert "nexus-frontend" in risky


def test_alerts_are_objects(rf):
    alert = rf.alert(hours=3, peak=16.2)
    open_alert = rf.alert("slow", severity="ticket", hours=None, factor=6, peak=6.5)
    slo = _slos(rf.build([rf.eval(alerts=[open_alert, alert])]))[0]
    first, second = slo["alerts"]  # sorted by start time
    assert first["name"] == "fast" and second["name"] == "slow"
    assert first["start"] == alert.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["end"] == (alert.start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["peakBurnRate"] == 16.2 and first["factor"] == 14.4
    assert first["longWindow"] == "1h" and first["shortWindow"] == "5m"
    assert second["end"] is None


def test_thresholds_from_meta_and_fired_alerts(rf):
    ev = rf.eval(alerts=[rf.alert("burst", factor=30, severity="page")])
    meta = {
        "nexus-api": {
            "slos": {
                "api-availability": {
                    "burnRateAlerts": [
                        {"name": "fast", "factor": Decimal("14.4"), "severity": "page"},
                        {"name": "slow", "factor": Decimal("6"), "severity": "ticket"},
                    ]
                }
            }
        }
    }
    slo = _slos(rf.build([ev], services_meta=meta))[0]
    assert [(t["name"], t["factor"]) for t in slo["burnRateThresholds"]] == [
        ("burst", 30),
        ("fast", 14.4),
        ("slow", 6),
    ]


def test_meta_only_service_and_overrides(rf):
    meta = {"nexus-api": {"owner": "sre-team"}, "nexus-ghost": {"tier": "tier-2"}}
    report = rf.build([rf.eval()], services_meta=meta)
    api, ghost = report["services"]
    assert api["owner"] == "sre-team" and api["tier"] == "tier-0"
    assert ghost == {
        "name": "nexus-ghost",
        "tier": "tier-2",
        "owner": None,
        "status": "no-data",
        "slos": [],
    }


def test_deterministic_and_id_from_config_and_period(rf, sample_evals):
    a = render(rf.build(sample_evals), "json")
    b = render(rf.build(sample_evals), "json")
    assert a == b
    ids = {
        rf.build(sample_evals)["metadata"]["reportId"],
        rf.build(sample_evals, config_hash="sha256:other")["metadata"]["reportId"],
        rf.build(sample_evals, period_end=rf.end + timedelta(days=1))["metadata"]["reportId"],
    }
    assert len(ids) == 3


def test_generated_at_defaults_to_now(rf):
    from datetime import UTC

    before = datetime.now(UTC).replace(microsecond=0)
    got = rf.build([rf.eval()], generated_at=None)["metadata"]["generatedAt"]
    parsed = datetime.fromisoformat(got)
    assert before <= parsed <= datetime.now(UTC)


def test_rejects_naive_and_reversed_periods(rf):
    with pytest.raises(InvalidInputError, match="timezone"):
        rf.build([rf.eval()], period_start=datetime(2026, 11, 1))
    with pytest.raises(InvalidInputError, match="after"):
        rf.build([rf.eval()], period_start=rf.end, period_end=rf.start)


def test_no_float_artefacts(rf):
    # 1/3 and 0.1-style fractions make binary floats with long tails.
    evals = [
        rf.eval(slo_id="third", target="99.7", good=299_999, total=300_000),
        rf.eval(slo_id="tenth", target="99.99", good=9_999_997, total=10_000_000),
    ]
    evals[0] = type(evals[0])(
        **{**evals[0].__dict__, "burn_rates": {"1h": 0.1 + 0.2, "6h": 14.399999999999999}}
    )
    text = render(rf.build(evals, max_points=0), "json")
    assert not re.search(r"\d\.\d*(?:0{7,}|9{7,})\d", text), text
    assert "0.30000000000000004" not in text and '"1h": 0.3' in text


def test_series_downsampled_into_report(rf):
    n = 2_000
    report = rf.build([rf.eval(series=rf.series(n))], max_points=100)
    series = _slos(report)[0]["series"]
    assert len(series["timestamps"]) <= 100
    # The last point is the period's last bucket, so the chart ends where the data ends.
    assert series["timestamps"][-1] == rf.series(n).timestamps[-1].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert max(series["burnRate"]["1h"]) == 2.0
    assert (
        rf.build([rf.eval(series=rf.series(n))], max_points=0)["services"][0]["slos"][0]["series"]
        is None
    )


def test_json_round_trip(rf, sample_evals):
    report = rf.build(sample_evals)
    assert json.loads(render(report, "json")) == report


def test_build_report_signature_defaults(rf):
    report = build_report(
        [rf.eval()],
        source="prometheus",
        period_start=rf.start,
        period_end=rf.end,
        config_hash="h",
        services_meta=None,
    )
    assert report["metadata"]["source"] == "prometheus"
    assert report["metadata"]["period"] == {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-12-01T00:00:00Z",
    }
