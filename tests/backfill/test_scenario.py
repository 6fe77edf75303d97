"""A hand-worked 30-day scenario with exact expected figures.

One service, availability SLO 99.9 % over 30 days (budget fraction 0.001), the Workbook's
four tiers (no alerting in the config), min_events 0. 1000 requests a minute, every
minute of 30 days (43,200 minutes, 43,200,000 requests), given as pre-aggregated rows
(a count column). Two incidents, far enough apart (10 days) that no window sees both:

* a total outage: minutes o = 14,400 .. o+19 (20 minutes, day 10), 1000 bad a minute;
* a slow 10x burn: minutes s = 28,800 .. s+479 (8 hours, day 20), 10 bad a minute
  (error ratio 1 % = 10 x the 0.1 % budget fraction).

Alerts are evaluated at the end of every minute over the windows ending there; a tier
fires when both windows burn at >= its factor. A window of k minutes holds 1000 k events.

Totals: bad = 20 x 1000 + 480 x 10 = 24,800. SLI = 1 - 24,800 / 43,200,000.
The budget is 0.001 x 43,200,000 = 43,200 bad events, so consumed = 24,800 / 43,200 = 31/54.

Outage (a total outage burns 1 / 0.001 = 1000x):
* page 1h/5m, factor 14.4. At the end of minute o the 5m window holds 1000 bad of 5000
  (burn 200) and the 1h window 1000 of 60,000 (burn 16.7 >= 14.4): fires at the end of
  the first outage minute. It stops when the 5m window is clean: the window ending at
  minute o+24 covers o+20..o+24, so the last firing minute is o+23. Peak 1h burn:
  20,000 / 60,000 / 0.001 = 333.3.
* page 6h/30m, factor 6: the 6h window (360,000 events) needs >= 2160 bad, i.e. 3 outage
  minutes: first fires at minute o+2 (at o+1: 2000 -> burn 5.56). The 30m window holds an
  outage minute until the window ending at o+49 (covering o+20..o+49). Peak
  20,000 / 360,000 / 0.001 = 55.6.
* ticket 1d/2h, factor 3: the 1d window (1,440,000) needs >= 4320 bad: 5 outage minutes,
  minute o+4. The 2h window is clean from the window ending at o+139. Peak 13.9.
* ticket 3d/6h, factor 1: the 3d window (4,320,000) needs >= 4320 bad: minute o+4 too.
  The 6h window is clean from the window ending at o+379. Peak 4.63.

Slow burn (10 bad a minute; a window holding m burn minutes holds 10 m bad):
* page 1h: the burn never exceeds 10 < 14.4: never fires.
* page 6h/30m, factor 6: the 6h window needs 2160 bad = 216 burn minutes (exactly at the
  factor, which fires): minute s+215; the 30m window needs 180 = 18 minutes (s+17), so
  it fires at s+215. It stops when the 30m window holds 17 burn minutes: the window
  ending at s+492 covers s+463..s+492, burn minutes s+463..s+479 = 17. (The 6h window
  still holds 348 minutes then.) Peak 6h burn: 360 burn minutes -> 10.
* ticket 1d/2h, factor 3: 1d needs 4320 = 432 burn minutes -> s+431 (2h needs 36 minutes,
  s+35). Stops when the 2h window holds 35: ending at s+564 (s+445..s+564 holds
  s+445..s+479 = 35). Peak: 4800 / 1,440,000 / 0.001 = 3.33.
* ticket 3d/6h, factor 1: 3d needs 4320 = 432 minutes -> s+431 (6h needs 36: s+35).
  Stops when the 6h window holds 35: ending at s+804 (s+445..s+804). Peak
  4800 / 4,320,000 / 0.001 = 1.11.

An alert that fires at the end of minute m starts at T0 + 60 (m + 1); one whose last
firing minute is m-1 ends at T0 + 60 (m + 1).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest

from nexus_sre.backfill import Columns, backfill, to_evaluations
from nexus_sre.config import load_config_text

from .conftest import T0

CONFIG = """\
version: "1.0"
services:
  - name: shop
    tier: tier-0
    slos:
      - id: shop-avail
        name: Shop availability
        target: 99.9
        timeWindow: 30d
        sli: {type: availability}
"""

MINUTES = 43_200
RATE = 1000
OUT, OUT_LEN = 14_400, 20
S, S_LEN = 28_800, 480


def _export() -> pa.Table:
    bad = np.zeros(MINUTES, dtype=np.int64)
    bad[OUT : OUT + OUT_LEN] = RATE
    bad[S : S + S_LEN] = 10
    minute_ts = T0 + 60 * np.arange(MINUTES, dtype=np.int64)
    # Two pre-aggregated rows a minute: the good and the bad requests (some bad counts 0).
    ts = np.concatenate([minute_ts, minute_ts + 30])
    ok = np.concatenate([np.ones(MINUTES, bool), np.zeros(MINUTES, bool)])
    count = np.concatenate([RATE - bad, bad])
    return pa.table(
        {
            "ts": pa.array(ts, pa.timestamp("s", tz="UTC")),
            "service": ["shop"] * (2 * MINUTES),
            "ok": ok,
            "n": count,
        }
    )


def _at(minute: int) -> int:
    return T0 + 60 * (minute + 1)


@pytest.fixture(scope="module")
def result():
    config = load_config_text(CONFIG, "scenario.yaml")
    cols = Columns(timestamp="ts", success="ok", count="n", latency=None)
    return config, backfill(config, _export(), columns=cols)


def test_sli_and_budget_exact(result):
    _, r = result
    s = r.slo("shop-avail")
    assert s.total_sum == 43_200_000
    assert s.good_sum == 43_200_000 - 24_800
    assert Fraction(s.good_sum, s.total_sum) == 1 - Fraction(24_800, 43_200_000)
    assert s.sli == pytest.approx(1 - 24_800 / 43_200_000, abs=1e-15)
    assert s.budget_consumed == pytest.approx(31 / 54, rel=1e-12)
    # The 30-day window ending at the last minute covers the whole export.
    assert s.budget_remaining[-1] == pytest.approx(23 / 54, rel=1e-12)
    assert len(s.total) == MINUTES
    assert r.rows_read == 2 * MINUTES and r.rows_skipped == 0


def test_alert_intervals_exact(result):
    _, r = result
    got = [(a.name, a.start, a.end) for a in r.slo("shop-avail").alerts]
    expected = [
        ("page-1h", _at(OUT), _at(OUT + 24)),
        ("page-6h", _at(OUT + 2), _at(OUT + 49)),
        ("page-6h", _at(S + 215), _at(S + 492)),
        ("ticket-1d", _at(OUT + 4), _at(OUT + 139)),
        ("ticket-1d", _at(S + 431), _at(S + 564)),
        ("ticket-3d", _at(OUT + 4), _at(OUT + 379)),
        ("ticket-3d", _at(S + 431), _at(S + 804)),
    ]
    assert got == expected


def test_peaks_exact(result):
    _, r = result
    peaks = [(a.name, a.peak_burn) for a in r.slo("shop-avail").alerts]
    expected = [20_000 / 60_000, 20_000 / 360_000, 10 * 360 / 360_000, 20_000 / 1_440_000]
    expected += [4_800 / 1_440_000, 20_000 / 4_320_000, 4_800 / 4_320_000]
    for (_, got), want in zip(peaks, expected, strict=True):
        assert got == pytest.approx(want / 0.001, rel=1e-12)


def test_burn_series_at_known_minutes(result):
    _, r = result
    s = r.slo("shop-avail")
    assert s.burn[300][OUT] == pytest.approx(200.0)  # 1000 of 5000 bad
    assert s.burn[3600][OUT + 19] == pytest.approx(20_000 / 60_000 / 0.001)
    assert s.burn[3600][OUT - 1] == 0.0
    assert s.burn[21_600][S + 359] == pytest.approx(10.0)


def test_evaluations(result):
    config, r = result
    (ev,) = to_evaluations(r, config)
    assert ev.good == 43_200_000 - 24_800 and ev.total == 43_200_000
    assert ev.sli_percent == pytest.approx(100 * (1 - 24_800 / 43_200_000))
    assert ev.budget.consumed_fraction == pytest.approx(31 / 54)
    assert [a.name for a in ev.alerts][:2] == ["page-1h", "page-6h"]
    assert ev.alerts[0].start.timestamp() == _at(OUT)
    assert ev.series is not None and len(ev.series.timestamps) == MINUTES
