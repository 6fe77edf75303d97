"""The manager's firing rule (live/firing.py) agrees with the core's `evaluate_alerts` on
every count it can see, so the Prometheus and embedded paths fire alike."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from prom_harness import make_slo

from nexus_sre import _core
from nexus_sre.config import BurnRateAlert
from nexus_sre.live.firing import burn_rate_firings
from nexus_sre.live.readings import Snapshot, from_counts
from nexus_sre.slo.evaluate import alert_tiers

NOW = 1_700_000_000 - 1_700_000_000 % 3600
TIERS = [
    BurnRateAlert(
        name="page", factor=Decimal("14.4"), long_window=3600, short_window=300, severity="critical"
    ),
    BurnRateAlert(
        name="ticket", factor=Decimal(3), long_window=7200, short_window=600, severity="warning"
    ),
]


@settings(max_examples=150, deadline=None)
@given(
    minutes=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=130),
    target=st.sampled_from(["99.9", "99", "95", "90"]),
    min_events=st.sampled_from([0, 1, 50, 500]),
)
def test_rule_agrees_with_the_core(
    minutes: list[tuple[int, int]], target: str, min_events: int
) -> None:
    slo = make_slo(target=target, burn_rate=TIERS, budget_exhaustion=[], min_events=min_events)
    counter = _core.WindowedCounter(clock="manual", now=NOW, horizon_seconds=86400)
    for i, (good, bad) in enumerate(minutes):
        counter.add(good, good + bad, NOW - (len(minutes) - i) * 60)
    core = _core.evaluate_alerts(counter, float(slo.target), alert_tiers(TIERS), min_events, NOW)
    windows = sorted({w for a in TIERS for w in (a.long_window, a.short_window)})
    stats = counter.windows(windows, NOW)
    pairs = zip(windows, stats, strict=True)
    snap = Snapshot(NOW, {w: from_counts(w, s.good, s.total) for w, s in pairs})
    fired = {f.name: f for f in burn_rate_firings(slo, TIERS, snap)}
    for alert, (on, long_burn, short_burn, _lt, _st) in zip(TIERS, core, strict=True):
        assert (alert.name in fired) == on
        if on:
            rates = fired[alert.name].burn_rates
            assert list(rates.values()) == [long_burn, short_burn]


def test_exactly_at_the_factor_fires() -> None:
    # 0.0144 / 0.001 is 14.399999999999999 in binary: it must still fire a 14.4 tier.
    slo = make_slo(burn_rate=TIERS[:1], budget_exhaustion=[])
    snap = Snapshot(NOW, {3600: from_counts(3600, 9856, 10000), 300: from_counts(300, 9856, 10000)})
    assert [f.name for f in burn_rate_firings(slo, TIERS[:1], snap)] == ["page"]
