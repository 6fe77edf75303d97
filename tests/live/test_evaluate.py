"""`evaluate_series` against a plain-numpy reference and hand-worked alert times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_sre.config import parse_config
from nexus_sre.slo.evaluate import BucketSeries, evaluate_series

from .conftest import config_dict

CONFIG = parse_config(config_dict())
SERVICE, SLO = next(iter(CONFIG.slos()))
START = datetime(2026, 1, 1, tzinfo=UTC)


def burn(good: np.ndarray, total: np.ndarray, k: int) -> float:
    g, t = good[-k:].sum(), total[-k:].sum()
    return 0.0 if t == 0 else float((t - g) / t / 0.001)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 3)), min_size=1, max_size=500))
def test_figures_match_numpy_reference(rows: list[tuple[int, int]]) -> None:
    good = np.array([g for g, _ in rows], np.uint64)
    total = np.array([g + b for g, b in rows], np.uint64)
    ev = evaluate_series(SERVICE, SLO, BucketSeries(START, 60, good, total))
    assert ev.good == int(good.sum()) and ev.total == int(total.sum())
    if ev.total:
        assert ev.sli_percent == pytest.approx(100 * good.sum() / total.sum())
        bad = int(total.sum() - good.sum())
        assert ev.budget.consumed_fraction == pytest.approx(bad / total.sum() / 0.001)
    else:
        assert ev.sli_percent is None and ev.budget.consumed_fraction == 0
    for label, k in [("5m", 5), ("1h", 60), ("6h", 360)]:
        if k <= len(rows):
            assert ev.burn_rates[label] == pytest.approx(burn(good, total, k))
        else:  # a window longer than the evaluated span is not reported
            assert label not in ev.burn_rates
    assert ev.series is not None
    remaining = np.asarray(ev.series.budget_remaining_percent)
    assert np.all(np.diff(remaining) <= 1e-9)  # the burndown never rises
    assert remaining[-1] == pytest.approx(ev.budget.remaining_fraction * 100)
    assert not np.isnan(remaining).any()


def test_outage_alert_times_are_hand_worked() -> None:
    # 6 hours at 100 requests a minute; minutes 120..129 are a total outage.
    n = 360
    total = np.full(n, 100, np.uint64)
    good = total.copy()
    good[120:130] = 0
    ev = evaluate_series(SERVICE, SLO, BucketSeries(START, 60, good, total))
    page = [a for a in ev.alerts if a.name == "page-1h"]
    assert len(page) == 1
    # Evaluated at the end of each minute: the first outage minute makes the 5m window
    # 20 % bad (200x) and the 1h window 100/6000 (16.7x >= 14.4): fires at 02:01.
    assert page[0].start == START + timedelta(minutes=121)
    # The 1h window stays >= 14.4x while it holds at least 87 bad minutes' share...
    # it holds all 10 outage minutes (1000 of 6000 = 166x) until 03:00; the 5m window is
    # clean again from the bucket ending 02:15 (buckets 130..134): stops at 02:15.
    assert page[0].end == START + timedelta(minutes=135)
    assert page[0].peak_burn_rate == pytest.approx((1000 / 6000) / 0.001)
