"""to_arrow -> load_arrow round trips, directly and through polars and DuckDB."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_sre._core import WindowedCounter

T0 = 1_700_000_000.0
WIDTH, HORIZON = 60, 3600


def fresh() -> WindowedCounter:
    return WindowedCounter(WIDTH, HORIZON, 60, clock="manual", now=T0)


def rows(table: Any) -> list[tuple[int, int, int]]:
    t = pa.table(table) if not isinstance(table, pa.Table) else table
    starts = t.column("bucket_start").cast(pa.int64()).to_pylist()
    good, total = t.column("good").to_pylist(), t.column("total").to_pylist()
    return list(zip(starts, good, total, strict=True))


# Events strictly inside the horizon and not in the future (test_counter.py covers the
# edges).
events = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 1000), st.integers(-HORIZON + WIDTH, 0)),
    max_size=50,
).map(lambda evs: [(min(g, t), t, off) for g, t, off in evs])


def filled(evs: list[tuple[int, int, int]]) -> WindowedCounter:
    c = fresh()
    for good, total, off in evs:
        assert c.add(good, total, T0 + off)
    return c


def _polars(table: pa.Table) -> Any:
    pl = pytest.importorskip("polars")
    return pl.from_arrow(table)


def _duckdb_relation(table: pa.Table) -> Any:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("state", table)
    # A DuckDB relation exports Arrow through the PyCapsule stream interface.
    return con.sql("SELECT bucket_start, good, total FROM state ORDER BY bucket_start")


def _duckdb_arrow(table: pa.Table) -> Any:
    return _duckdb_relation(table).arrow()


def _record_batch(table: pa.Table) -> Any:
    return table.combine_chunks().to_batches()[0] if table.num_rows else table


CONVERTERS: dict[str, Callable[[pa.Table], Any]] = {
    "pyarrow": lambda t: t,
    "record_batch": _record_batch,
    "polars": _polars,
    "duckdb_relation": _duckdb_relation,
    "duckdb_arrow": _duckdb_arrow,
}


@pytest.mark.parametrize("via", list(CONVERTERS))
@settings(max_examples=40, deadline=None)
@given(evs=events)
def test_round_trip_equals_original(via: str, evs: list[tuple[int, int, int]]) -> None:
    original = filled(evs)
    table = original.to_arrow()
    assert table.schema.field("bucket_start").type == pa.timestamp("s", tz="UTC")
    assert table.schema.field("good").type == pa.uint64()
    assert table.schema.field("total").type == pa.uint64()
    # The table holds exactly the events, one row per non-empty bucket.
    expected: dict[int, list[int]] = {}
    for good, total, off in evs:
        if total:
            cell = expected.setdefault(math.floor((T0 + off) / WIDTH) * WIDTH, [0, 0])
            cell[0] += good
            cell[1] += total
    assert rows(table) == [(b, g, t) for b, (g, t) in sorted(expected.items())]

    copy = fresh()
    assert copy.load_arrow(CONVERTERS[via](table)) == 0
    assert rows(copy.to_arrow()) == rows(table)
    ws = [WIDTH * k for k in (1, 5, 15, 60)]
    assert copy.windows(ws) == original.windows(ws)
    assert copy.dropped == original.dropped == 0


def test_load_arrow_adds_to_what_is_there_and_counts_refusals() -> None:
    c = filled([(1, 2, -120), (3, 3, 0)])
    table = c.to_arrow()
    assert c.load_arrow(table) == 0
    assert rows(c.to_arrow()) == [(int(T0 - 120) // 60 * 60, 2, 4), (int(T0) // 60 * 60, 6, 6)]
    # Loaded into a counter whose clock has moved on, the old row is refused and counted.
    later = WindowedCounter(WIDTH, HORIZON, 60, clock="manual", now=T0 + HORIZON - 60)
    assert later.load_arrow(table) == 2
    assert later.dropped == 2
    assert rows(later.to_arrow()) == [(int(T0) // 60 * 60, 3, 3)]


def test_load_arrow_accepts_integer_seconds_and_other_count_types() -> None:
    b0 = int(T0) // 60 * 60
    table = pa.table(
        {
            "bucket_start": pa.array([b0 - 60, b0], pa.int64()),
            "good": pa.array([1, 2], pa.int32()),
            "total": pa.array([1.0, 5.0], pa.float64()),
        }
    )
    c = fresh()
    assert c.load_arrow(table) == 0
    assert rows(c.to_arrow()) == [(b0 - 60, 1, 1), (b0, 2, 5)]
    ms = table.set_column(
        0, "bucket_start", pa.array([(b0 - 60) * 1000, b0 * 1000], pa.timestamp("ms"))
    )
    c2 = fresh()
    c2.load_arrow(ms)
    assert rows(c2.to_arrow()) == rows(c.to_arrow())


def test_round_trip_keeps_dropped() -> None:
    c = fresh()
    assert not c.record(True, T0 - 2 * HORIZON)
    assert c.dropped == 1
    assert c.to_arrow().schema.metadata[b"nexus_sre.dropped"] == b"1"
    copy = fresh()
    copy.load_arrow(c.to_arrow())
    assert copy.dropped == 1
