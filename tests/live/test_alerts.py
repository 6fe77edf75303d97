"""Burn-rate and budget alerts: when they fire, their lifecycle and callbacks."""

from __future__ import annotations

import threading

import pytest

from nexus_sre import UnknownAlertError
from nexus_sre.live.alerts import Alert
from nexus_sre.live.manager import SLOManager

from .conftest import NOW, config_dict


def feed(
    manager: SLOManager, start: int, minutes: int, bad_every: int | None, per_minute: int = 100
) -> None:
    """`per_minute` requests a minute; all bad when bad_every == 1, none when None."""
    counter = manager.store.counter("api-availability")
    for m in range(minutes):
        bad = 0 if bad_every is None else per_minute // bad_every
        counter.add(per_minute - bad, per_minute, start + m * 60)


def test_total_outage_pages_then_resolves(manager: SLOManager) -> None:
    events: list[tuple[str, str]] = []
    manager.add_listener(lambda ev, a: events.append((ev, a.name)))
    t0 = NOW - 7200
    feed(manager, t0, 110, None)
    manager.store.set_time(t0 + 110 * 60)
    assert manager.check_burn_rate_alerts("api-availability") == []
    # One minute of total outage: 100 bad of 100 in 5m window of 500 → 20 % errors,
    # 200x; the 1h window: 100 of 6000 → 16.7x ≥ 14.4. Both page tiers' long windows
    # need more: 6h window: 100 of 11,000 → 9.1x ≥ 6, its 30m: 100/3000 → 33x. Both fire.
    feed(manager, t0 + 110 * 60, 1, 1)
    manager.store.set_time(t0 + 111 * 60)
    firing = manager.check_burn_rate_alerts("api-availability")
    names = {a.name for a in firing}
    # Independently: each Workbook tier fires when both windows burn >= its factor.
    # All 111 minutes of history lie inside every long window (1h..3d) except 1h.
    bad = 100
    expected = set()
    for name, factor, long_min, short_min in [
        ("page-1h", 14.4, 60, 5),
        ("page-6h", 6, 360, 30),
        ("ticket-1d", 3, 1440, 120),
        ("ticket-3d", 1, 4320, 360),
    ]:
        long_total = min(long_min, 111) * 100
        short_total = min(short_min, 111) * 100
        if bad / long_total / 0.001 >= factor and bad / short_total / 0.001 >= factor:
            expected.add(name)
    assert expected == {"page-1h", "page-6h", "ticket-1d", "ticket-3d"}
    # 100 bad of 11,100 over the period is 9x the whole budget: the 100 % threshold fires.
    assert names == expected | {"budget-100"}
    page = next(a for a in firing if a.name == "page-1h")
    assert page.severity == "critical"
    assert page.burn_rates["1h"] == pytest.approx((100 / 6000) / 0.001)
    assert page.burn_rates["5m"] == pytest.approx((100 / 500) / 0.001)
    assert page.annotations["summary"].startswith("api API Availability")
    # Still firing a minute later: same alert, not a duplicate.
    feed(manager, t0 + 111 * 60, 1, None)
    manager.store.set_time(t0 + 112 * 60)
    again = manager.check_burn_rate_alerts("api-availability")
    assert {a.id for a in again} >= {page.id}
    assert len(manager.get_active_alerts()) == len(again)
    # Healthy for 5 more minutes: the 5m window is clean, page-1h stops.
    feed(manager, t0 + 112 * 60, 5, None)
    manager.store.set_time(t0 + 117 * 60)
    later = {a.name for a in manager.check_burn_rate_alerts("api-availability")}
    assert "page-1h" not in later
    resolved = [a for a in manager.alert_history() if a.name == "page-1h"]
    assert resolved and resolved[0].resolved_at is not None
    assert ("started", "page-1h") in events and ("resolved", "page-1h") in events
    assert events.count(("started", "page-1h")) == 1


def test_min_events_guard() -> None:
    m = SLOManager(config_dict(alerting={"minEvents": 1000}), clock="manual", now=NOW)
    feed(m, NOW - 600, 10, 1, per_minute=10)  # 100 events, all bad
    m.store.set_time(NOW)
    assert m.check_burn_rate_alerts("api-availability") == [] or all(
        a.kind == "budget_exhaustion" for a in m.get_active_alerts()
    )


def test_budget_exhaustion_alert(manager: SLOManager) -> None:
    feed(manager, NOW - 20 * 86400, 1440, 1000, per_minute=1000)  # exactly 0.1 % errors
    manager.store.set_time(NOW)
    firing = manager.check_burn_rate_alerts("api-availability")
    budget = [a for a in firing if a.kind == "budget_exhaustion"]
    assert len(budget) == 1
    assert budget[0].budget_consumed_percent == pytest.approx(100.0)
    assert budget[0].severity == "critical"


def test_resolve_alert_by_hand(manager: SLOManager) -> None:
    feed(manager, NOW - 600, 10, 1)
    manager.store.set_time(NOW)
    alerts = manager.check_burn_rate_alerts("api-availability")
    a = alerts[0]
    resolved = manager.resolve_alert(a.id)
    assert resolved.resolved_at is not None
    assert a.id not in {x.id for x in manager.get_active_alerts()}
    with pytest.raises(UnknownAlertError):
        manager.resolve_alert(a.id)


def test_periodic_evaluation_calls_back(manager: SLOManager) -> None:
    feed(manager, NOW - 600, 10, 1)
    manager.store.set_time(NOW)
    started = threading.Event()
    seen: list[Alert] = []

    def cb(event: str, alert: Alert) -> None:
        seen.append(alert)
        if event == "started":
            started.set()

    manager.add_listener(cb)
    manager.add_listener(lambda e, a: 1 / 0)  # a broken listener must not stop others
    manager.start(interval_seconds=0.05)
    try:
        assert started.wait(5)
    finally:
        manager.stop()
    assert not manager.running
    assert any(a.service == "api" for a in seen)
