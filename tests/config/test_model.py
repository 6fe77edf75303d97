"""The validated model: defaults, exact figures, windows, lookups, the demo config."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nexus_sre.common.durations import format_duration
from nexus_sre.config import (
    TimeWindow,
    load_config,
    load_config_text,
    parse_config,
    tier_floor,
    workbook_burn_rates,
)
from nexus_sre.config.defaults import burn_rate_factor
from nexus_sre.errors import UnknownSLOError

from .conftest import MINIMAL


def test_workbook_factors_are_exact_for_30_and_28_days() -> None:
    thirty = [a.factor for a in workbook_burn_rates(30 * 86400)]
    assert thirty == [Decimal("14.4"), Decimal(6), Decimal(3), Decimal(1)]
    assert [str(f) for f in thirty] == ["14.4", "6", "3", "1"]
    eight = [a.factor for a in workbook_burn_rates(28 * 86400)]
    assert eight[:3] == [Decimal("13.44"), Decimal("5.6"), Decimal("2.8")]
    assert eight[3] * 3 == Decimal("2.8")  # 0.9333..., exact to Decimal precision
    windows = [(a.long_window, a.short_window, a.severity) for a in workbook_burn_rates(30 * 86400)]
    assert windows == [
        (3600, 300, "critical"),
        (21600, 1800, "critical"),
        (86400, 7200, "warning"),
        (259200, 21600, "warning"),
    ]


@given(st.integers(min_value=3 * 86400, max_value=366 * 86400))
def test_workbook_factor_spends_the_stated_budget_share(period: int) -> None:
    # factor x long window / period == the budget share each tier is defined by
    shares = [Decimal("0.02"), Decimal("0.05"), Decimal("0.1"), Decimal("0.1")]
    for alert, share in zip(workbook_burn_rates(period), shares, strict=True):
        spent = alert.factor * alert.long_window / period
        assert abs(spent - share) < Decimal("1e-20")


def test_workbook_tiers_have_one_definition_in_the_core() -> None:
    from nexus_sre import _core
    from nexus_sre.config.defaults import WORKBOOK_TIERS

    assert _core.WORKBOOK_TIERS == (
        ("page-1h", "0.02", 3600, 300, "critical"),
        ("page-6h", "0.05", 21600, 1800, "critical"),
        ("ticket-1d", "0.10", 86400, 7200, "warning"),
        ("ticket-3d", "0.10", 259200, 21600, "warning"),
    )
    assert (
        tuple((n, Decimal(share), lw, sw, sev) for n, share, lw, sw, sev in _core.WORKBOOK_TIERS)
        == WORKBOOK_TIERS
    )
    # The core's float factors are the Decimal factors rounded once.
    for days in (7, 28, 30, 31, 90):
        floats = [f for f, _, _ in _core.workbook_tiers(days * 86400)]
        exact = [float(a.factor) for a in workbook_burn_rates(days * 86400)]
        assert floats[: len(exact)] == exact


def test_short_period_skips_longer_default_windows() -> None:
    assert [a.name for a in workbook_burn_rates(86400)] == ["page-1h", "page-6h", "ticket-1d"]
    assert burn_rate_factor(Decimal("0.02"), 86400, 3600) == Decimal("0.48")


def test_defaults_fill_a_minimal_config() -> None:
    config = load_config_text(MINIMAL)
    service, slo = next(config.slos())
    assert (service.name, service.tier, service.owner) == ("api", "tier-1", None)
    assert slo.name == "avail"  # name defaults to the id
    assert slo.target == Decimal("99.5")
    assert slo.budget_fraction == Decimal("0.005")
    assert slo.time_window == TimeWindow(seconds=30 * 86400)
    assert [a.name for a in slo.alerting.burn_rate] == [
        "page-1h",
        "page-6h",
        "ticket-1d",
        "ticket-3d",
    ]
    budget = [(t.percentage, t.severity) for t in slo.alerting.budget_exhaustion]
    assert budget == [(50, "info"), (75, "warning"), (90, "critical"), (100, "critical")]
    g = config.global_
    assert (g.monitoring_backend, g.alerting_enabled, g.budget_calculation_interval) == (
        "embedded",
        True,
        15,
    )
    assert config.version == "1.0" and config.warnings == []


def test_budget_fraction_is_exact_decimal() -> None:
    text = MINIMAL.replace("tier: tier-1", "tier: tier-0").replace("99.5", "99.95")
    slo = load_config_text(text).slo("avail")
    assert slo.target == Decimal("99.95")
    assert slo.budget_fraction == Decimal("0.0005")
    assert slo.target_fraction == Decimal("0.9995")


def test_float_targets_from_python_dicts_are_exact() -> None:
    data = {
        "services": [{"name": "a", "slos": [{"id": "x", "target": 99.9, "sli": {"type": "ratio"}}]}]
    }
    config = parse_config(data)
    assert config.slo("x").target == Decimal("99.9")
    assert config.services[0].tier == "tier-3"


def test_explicit_burn_rate_pairs_and_short_window_default() -> None:
    text = (
        MINIMAL
        + """\
        alerting:
          burnRate:
            fast: {threshold: 14.4, window: 1h, severity: critical, for: 2m}
            slow: {threshold: 6, window: 6h, severity: warning}
            custom: {threshold: 2, window: 1d, shortWindow: 1h, severity: info}
          minEvents: 20
          runbookUrl: https://runbooks.example.com/x
"""
    )
    alerting = load_config_text(text).slo("avail").alerting
    got = [
        (a.name, a.factor, a.long_window, a.short_window, a.for_duration)
        for a in alerting.burn_rate
    ]
    assert got == [
        ("fast", Decimal("14.4"), 3600, 300, 120),
        ("slow", Decimal(6), 21600, 1800, None),
        ("custom", Decimal(2), 86400, 3600, None),
    ]
    assert alerting.min_events == 20
    assert alerting.runbook_url == "https://runbooks.example.com/x"
    assert len(alerting.budget_exhaustion) == 4  # not given: defaults


def test_empty_burn_rate_mapping_turns_burn_rate_alerts_off() -> None:
    text = MINIMAL + "        alerting:\n          burnRate: {}\n"
    assert load_config_text(text).slo("avail").alerting.burn_rate == []


def test_latency_thresholds_in_ms_and_s() -> None:
    for written, ms in (("300ms", 300.0), ("0.3s", 300.0), ("2s", 2000.0), ("250", 250.0)):
        text = MINIMAL.replace(
            "type: availability", f"type: latency\n          threshold: {written}"
        )
        assert load_config_text(text).slo("avail").sli.threshold_ms == ms


def test_json_config_loads_with_positions(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = {
        "version": "1.0",
        "services": [
            {"name": "a", "slos": [{"id": "x", "target": 1e-3, "sli": {"type": "ratio"}}]}
        ],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data, indent="\t"))
    from nexus_sre.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert (issue.line, issue.path) == (9, "services[0].slos[0].target")
    assert "looks like a fraction" in issue.message and "did you mean 0.1?" in issue.message


def test_example_config_loads(root) -> None:  # type: ignore[no-untyped-def]
    config = load_config(root / "examples" / "slos.yaml")
    assert config.global_.monitoring_backend == "embedded"
    assert [(s.name, s.tier) for s in config.services] == [
        ("nexus-api", "tier-0"),
        ("nexus-checkout", "tier-1"),
        ("nexus-search", "tier-2"),
        ("nexus-frontend", "tier-3"),
    ]
    slos = [slo for _, slo in config.slos()]
    assert 9 <= len(slos) <= 10
    assert {slo.sli.type for slo in slos} >= {"availability", "latency"}
    assert any(slo.time_window.calendar == "month" for slo in slos)
    for service, slo in config.slos():
        assert slo.target >= tier_floor(service.tier)
    explicit = config.slo("api-availability").alerting
    assert [(a.name, a.factor) for a in explicit.burn_rate] == [
        ("fast", Decimal("14.4")),
        ("slow", Decimal(6)),
    ]
    assert config.warnings == []


def test_lookups() -> None:
    config = load_config_text(MINIMAL)
    service, slo = config.find("avail")
    assert service is config.service("api") and slo is config.slo("avail")
    with pytest.raises(UnknownSLOError, match="unknown SLO id 'nope'; known: avail"):
        config.slo("nope")
    with pytest.raises(UnknownSLOError, match="unknown service 'web'; known: api"):
        config.service("web")


def test_rolling_window_bounds() -> None:
    at = datetime(2026, 3, 15, 12, tzinfo=UTC)
    assert TimeWindow.rolling(7 * 86400).bounds(at) == (at - timedelta(days=7), at)


def test_calendar_month_bounds_in_time_zone() -> None:
    w = TimeWindow.calendar_aligned("month", "Europe/Berlin")
    assert w.seconds == 30 * 86400 and w.label == "calendar month (Europe/Berlin)"
    # 23:30 UTC on 31 March is already April in Berlin
    start, end = w.bounds(datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    berlin = ZoneInfo("Europe/Berlin")
    assert start == datetime(2026, 4, 1, tzinfo=berlin)
    assert end == datetime(2026, 5, 1, tzinfo=berlin)
    # March has a DST change: 31 days minus one hour of real time
    start, end = w.bounds(datetime(2026, 3, 10, tzinfo=UTC))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=31, hours=-1)


def test_calendar_week_bounds() -> None:
    w = TimeWindow.calendar_aligned("week")
    start, end = w.bounds(datetime(2026, 11, 27, 5, 0))  # a Friday; naive is UTC
    assert start == datetime(2026, 11, 23, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["month", "week"]),
    st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
)
def test_calendar_bounds_contain_the_instant(at: datetime, unit: str, zone: str) -> None:
    w = TimeWindow.calendar_aligned(unit, zone)  # type: ignore[arg-type]
    aware = at.replace(tzinfo=UTC)
    start, end = w.bounds(aware)
    assert start <= aware < end
    assert start.astimezone(ZoneInfo(zone)).hour == 0
    days = (end.replace(tzinfo=None) - start.replace(tzinfo=None)).days
    assert days in ((28, 29, 30, 31) if unit == "month" else (7,))


@given(st.integers(min_value=60, max_value=366 * 86400))
def test_rolling_windows_round_trip_through_the_config(seconds: int) -> None:
    text = MINIMAL.replace(
        "target: 99.5", f"target: 99.5\n        timeWindow: {format_duration(seconds)}"
    )
    text = (
        text.replace("type: availability", "type: availability")
        + "        alerting: {burnRate: {}}\n"
    )
    assert load_config_text(text).slo("avail").time_window.seconds == seconds
