"""Each recommendation rule fires on its condition, quotes the numbers, and not otherwise."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from nexus_sre.report.recommendations import (
    GENEROUS_CONSUMED_PERCENT,
    MIN_BUDGET_EVENTS,
    min_meaningful_events,
    tighter_target,
)


def _codes(report, slo=None):
    return [r["code"] for r in report["recommendations"] if slo is None or r["slo"] == slo]


def _one(report, code):
    found = [r for r in report["recommendations"] if r["code"] == code]
    assert len(found) == 1, report["recommendations"]
    return found[0]


def test_budget_exhausted_stops_releases(rf):
    good, total = 997_000, 1_000_000  # 3000 bad of 1000 allowed
    rec = _one(rf.build([rf.eval(good=good, total=total)]), "budget-exhausted")
    consumed = Decimal(total - good) / (Decimal("0.001") * total) * 100
    assert rec["type"] == "critical"
    assert f"consumed {consumed.normalize():f} %" in rec["description"]
    assert (rec["service"], rec["slo"]) == ("nexus-api", "api-availability")
    # What to do is the policy's (tests/policy): by default, a release freeze.
    policy = _one(rf.build([rf.eval(good=good, total=total)]), "policy")
    assert policy["type"] == "critical"
    assert any("Stop feature releases" in a for a in policy["actions"])


def test_page_alert_asks_for_post_mortem(rf):
    alerts = [rf.alert(peak=18.5), rf.alert(peak=22.75, hours=None, severity="critical")]
    rec = _one(rf.build([rf.eval(alerts=alerts)]), "fast-burn")
    assert rec["type"] == "critical"
    assert "peak burn rate 22.75" in rec["description"]
    assert f"fired {len(alerts)} page-severity" in rec["description"]
    assert "1 still firing" in rec["description"]
    policy = _one(rf.build([rf.eval(alerts=alerts)]), "policy")
    assert any("post-mortem" in a for a in policy["actions"])


def test_ticket_alert_is_a_slow_burn_not_a_post_mortem(rf):
    report = rf.build([rf.eval(alerts=[rf.alert("slow", severity="ticket", factor=6)])])
    assert "slow-burn" in _codes(report)
    assert "fast-burn" not in _codes(report)


@pytest.mark.parametrize(("good", "status"), [(999_200, "warning"), (999_050, "critical")])
def test_low_budget_slows_releases(rf, good, status):
    report = rf.build([rf.eval(good=good)])
    rec = _one(report, f"budget-{status}")
    assert rec["type"] == "warning"
    remaining_minutes = (1 - Decimal(1_000_000 - good) / 1000) * Decimal("43.2")
    assert f"{remaining_minutes.normalize():f} minutes left" in rec["description"]
    assert "budget-exhausted" not in _codes(report)


def test_generous_margin_suggests_tightening(rf):
    # 99 % target, 99.97 % actual: 3 % of the budget used; 99.95 % would still have held.
    ev = rf.eval(target="99", good=999_700, total=1_000_000, sli_type="latency")
    rec = _one(rf.build([ev]), "target-too-loose")
    consumed = Decimal(300) / Decimal(10_000) * 100
    assert consumed < GENEROUS_CONSUMED_PERCENT
    assert rec["type"] == "info"
    assert f"used only {consumed.normalize():f} %" in rec["description"]
    assert "99.95 %" in rec["description"]
    assert any("chaos" in a for a in rec["actions"])


def test_generous_margin_needs_a_quiet_period(rf):
    ev = rf.eval(target="99", good=999_700, total=1_000_000, alerts=[rf.alert()])
    assert "target-too-loose" not in _codes(rf.build([ev]))


def test_margin_at_threshold_is_not_generous(rf):
    # Exactly 10 % consumed: not "less than 10 %".
    ev = rf.eval(target="99", good=999_000, total=1_000_000)
    assert "target-too-loose" not in _codes(rf.build([ev]))


@pytest.mark.parametrize("target", ["99", "99.9", "99.95", "99.5"])
def test_min_meaningful_events(target):
    fraction = (100 - Decimal(target)) / 100
    expected = math.ceil(Decimal(MIN_BUDGET_EVENTS) / fraction)
    assert min_meaningful_events(float(target)) == expected
    # At that many events the budget allows at least 10 bad ones; one fewer allows fewer.
    assert expected * fraction >= MIN_BUDGET_EVENTS > (expected - 1) * fraction


def test_low_traffic(rf):
    needed = min_meaningful_events(99.9)
    few = rf.build([rf.eval(good=needed - 1, total=needed - 1)])
    rec = _one(few, "low-traffic")
    assert rec["type"] == "info"
    assert f"at least {needed}" in rec["description"]
    assert "target-too-loose" not in _codes(few)  # no conclusion from too few events
    enough = rf.build([rf.eval(good=needed, total=needed)])
    assert "low-traffic" not in _codes(enough)


def test_low_traffic_below_configured_min_events_is_a_warning(rf):
    rec = _one(rf.build([rf.eval(good=50_000, total=50_000, min_events=100_000)]), "low-traffic")
    assert rec["type"] == "warning"
    assert "at least 100000" in rec["description"]


def test_exhaustion_forecast(rf):
    assert "exhaustion-forecast" in _codes(rf.build([rf.eval(tte_hours=30.5)]))
    rec = _one(rf.build([rf.eval(tte_hours=30.5)]), "exhaustion-forecast")
    assert "30.5 hours" in rec["description"]
    assert "exhaustion-forecast" not in _codes(rf.build([rf.eval(tte_hours=500)]))


def test_noisy_alert(rf):
    alerts = [rf.alert("slow", severity="ticket", factor=6) for _ in range(5)]
    rec = _one(rf.build([rf.eval(alerts=alerts)]), "noisy-alert")
    assert "5 times" in rec["description"]
    assert "noisy-alert" not in _codes(rf.build([rf.eval(alerts=alerts[:4])]))


def test_no_data(rf):
    report = rf.build([rf.eval(good=0, total=0), rf.eval(slo_id="b")])
    rec = _one(report, "no-data")
    assert rec["slo"] == "api-availability"
    assert "no-data-at-all" not in _codes(report)
    everything_dark = rf.build([rf.eval(good=0, total=0)])
    assert _one(everything_dark, "no-data-at-all")["type"] == "critical"


def test_missing_latency_slo_and_owner(rf):
    report = rf.build([rf.eval(owner=None), rf.eval(service="b", sli_type="latency")])
    rec = _one(report, "missing-latency-slo")
    assert (rec["service"], rec["slo"]) == ("nexus-api", None)
    assert _one(report, "no-owner")["service"] == "nexus-api"


def test_service_without_slos(rf):
    report = rf.build([rf.eval()], services_meta={"ghost": {"owner": "x"}})
    assert _one(report, "no-slos")["service"] == "ghost"


def test_ordered_by_type(rf, sample_evals):
    order = {"critical": 0, "warning": 1, "info": 2}
    types = [order[r["type"]] for r in rf.build(sample_evals)["recommendations"]]
    assert types == sorted(types)
    assert len(set(types)) == 3


def test_healthy_fleet_has_no_warnings(rf):
    report = rf.build([rf.eval(good=999_500), rf.eval(slo_id="lat", sli_type="latency")])
    assert all(r["type"] == "info" for r in report["recommendations"])


@pytest.mark.parametrize(
    ("target", "actual", "expected"),
    [(99, 99.97, "99.95"), (99.9, 99.95, "99.95"), (99.9, 99.92, None), (95, 99.5, "99.5")],
)
def test_tighter_target(target, actual, expected):
    got = tighter_target(target, actual)
    assert (None if got is None else str(got)) == expected
