"""Chart series downsampling: few points, spikes kept, cumulative values exact."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from nexus_sre.report.downsample import downsample_series, group_max
from nexus_sre.slo.evaluation import Series

_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _series(burn: list[float], sli: list[float | None] | None = None) -> Series:
    n = len(burn)
    return Series(
        timestamps=[_T0 + timedelta(minutes=i) for i in range(n)],
        sli_percent=sli if sli is not None else [99.0 + i / n for i in range(n)],
        budget_remaining_percent=[100.0 - i for i in range(n)],
        burn_rate={"5m": burn},
    )


@given(
    st.lists(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)), min_size=1, max_size=400),
    st.integers(1, 50),
)
def test_group_max_matches_slices(values, k):
    got = [None if math.isnan(v) else v for v in group_max(values, k).tolist()]
    expected = []
    for i in range(0, len(values), k):
        known = [v for v in values[i : i + k] if v is not None]
        expected.append(max(known) if known else None)
    assert got == expected


@given(
    st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=3000), st.integers(1, 300)
)
def test_point_cap_and_spike_kept(burn, max_points):
    out = downsample_series(_series(burn), max_points)
    assert 1 <= len(out["timestamps"]) <= max_points
    assert all(len(v) == len(out["timestamps"]) for v in out["burnRate"].values())
    assert max(out["burnRate"]["5m"]) == round(max(burn), 4)


def test_cumulative_series_take_group_end_values():
    n, cap = 1000, 300
    s = _series([0.0] * n)
    out = downsample_series(s, cap)
    k = -(-n // cap)  # 4 buckets per point
    ends = [*range(k - 1, n, k)]
    if ends[-1] != n - 1:
        ends.append(n - 1)
    assert out["budgetRemainingPercent"] == [100.0 - i for i in ends]
    assert out["timestamps"][-1] == (_T0 + timedelta(minutes=n - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_short_series_kept_whole_with_gaps():
    sli: list[float | None] = [None, None, 99.5, 99.75]
    out = downsample_series(_series([1.0, 2.0, 3.0, 4.0], sli), 300)
    assert out["sliPercent"] == sli
    assert out["burnRate"]["5m"] == [1.0, 2.0, 3.0, 4.0]


def test_values_rounded_without_artefacts():
    out = downsample_series(_series([0.1 + 0.2, 1 / 3]), 10)
    assert out["burnRate"]["5m"] == [0.3, 0.3333]
