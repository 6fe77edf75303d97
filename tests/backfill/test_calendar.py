"""A calendar-month SLO's budget remaining per bucket starts whole again on the 1st (in the
window's time zone), where a rolling window's would still hold the last month's errors;
checked against hand counts."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from nexus_sre.backfill import backfill
from nexus_sre.backfill.calendar import period_starts
from nexus_sre.config import load_config_text, parse_config


def _config(timezone: str) -> str:
    return f"""\
version: "1.0"
services:
  - name: shop
    tier: tier-2
    slos:
      - id: checkout
        target: 99.5
        timeWindow: {{calendar: month, timezone: {timezone}}}
        sli: {{type: availability}}
"""


def _rows(start: datetime, minutes: int, bad_until: datetime) -> pa.Table:
    """10 requests a minute; 1 of them fails in every minute before `bad_until`."""
    t0 = int(start.timestamp())
    ts, ok = [], []
    for m in range(minutes):
        t = t0 + 60 * m
        for i in range(10):
            ts.append((t + i) * 1000)
            ok.append(not (i == 0 and t < bad_until.timestamp()))
    return pa.table(
        {
            "timestamp": pa.array(ts, pa.timestamp("ms", tz="UTC")),
            "service": pa.array(["shop"] * len(ts)),
            "success": pa.array(ok),
            "latency_ms": pa.array([5.0] * len(ts)),
        }
    )


@pytest.mark.parametrize(
    ("timezone", "month_start"),
    [
        ("UTC", datetime(2026, 12, 1, tzinfo=UTC)),
        # Berlin's December begins at 23:00 UTC on November 30
        ("Europe/Berlin", datetime(2026, 11, 30, 23, tzinfo=UTC)),
    ],
)
def test_budget_remaining_starts_whole_on_the_first(timezone: str, month_start) -> None:
    config = load_config_text(_config(timezone), "calendar.yaml")
    start = datetime(2026, 11, 30, 20, tzinfo=UTC)
    result = backfill(
        config, _rows(start, 6 * 60, bad_until=datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    )
    s = result.slo("checkout")
    minutes = (np.arange(len(s.total)) + s.first_bucket) * 60
    first_of_month = int(np.searchsorted(minutes, month_start.timestamp()))
    # November: 1 of 10 fails every minute: 0.1 / 0.005 = 20x the budget
    assert s.budget_remaining[first_of_month - 1] == pytest.approx(1 - 0.1 / 0.005)
    # the month's first bucket sees its own minute only (1 bad of 10, as before)
    assert s.budget_remaining[first_of_month] == pytest.approx(1 - 0.1 / 0.005)
    # at the end: December's bad minutes up to 00:30 UTC over all of December's events
    dec_minutes = len(minutes) - first_of_month
    bad = (datetime(2026, 12, 1, 0, 30, tzinfo=UTC) - month_start).total_seconds() // 60
    assert s.budget_remaining[-1] == pytest.approx(1 - bad / (10 * dec_minutes) / 0.005)


def test_period_starts_at_month_boundaries() -> None:
    config = parse_config(
        {
            "version": "1.0",
            "services": [
                {
                    "name": "s",
                    "tier": "tier-2",
                    "slos": [
                        {
                            "id": "w",
                            "target": 99,
                            "timeWindow": {"calendar": "week"},
                            "sli": {"type": "availability"},
                        }
                    ],
                }
            ],
        }
    )
    ((_, slo),) = config.slos()
    # hourly buckets from Saturday 2026-12-05 00:00 UTC for 10 days: Mondays 7th and 14th
    first = int(datetime(2026, 12, 5, tzinfo=UTC).timestamp()) // 3600
    assert period_starts(slo.time_window, first, 240, 3600).tolist() == [48, 216]
