"""Fuzzing the backfill reader: random Arrow tables with every column type, nulls and
dictionary encodings. Whatever comes in, the answer is a result or a clear SloError, never
another exception, and every row is accounted for."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_sre.backfill import Columns, backfill
from nexus_sre.errors import SloError

from .conftest import T0

N = 12
TS_TYPES = [
    pa.timestamp("s", tz="UTC"),
    pa.timestamp("ms", tz="UTC"),
    pa.timestamp("us"),
    pa.timestamp("ns", tz="UTC"),
    pa.int64(),
    pa.int32(),
    pa.float64(),
    pa.string(),
    pa.bool_(),
    pa.null(),
]
SERVICE_TYPES = [pa.string(), pa.large_string(), pa.int64(), pa.null(), pa.binary()]
OUTCOME_TYPES = [
    pa.bool_(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
    pa.uint16(),
    pa.float64(),
    pa.string(),
    pa.null(),
]
LATENCY_TYPES = [pa.float64(), pa.float32(), pa.int64(), pa.duration("ms"), pa.string(), pa.null()]


def values_for(t: pa.DataType, draw: st.DrawFn) -> list[object]:
    if pa.types.is_null(t):
        return [None] * N
    if pa.types.is_timestamp(t):
        scale = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[t.unit]
        base = st.integers(T0 - 10**6, T0 + 10**7).map(lambda s: s * scale)
        return draw(st.lists(st.none() | base, min_size=N, max_size=N))
    if pa.types.is_integer(t):
        info = {8: 2**7, 16: 2**15, 32: 2**31, 64: 2**63}[t.bit_width]
        lo = 0 if pa.types.is_unsigned_integer(t) else -info
        hi = (2 * info - 1) if pa.types.is_unsigned_integer(t) else info - 1
        picks = [v for v in (T0, 200, 503, 429, -1, 99999, 0, lo, hi) if lo <= v <= hi]
        choice = st.sampled_from(picks) | st.integers(lo, hi)
        return draw(st.lists(st.none() | choice, min_size=N, max_size=N))
    if pa.types.is_floating(t):
        special = st.sampled_from([float("nan"), float("inf"), -1.0, 1e308, 0.0, float(T0)])
        return draw(st.lists(st.none() | special | st.floats(-1e6, 1e6), min_size=N, max_size=N))
    if pa.types.is_boolean(t):
        return draw(st.lists(st.none() | st.booleans(), min_size=N, max_size=N))
    if pa.types.is_duration(t):
        return draw(st.lists(st.none() | st.integers(-10, 10**6), min_size=N, max_size=N))
    if pa.types.is_binary(t):
        return draw(
            st.lists(st.none() | st.sampled_from([b"api", b"\xff"]), min_size=N, max_size=N)
        )
    # strings
    names = st.sampled_from(["api", "web", "unknown", "", "2026-01-01T00:00:00Z", "true", "500"])
    return draw(st.lists(st.none() | names, min_size=N, max_size=N))


@st.composite
def tables(draw: st.DrawFn) -> tuple[pa.Table, Columns]:
    cols: dict[str, pa.Array] = {}
    for name, types in (
        ("timestamp", TS_TYPES),
        ("service", SERVICE_TYPES),
        ("outcome", OUTCOME_TYPES),
        ("latency_ms", LATENCY_TYPES),
    ):
        t = draw(st.sampled_from(types))
        arr = pa.array(values_for(t, draw), t)
        if draw(st.booleans()) and not pa.types.is_null(t):
            arr = arr.dictionary_encode()
        cols[name] = arr
    table = pa.table(cols)
    if draw(st.booleans()):
        table = table.slice(draw(st.integers(0, N)))
    outcome_is_status = not pa.types.is_boolean(
        getattr(
            table.schema.field("outcome").type, "value_type", table.schema.field("outcome").type
        )
    )
    columns = (
        Columns(status="outcome", epoch_unit=draw(st.sampled_from(["s", "ms"])))
        if outcome_is_status
        else Columns(success="outcome")
    )
    return table, columns


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=tables(), skip=st.booleans())
def test_any_table_gives_a_result_or_a_clear_error(small_config, data, skip: bool) -> None:
    table, columns = data
    try:
        result = backfill(small_config, table, columns=columns, skip_bad_rows=skip)
    except SloError as exc:
        assert str(exc)
        assert not skip or "column" in str(exc) or "type" in str(exc) or "expected" in str(exc)
        return
    # Every row is either read or skipped with a reason; read rows are counted (each
    # service's availability SLO sees every request of it) or outside the range.
    assert result.rows_read + result.rows_skipped == table.num_rows
    counted = result.slo("api-avail").total_sum + result.slo("web-avail").total_sum
    assert counted + result.rows_outside == result.rows_read
