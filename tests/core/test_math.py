"""Budget and burn-rate math: the SRE Workbook's hand-worked figures and naive references."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_sre import _core
from nexus_sre.slo.evaluate import cumulative_figures

from . import reference as ref

DAY = 86_400
PERIOD_30D = 30 * DAY


# --- The SRE Workbook, chapter 5, worked by hand ------------------------------------------
# 99.9 % over 30 days: 0.001 * 30 * 24 * 60 = 43.2 minutes of budget.


def test_budget_fraction_is_exact() -> None:
    assert _core.budget_fraction(99.9) == 0.001  # (100 - 99.9) / 100 would be 0.000999...
    assert (100 - 99.9) / 100 != 0.001  # the artefact the function avoids
    for target in (99.0, 99.5, 99.9, 99.95, 99.99, 99.999, 95.0, 90.0, 50.0):
        assert _core.budget_fraction(target) == ref.budget_fraction(target)


def test_workbook_budget_is_43_2_minutes() -> None:
    b = _core.error_budget(99.9, PERIOD_30D, 0, 0)
    assert b.budget_fraction == 0.001
    assert b.total_minutes == pytest.approx(43.2, rel=1e-12)
    assert (b.consumed_fraction, b.remaining_fraction, b.has_data) == (0.0, 1.0, False)
    assert b.status == "healthy"


_TARGETS = ("99", "99.5", "99.9", "99.95", "99.99")
_PERIODS = (7 * DAY, 28 * DAY, 30 * DAY)


def _exact_minutes(share: Decimal, period_s: int) -> float:
    """A share of a period in minutes, exactly in decimal, then rounded once to a float."""
    return float(share * period_s / 60)


@pytest.mark.parametrize("target", _TARGETS)
@pytest.mark.parametrize("period_s", _PERIODS)
def test_budget_minutes_are_the_nearest_floats(target: str, period_s: int) -> None:
    # 4.319999999999999 (99.99 % over 30 d) and 40.32000000000001 (99.9 % over 28 d) were
    # one float step off: bf * period / 60 rounds twice.
    fraction = (100 - Decimal(target)) / 100
    b = _core.error_budget(float(target), period_s, 0, 0)
    assert b.total_minutes == _exact_minutes(fraction, period_s)
    assert (b.consumed_minutes, b.remaining_minutes) == (0.0, b.total_minutes)
    # A fifth of the budget spent, from counts and from the achieved SLI.
    total = 1_000_000
    bad = int(fraction * total / 5)
    c = _core.error_budget(float(target), period_s, total - bad, total)
    assert c.consumed_minutes == _exact_minutes(Decimal(bad) / total, period_s)
    assert c.remaining_minutes == _exact_minutes(fraction - Decimal(bad) / total, period_s)
    sli = 100 - (100 - Decimal(target)) / 5
    s = _core.error_budget_from_sli(float(target), period_s, float(sli))
    assert s.total_minutes == b.total_minutes
    assert s.consumed_minutes == _exact_minutes(fraction / 5, period_s)
    assert s.remaining_minutes == _exact_minutes(fraction * 4 / 5, period_s)


def test_14_4x_spends_2_percent_in_an_hour_and_all_in_50_hours() -> None:
    assert _core.budget_spent(14.4, 3600, PERIOD_30D) == pytest.approx(0.02, rel=1e-12)
    assert _core.time_to_exhaustion(1.0, 14.4, PERIOD_30D) == pytest.approx(50 * 3600, rel=1e-12)


def test_6x_exhausts_in_5_days() -> None:
    assert _core.time_to_exhaustion(1.0, 6.0, PERIOD_30D) == pytest.approx(5 * DAY, rel=1e-12)
    assert _core.budget_spent(6.0, 6 * 3600, PERIOD_30D) == pytest.approx(0.05, rel=1e-12)


def test_total_outage_is_1000x_and_exhausts_in_43_2_minutes() -> None:
    burn = _core.burn_rate(1.0, 99.9)
    assert burn == 1000.0
    tte = _core.time_to_exhaustion(1.0, burn, PERIOD_30D)
    assert tte == pytest.approx(43.2 * 60, rel=1e-12)
    # Half the budget left: half the time.
    assert _core.time_to_exhaustion(0.5, burn, PERIOD_30D) == pytest.approx(21.6 * 60, rel=1e-12)
    assert _core.time_to_exhaustion(1.0, 0.0, PERIOD_30D) is None


def test_99_95_at_99_9_consumes_half() -> None:
    b = _core.error_budget_from_sli(99.9, PERIOD_30D, 99.95)
    assert b.consumed_fraction == pytest.approx(0.5, rel=1e-12)
    assert b.remaining_minutes == pytest.approx(21.6, rel=1e-12)
    assert b.status == "healthy"
    # The same from counts: 5 bad of 10 000 is 0.05 % of errors.
    c = _core.error_budget(99.9, PERIOD_30D, 9_995, 10_000)
    assert (c.bad_events, c.has_data) == (5, True)
    assert c.consumed_fraction == pytest.approx(0.5, rel=1e-12)
    assert c.total_events == pytest.approx(10.0, rel=1e-12)
    assert c.burn_rate == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize(
    ("bad", "status"),
    [(0, "healthy"), (7, "healthy"), (75, "warning"), (90, "critical"), (100, "exhausted")],
)
def test_status_from_counts(bad: int, status: str) -> None:
    # 100 000 events at 99.9 %: 100 bad events is the whole budget.
    b = _core.error_budget(99.9, PERIOD_30D, 100_000 - bad, 100_000)
    assert b.consumed_fraction == pytest.approx(bad / 100, rel=1e-12)
    assert b.status == status == _core.budget_status(bad / 100)


@pytest.mark.parametrize(
    ("days", "want"),
    [
        (30, [14.4, 6.0, 3.0, 1.0]),
        (28, [13.44, 5.6, 2.8, 28 / 30]),
    ],
)
def test_workbook_tiers(days: int, want: list[float]) -> None:
    tiers = _core.workbook_tiers(days * DAY)
    assert [(lng, sht) for _, lng, sht in tiers] == [
        (3600, 300),
        (21_600, 1800),
        (86_400, 7200),
        (259_200, 21_600),
    ]
    # Independent: share * period / long window, with exact fractions.
    shares = [Fraction(2, 100), Fraction(5, 100), Fraction(10, 100), Fraction(10, 100)]
    for (factor, lng, _), share, w in zip(tiers, shares, want, strict=True):
        exact = share * days * DAY / lng
        assert factor == pytest.approx(float(exact), rel=1e-12)
        assert factor == pytest.approx(w, rel=1e-12)
    if days == 28:
        assert tiers[3][0] == pytest.approx(0.9333333333333333, rel=1e-12)


def test_counter_burn_rate_and_alerts_hand_worked() -> None:
    # 1 000 requests a minute for an hour at T; the last 5 minutes all bad.
    t0 = 1_700_000_000 // 3600 * 3600
    c = _core.WindowedCounter(60, 3 * DAY, 60, clock="manual", now=float(t0 + 3600))
    for m in range(60):
        good = 0 if m >= 55 else 1000
        c.add(good, 1000, float(t0 + m * 60))
    # 5 000 bad of 60 000 over the hour: 1/12 errors, 83.3x at 99.9 %.
    assert c.burn_rate(3600, 99.9) == pytest.approx(1000 / 12, rel=1e-12)
    assert c.burn_rate(300, 99.9) == pytest.approx(1000.0, rel=1e-12)
    states = _core.evaluate_alerts(c, 99.9, _core.workbook_tiers(PERIOD_30D))
    fast = states[0]
    assert fast[0] is True
    assert fast[1:] == (pytest.approx(1000 / 12), pytest.approx(1000.0), 60_000, 5_000)
    # The 6 h tier (6x) sees 5 000 / 60 000 too (no older traffic): 83x >= 6, fires.
    assert states[1][0] is True
    # min_events above the long window's count suppresses everything.
    assert not any(
        s[0] for s in _core.evaluate_alerts(c, 99.9, _core.workbook_tiers(PERIOD_30D), 60_001)
    )


def test_backtest_fires_exactly_at_the_factor() -> None:
    tiers = [(14.4, 60, 60)]
    assert _core.backtest(np.array([10_000 - 144]), np.array([10_000]), 60, 99.9, tiers) == [
        (0, 0, 1, pytest.approx(14.4))
    ]
    assert _core.backtest(np.array([10_000 - 143]), np.array([10_000]), 60, 99.9, tiers) == []


# --- Against naive references on random series ---------------------------------------------

series = st.integers(1, 120).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 200), min_size=n, max_size=n),
        st.lists(st.floats(0, 1), min_size=n, max_size=n),
    )
)


def split(data: tuple[list[int], list[float]]) -> tuple[list[int], list[int]]:
    totals, good_share = data
    # Lots of all-bad and all-good buckets, and a spread between.
    good = [
        t if s > 0.7 else 0 if s < 0.2 else round(t * s)
        for t, s in zip(totals, good_share, strict=True)
    ]
    return good, totals


targets = st.sampled_from([90.0, 99.0, 99.5, 99.9])


@settings(max_examples=150, deadline=None)
@given(data=series, target=targets, min_events=st.sampled_from([0, 1, 50, 500]))
def test_backtest_matches_naive_evaluation(
    data: tuple[list[int], list[float]], target: float, min_events: int
) -> None:
    good, total = split(data)
    tiers = [(14.4, 3600, 300), (6.0, 21_600, 1800), (1.0, 600, 60), (2.0, 300, 300)]
    got = _core.backtest(
        pa.array(good, pa.uint64()), np.array(total, np.int64), 60, target, tiers, min_events
    )
    want = ref.backtest(good, total, 60, target, tiers, min_events)
    assert [g[:3] for g in got] == [w[:3] for w in want]
    for g, w in zip(got, want, strict=True):
        assert g[3] == pytest.approx(w[3], rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(data=series, target=targets, ks=st.lists(st.integers(1, 150), min_size=1, max_size=4))
def test_rolling_burn_rates_match_numpy(
    data: tuple[list[int], list[float]], target: float, ks: list[int]
) -> None:
    good, total = split(data)
    bf = ref.budget_fraction(target)
    g, t = np.array(good, np.int64), np.array(total, np.int64)
    got = _core.rolling_burn_rates(g, t, ks, target)
    assert len(got) == len(ks)
    cg, ct = np.concatenate([[0], np.cumsum(g)]), np.concatenate([[0], np.cumsum(t)])
    idx = np.arange(1, len(g) + 1)
    for k, arr in zip(ks, got, strict=True):
        wg = cg[idx] - cg[np.maximum(idx - k, 0)]
        wt = ct[idx] - ct[np.maximum(idx - k, 0)]
        with np.errstate(invalid="ignore", divide="ignore"):
            want = np.where(wt > 0, (wt - wg) / wt, 0.0) / bf
        values = arr.to_numpy()
        assert arr.type == pa.float64() and arr.null_count == 0
        assert not np.isnan(values).any()
        np.testing.assert_allclose(values, want, rtol=1e-12, atol=0)
        np.testing.assert_allclose(values, ref.rolling_burns(good, total, k, bf), rtol=1e-12)


@settings(max_examples=150, deadline=None)
@given(data=series, target=targets, silent=st.booleans())
def test_cumulative_figures_match_reference(
    data: tuple[list[int], list[float]], target: float, silent: bool
) -> None:
    """The report's SLI-to-date and burndown (numpy, `slo.evaluate.cumulative_figures`)."""
    good, total = split(data)
    if silent:
        good, total = [0] * len(good), [0] * len(total)
    # Leading empty buckets: the SLI is NaN there, the budget untouched.
    good, total = [0, 0, *good], [0, 0, *total]
    bf = ref.budget_fraction(target)
    sli, remaining = cumulative_figures(np.array(good, np.uint64), np.array(total, np.uint64), bf)
    want_sli, want_rem = ref.cumulative(good, total, bf)
    assert [bool(np.isnan(s)) for s in sli] == [s is None for s in want_sli]
    # Exact: whole-event sums below 2**53 are exact floats, divided once as the reference does.
    assert [s for s in sli.tolist() if s == s] == [s * 100.0 for s in want_sli if s is not None]
    assert remaining.tolist() == want_rem


@pytest.mark.parametrize("ratio", [1.5, -0.1, float("nan")])
def test_burn_rate_rejects_error_ratios_outside_0_1(ratio: float) -> None:
    from nexus_sre import InvalidInputError
    from nexus_sre._core import burn_rate

    with pytest.raises(InvalidInputError, match="error_ratio"):
        burn_rate(ratio, 99.9)
