"""The one source -> evaluation loop (`nexus_sre.sources.evaluate_all`): periods longer than
an SLO's window, lead-in for alert windows, partial windows, filters, calendar months."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from nexus_sre.backfill.counts import SloCounts
from nexus_sre.config import parse_config
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.report.make import make_report
from nexus_sre.sources.backfill import BackfillSource
from nexus_sre.sources.embedded import evaluate_store

END = datetime(2026, 12, 20, tzinfo=UTC)


def slo(sid: str, window: Any = "30d", target: float = 99.9) -> dict[str, Any]:
    return {
        "id": sid,
        "name": sid,
        "target": target,
        "timeWindow": window,
        "sli": {"type": "availability"},
    }


def config(*services: tuple[str, list[dict[str, Any]]]) -> Any:
    return parse_config(
        {
            "version": "1.0",
            "services": [{"name": n, "tier": "tier-2", "slos": s} for n, s in services],
        }
    )


def source(cfg: Any, start: datetime, good: np.ndarray, total: np.ndarray) -> BackfillSource:
    """The same per-minute counts for every SLO, beginning at `start`."""
    first = int(start.timestamp()) // 60
    counts = {(sv.name, s.id): SloCounts(first, good, total) for sv, s in cfg.slos()}
    return BackfillSource(60, counts, start=first * 60, end=(first + len(total)) * 60)


def test_a_period_longer_than_an_slos_window_and_horizon() -> None:
    # `report --days 30` with a 7-day SLO failed: "spans more than the counter's horizon".
    cfg = config(("search", [slo("relevance", "7d"), slo("availability", "30d")]))
    store = EmbeddedStore.from_config(cfg, clock="event")
    for minutes in range(0, 30 * 1440, 60):
        t = END.timestamp() - 60 - minutes * 60
        for sid in ("relevance", "availability"):
            store.counter(sid).add(99, 100, t)
    evs = {e.slo_id: e for e in evaluate_store(cfg, store, days=30, end=END)}
    week, month = evs["relevance"], evs["availability"]
    assert month.period_start == END - timedelta(days=30)
    # The 7-day SLO: history as far back as its counter keeps (its window), SLI over it.
    assert week.period_start == END - timedelta(days=7) and week.period_end == END
    assert week.total == 7 * 24 * 100 and week.budget.total_minutes == 10.08
    report, _ = make_report(cfg, source="backfill", data=source(cfg, END, np.ones(1), np.ones(1)))
    assert report  # smoke: the backfill source takes any period too


def test_history_longer_than_the_window_keeps_the_sli_to_the_window() -> None:
    cfg = config(("search", [slo("relevance", "7d")]))
    start = END - timedelta(days=30)
    n = 30 * 1440
    total = np.full(n, 10, np.uint64)
    good = total.copy()
    good[: 23 * 1440] -= 1  # bad only before the last 7 days
    src = source(cfg, start, good, total)
    (ev,) = src.evaluations(cfg, days=30, end=END)
    assert ev.period_start == start  # history: the whole period
    assert ev.window_start == END - timedelta(days=7)  # SLI and budget: the window
    assert ev.total == 7 * 1440 * 10 and ev.good == ev.total
    assert ev.budget.total_minutes == 10.08
    report, _ = make_report(cfg, source="backfill", data=src, days=30, end=END)
    sl = report["services"][0]["slos"][0]
    assert sl["sliPeriod"] == {"start": "2026-12-13T00:00:00Z", "end": "2026-12-20T00:00:00Z"}


def test_no_cold_start_alerts_where_there_is_no_data_before_the_period() -> None:
    # The data begins at the period's start with ten bad minutes (burn 5 at 99.9 %): on
    # main the 1-day and 3-day ticket tiers "fired" in the first minutes on a few minutes
    # of data. Their windows are partial then: they cannot fire, and the report says so.
    cfg = config(("api", [slo("api-availability")]))
    start = END - timedelta(days=1)
    total = np.full(1440, 1000, np.uint64)
    good = total.copy()
    good[:10] -= 5
    (ev,) = source(cfg, start, good, total).evaluations(cfg, start=start, end=END)
    fired = {a.name for a in ev.alerts if a.kind == "burn_rate"}
    assert not fired & {"ticket-1d", "ticket-3d"}
    partial = {p.alert: p.covered_from for p in ev.partial_windows}
    assert partial["ticket-3d"] == start + timedelta(days=3)
    assert partial["ticket-1d"] == start + timedelta(days=1)


def test_lead_in_data_feeds_the_first_alert_windows() -> None:
    # Two days of data, the report over the second: its first 1h burn rate covers the hour
    # before the period (2 bad per minute of 1000 at 99.9 % = burn 2), not one minute.
    cfg = config(("api", [slo("api-availability")]))
    start = END - timedelta(days=2)
    total = np.full(2 * 1440, 1000, np.uint64)
    good = total.copy()
    good[1440 - 60 : 1440] -= 2  # the hour before the period
    src = source(cfg, start, good, total)
    (ev,) = src.evaluations(cfg, start=END - timedelta(days=1), end=END)
    assert ev.period_start == END - timedelta(days=1)
    assert ev.series is not None
    burn_1h = np.asarray(ev.series.burn_rate["1h"])
    # The first bucket's hour: 59 lead-in minutes at 2 bad + 1 clean minute.
    assert burn_1h[0] == pytest.approx(59 * 2 / 60_000 / 0.001)
    assert ev.total == 1440 * 1000 and ev.good == ev.total  # the SLI: the period only
    # Only the 3-day window reaches before the two days of data.
    assert [p.alert for p in ev.partial_windows] == ["ticket-3d"]


def test_services_filter_leaves_the_others_out() -> None:
    cfg = config(("api", [slo("a")]), ("db", [slo("d")]), ("web", [slo("w")]))
    src = source(cfg, END - timedelta(days=1), np.full(1440, 5, np.uint64), np.full(1440, 5))
    report, evs = make_report(cfg, source="backfill", data=src, services=["api", "db"])
    assert [s["name"] for s in report["services"]] == ["api", "db"]
    assert report["summary"]["totalSLOs"] == 2 and len(evs) == 2


def test_calendar_month_budget_is_the_real_months() -> None:
    # 99.5 % over December: 31 x 1440 x 0.005 = 223.2 minutes (30 days would be 216).
    cfg = config(("shop", [slo("checkout", {"calendar": "month"}, 99.5)]))
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    src = source(cfg, dec, np.full(19 * 1440, 9, np.uint64), np.full(19 * 1440, 9, np.uint64))
    (ev,) = src.evaluations(cfg, end=END)
    assert ev.period_start == dec and ev.budget.total_minutes == 223.2
