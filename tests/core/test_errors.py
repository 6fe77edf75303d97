"""Every bad argument raises the right nexus_sre.errors class, naming the argument and value;
and after an error nothing already recorded is lost."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from nexus_sre import _core
from nexus_sre.errors import (
    ArrowTypeError,
    BadRowError,
    DataError,
    InvalidInputError,
    SloError,
    WindowError,
)

T0 = 1_700_000_000.0


def counter() -> _core.WindowedCounter:
    c = _core.WindowedCounter(60, 3600, 60, clock="manual", now=T0)
    c.add(7, 10, T0 - 120)
    c.record(False, T0 - 60)
    return c


def state(c: _core.WindowedCounter) -> tuple[Any, ...]:
    return (c.window(3600, end=T0 + 60), c.dropped, c.to_arrow().to_pylist())


def test_hierarchy() -> None:
    assert issubclass(InvalidInputError, ValueError) and issubclass(InvalidInputError, SloError)
    assert issubclass(WindowError, InvalidInputError)
    assert issubclass(ArrowTypeError, InvalidInputError) and issubclass(ArrowTypeError, TypeError)
    assert issubclass(BadRowError, DataError)


def _kernel() -> _core.BackfillAggregator:
    return _core.BackfillAggregator(
        bucket_seconds=60,
        services=["api"],
        slos=[(0, None), (0, 300.0)],
        timestamp="ts",
        service="svc",
        success="ok",
        latency="lat",
    )


def test_a_bad_row_crosses_the_boundary_as_bad_row_error() -> None:
    batch = pa.record_batch(
        {
            "ts": pa.array([int(T0)] * 3, pa.int64()),
            "svc": ["api", "api", "api"],
            "ok": [True, None, True],
            "lat": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(BadRowError) as info:
        _kernel().push(batch, source="day1.parquet", batch_index=3, first_row=100)
    err = info.value
    assert (err.column, err.reason, err.source, err.row, err.row_group) == (
        "ok",
        "null_outcome",
        "day1.parquet",
        101,
        None,
    )
    assert err.location == "day1.parquet, batch 3, row 1 (row 101)"
    assert (
        str(err)
        == "column 'ok' in day1.parquet, batch 3, row 1 (row 101): null outcome [null_outcome]"
    )
    # Rows per row group given: the row group and the row within it.
    with pytest.raises(BadRowError) as info:
        _kernel().push(batch, source="f.parquet", first_row=8, row_groups=[5, 5])
    assert (info.value.row_group, info.value.row) == (1, 9)
    assert info.value.location == "f.parquet, row group 1, row 4 (file row 9)"
    # It pickles with its fields (process pools hand errors back so).
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is BadRowError and str(again) == str(err)
    assert (again.column, again.reason, again.row) == (err.column, err.reason, err.row)


def test_valid_time_range_has_one_definition_in_the_core() -> None:
    from nexus_sre.common import times

    assert _core.VALID_TIME_RANGE == (631152000, 7258118400)  # 1990-01-01, 2200-01-01 UTC
    assert (times.VALID_FROM, times.VALID_TO) == _core.VALID_TIME_RANGE


def test_a_bad_column_is_a_data_error() -> None:
    batch = pa.record_batch({"ts": pa.array([int(T0)], pa.int64()), "svc": ["api"]})
    with pytest.raises(DataError, match=r"column 'ok' in <batch>, batch 0: missing") as info:
        _kernel().push(batch)
    assert not isinstance(info.value, BadRowError)


_GOOD = pa.array([1, 2], pa.uint64())
_TOTAL = pa.array([2, 2], pa.uint64())
_TIERS = [(14.4, 3600, 300)]


def _table(**cols: Any) -> pa.Table:
    base: dict[str, Any] = {
        "bucket_start": pa.array([int(T0) // 60 * 60], pa.timestamp("s", tz="UTC")),
        "good": pa.array([1], pa.uint64()),
        "total": pa.array([2], pa.uint64()),
    }
    base.update(cols)
    return pa.table({k: v for k, v in base.items() if v is not None})


# (id, call, exception class, fragments the message must contain)
CASES: list[tuple[str, Callable[[], object], type[Exception], tuple[str, ...]]] = [
    ("target_100", lambda: _core.budget_fraction(100.0), InvalidInputError, ("target", "100")),
    ("target_0", lambda: _core.budget_fraction(0.0), InvalidInputError, ("target", "0")),
    ("target_neg", lambda: _core.budget_fraction(-5.0), InvalidInputError, ("target", "-5")),
    (
        "target_150",
        lambda: _core.error_budget(150.0, 86400, 1, 1),
        InvalidInputError,
        ("target", "150"),
    ),
    ("target_nan", lambda: _core.burn_rate(0.1, math.nan), InvalidInputError, ("target", "NaN")),
    (
        "counter_target",
        lambda: counter().burn_rate(60, 100.5),
        InvalidInputError,
        ("target", "100.5"),
    ),
    ("window_zero", lambda: counter().window(0), WindowError, ("window", "0 s")),
    ("window_negative", lambda: counter().window(-60), WindowError, ("window", "-60")),
    (
        "window_unaligned",
        lambda: counter().window(90),
        WindowError,
        ("window", "90 s", "60-second"),
    ),
    (
        "window_too_long",
        lambda: counter().windows([60, 7200]),
        WindowError,
        ("window", "7200", "3600"),
    ),
    (
        "horizon_unaligned",
        lambda: _core.WindowedCounter(60, 3601),
        WindowError,
        ("horizon_seconds", "3601"),
    ),
    ("horizon_zero", lambda: _core.WindowedCounter(60, 0), WindowError, ("horizon_seconds", "0")),
    (
        "bucket_zero",
        lambda: _core.WindowedCounter(0, 3600),
        InvalidInputError,
        ("bucket_seconds", "0"),
    ),
    (
        "skew_negative",
        lambda: _core.WindowedCounter(60, 3600, -1),
        InvalidInputError,
        ("future_skew_seconds", "-1"),
    ),
    ("period_zero", lambda: _core.error_budget(99.9, 0, 1, 1), WindowError, ("period", "0")),
    (
        "lengths",
        lambda: _core.rolling_burn_rates(_GOOD, pa.array([2, 2, 2]), [1], 99.9),
        ArrowTypeError,
        ("good/total", "2", "3"),
    ),
    (
        "lengths_backtest",
        lambda: _core.backtest(np.array([1]), np.array([1, 2]), 60, 99.9, _TIERS),
        ArrowTypeError,
        ("good/total", "1", "2"),
    ),
    (
        "strings",
        lambda: _core.rolling_burn_rates(pa.array(["1", "2"]), _TOTAL, [1], 99.9),
        ArrowTypeError,
        ("good", "Utf8"),
    ),
    (
        "nulls",
        lambda: _core.rolling_burn_rates(_GOOD, pa.array([2, None]), [1], 99.9),
        ArrowTypeError,
        ("total", "1 null"),
    ),
    (
        "negative_count",
        lambda: _core.rolling_burn_rates(pa.array([-1, 0]), _TOTAL, [1], 99.9),
        ArrowTypeError,
        ("good", "-1", "position 0"),
    ),
    (
        "fractional_count",
        lambda: _core.rolling_burn_rates(_GOOD, pa.array([2.0, 2.5]), [1], 99.9),
        ArrowTypeError,
        ("total", "2.5", "position 1"),
    ),
    (
        "good_gt_total_series",
        lambda: _core.rolling_burn_rates(pa.array([3, 1]), _TOTAL, [1], 99.9),
        InvalidInputError,
        ("good", "3", "2", "position 0"),
    ),
    ("good_gt_total_add", lambda: counter().add(5, 4, T0), InvalidInputError, ("good", "5", "4")),
    (
        "good_gt_total_budget",
        lambda: _core.error_budget(99.9, 86400, 5, 4),
        InvalidInputError,
        ("good", "5", "4"),
    ),
    (
        "nan_timestamp",
        lambda: counter().record(True, math.nan),
        InvalidInputError,
        ("timestamp", "NaN"),
    ),
    (
        "inf_timestamp",
        lambda: counter().add(1, 1, math.inf),
        InvalidInputError,
        ("timestamp", "inf"),
    ),
    ("nan_end", lambda: counter().window(60, end=math.nan), InvalidInputError, ("end", "NaN")),
    (
        "clock_name",
        lambda: _core.WindowedCounter(clock="wall"),
        InvalidInputError,
        ("clock", "wall"),
    ),
    (
        "set_time_system",
        lambda: _core.WindowedCounter().set_time(T0),
        InvalidInputError,
        ("set_time", "manual"),
    ),
    (
        "threshold",
        lambda: _core.ServiceRecorder([(counter(), -5.0)]),
        InvalidInputError,
        ("threshold_ms", "-5"),
    ),
    (
        "load_missing_column",
        lambda: counter().load_arrow(_table(total=None)),
        ArrowTypeError,
        ("total", "missing column"),
    ),
    (
        "load_strings",
        lambda: counter().load_arrow(_table(good=pa.array(["1"]))),
        ArrowTypeError,
        ("good", "Utf8"),
    ),
    (
        "load_unaligned",
        lambda: counter().load_arrow(
            _table(bucket_start=pa.array([int(T0) // 60 * 60 + 7], pa.int64()))
        ),
        ArrowTypeError,
        ("bucket_start", "not aligned", "60-second"),
    ),
    (
        "load_bucket_width",
        lambda: counter().load_arrow(
            _core.WindowedCounter(300, 3600, clock="manual", now=T0).to_arrow()
        ),
        InvalidInputError,
        ("bucket_seconds", "300", "60"),
    ),
    (
        "load_good_gt_total",
        lambda: counter().load_arrow(_table(good=pa.array([3], pa.uint64()))),
        InvalidInputError,
        ("good", "3", "2"),
    ),
    (
        "merge_width",
        lambda: counter().merge(_core.WindowedCounter(30, 3600, clock="manual", now=T0)),
        InvalidInputError,
        ("60", "30"),
    ),
    (
        "backtest_window_unaligned",
        lambda: _core.backtest(_GOOD, _TOTAL, 60, 99.9, [(14.4, 3600, 90)]),
        WindowError,
        ("short_window", "90"),
    ),
    (
        "tier_short_longer",
        lambda: _core.backtest(_GOOD, _TOTAL, 60, 99.9, [(14.4, 300, 3600)]),
        WindowError,
        ("short_window", "3600", "300"),
    ),
    (
        "rolling_zero_window",
        lambda: _core.rolling_burn_rates(_GOOD, _TOTAL, [0], 99.9),
        WindowError,
        ("window",),
    ),
    (
        "thresholds_order",
        lambda: _core.budget_status(0.5, (0.9, 0.75, 1.0)),
        InvalidInputError,
        ("thresholds", "0.9", "0.75"),
    ),
]


@pytest.mark.parametrize(
    ("call", "cls", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_argument_raises(
    call: Callable[[], object], cls: type[Exception], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(cls) as info:
        call()
    assert isinstance(info.value, SloError)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_service_recorder_rejects_negative_or_nan_duration_and_keeps_counts() -> None:
    avail, latency = counter(), counter()
    before = (state(avail), state(latency))
    rec = _core.ServiceRecorder([(avail, None), (latency, 300.0)])
    assert len(rec) == 2
    for bad, shown in ((-1.0, "got -1"), (math.nan, "got NaN"), (-math.inf, "got -inf")):
        with pytest.raises(InvalidInputError, match="duration_ms") as info:
            rec.record(True, bad)
        assert shown in str(info.value)
        with pytest.raises(InvalidInputError, match="duration_ms"):
            rec.record_at(True, bad, T0)
    assert (state(avail), state(latency)) == before
    rec.record_at(True, 10.0, T0 - 60)
    assert avail.window(3600, end=T0 + 60).total == before[0][0].total + 1


@pytest.mark.parametrize(
    "bad_call",
    [
        lambda c: c.add(5, 4, T0),
        lambda c: c.record(True, math.nan),
        lambda c: c.window(90),
        lambda c: c.windows([60, 7200]),
        lambda c: c.load_arrow(_table(good=pa.array([3], pa.uint64()))),
        lambda c: c.load_arrow(_table(total=None)),
        lambda c: c.merge(_core.WindowedCounter(30, 3600, clock="manual", now=T0)),
        lambda c: c.burn_rate(60, 100.0),
    ],
)
def test_nothing_recorded_is_lost_after_an_error(bad_call: Callable[[Any], object]) -> None:
    c = counter()
    before = state(c)
    assert before[0].total == 11
    with pytest.raises(InvalidInputError):
        bad_call(c)
    assert state(c) == before
    assert c.add(1, 1, T0)  # and it still records
    assert c.window(3600, end=T0 + 60).total == 12


def test_load_arrow_is_all_or_nothing_across_batches() -> None:
    good_batch = _table(good=pa.array([2], pa.uint64())).to_batches()[0]
    bad_batch = _table(good=pa.array([3], pa.uint64())).to_batches()[0]
    c = counter()
    before = state(c)
    with pytest.raises(InvalidInputError, match="row 0: good"):
        c.load_arrow(pa.Table.from_batches([good_batch, bad_batch]))
    assert state(c) == before  # the valid first batch was not loaded either
    assert c.load_arrow(pa.Table.from_batches([good_batch, good_batch])) == 0
    assert c.window(3600, end=T0 + 60).total == before[0].total + 4
