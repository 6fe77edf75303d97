"""Every kind of bad data: a BadRowError (a DataError) naming the column, reason and where
(file, row group, row), or with skip_bad_rows the row skipped and counted by reason. Never a
silent drop."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nexus_sre.backfill import Columns, backfill
from nexus_sre.errors import BadRowError, DataError

from .conftest import T0

COLS = Columns(success="success")
N = 40


def _table(**overrides: pa.Array) -> pa.Table:
    cols = {
        "timestamp": pa.array(T0 + np.arange(N) * 10, pa.timestamp("s", tz="UTC")),
        "service": pa.array(["api"] * N),
        "success": pa.array([True] * N),
        "latency_ms": pa.array(np.full(N, 50.0)),
    }
    cols.update(overrides)
    return pa.table(cols)


def _with(column: str, row: int, value: object, base: pa.Table | None = None) -> pa.Table:
    t = base or _table()
    values = t[column].to_pylist()
    values[row] = value
    arr = pa.array(values, t.schema.field(column).type)
    return t.set_column(t.schema.get_field_index(column), column, arr)


CASES = [
    ("timestamp", None, "null_timestamp", "null timestamp"),
    ("service", None, "null_service", "null service"),
    ("service", "checkout", "unknown_service", "service 'checkout' is not in the config"),
    ("success", None, "null_outcome", "null outcome"),
    ("latency_ms", None, "null_latency", "null latency"),
    ("latency_ms", float("nan"), "nan_latency", "NaN latency"),
    ("latency_ms", -3.5, "negative_latency", "negative latency -3.5 ms"),
]


@pytest.mark.parametrize(("column", "value", "reason", "text"), CASES)
def test_bad_row_in_parquet_names_column_row_group_and_row(
    small_config, tmp_path, column, value, reason, text
):
    path = tmp_path / "export.parquet"
    pq.write_table(_with(column, 25, value), path, row_group_size=10)
    with pytest.raises(BadRowError) as info:
        backfill(small_config, str(path), columns=COLS)
    msg = str(info.value)
    assert f"column '{column}'" in msg
    assert f"{path}, row group 2, row 5 (file row 25)" in msg
    assert text in msg and reason in msg
    err = info.value
    assert (err.column, err.reason) == (column, reason)
    assert (err.source, err.row_group, err.row) == (str(path), 2, 25)
    assert err.location == f"{path}, row group 2, row 5 (file row 25)"


@pytest.mark.parametrize(("column", "value", "reason", "text"), CASES)
def test_bad_row_in_arrow_data_is_typed(small_config, column, value, reason, text):
    with pytest.raises(BadRowError) as info:
        backfill(small_config, _with(column, 25, value), columns=COLS)
    err = info.value
    assert isinstance(err, DataError)
    assert (err.column, err.reason, err.row, err.row_group) == (column, reason, 25, None)
    assert err.location == f"{err.source}, batch 0, row 25 (row 25)"
    assert str(err) == f"column '{column}' in {err.location}: {text} [{reason}]"


@pytest.mark.parametrize(("column", "value", "reason", "text"), CASES)
def test_skip_bad_rows_counts_each_reason(small_config, column, value, reason, text):
    table = _with(column, 3, value, _with(column, 7, value))
    r = backfill(small_config, table, columns=COLS, skip_bad_rows=True)
    assert r.skipped[reason] == 2
    assert r.rows_skipped == 2 and r.rows_read == N - 2
    assert r.slo("api-avail").total_sum == N - 2


def test_timestamp_out_of_range_from_unit_mixup(small_config):
    # Epoch milliseconds read as seconds: the year 57,000.
    ms = pa.array((T0 + np.arange(N) * 10) * 1000, pa.int64())
    t = _table(timestamp=ms)
    with pytest.raises(DataError, match=r"column 'timestamp' in .*batch 0, row 0.*outside 1990"):
        backfill(small_config, t, columns=COLS)
    skipped = backfill(small_config, t, columns=COLS, skip_bad_rows=True)
    assert skipped.skipped["timestamp_out_of_range"] == N and skipped.rows_read == 0
    r = backfill(small_config, t, columns=Columns(success="success", epoch_unit="ms"))
    assert r.rows_read == N


def test_count_nulls_and_negatives(small_config):
    counts = pa.array([1] * N, pa.int64())
    t = _table().append_column("n", counts)
    for value, reason in ((None, "null_count"), (-2, "negative_count")):
        bad = _with("n", 11, value, t)
        with pytest.raises(DataError, match=rf"column 'n'.*batch 0, row 11.*\[{reason}\]"):
            backfill(small_config, bad, columns=Columns(success="success", count="n"))


def test_missing_column_names_it_and_the_source(small_config, tmp_path):
    path = tmp_path / "x.parquet"
    pq.write_table(_table().drop_columns(["latency_ms"]), path)
    with pytest.raises(DataError, match=r"column 'latency_ms' is missing from .*x\.parquet"):
        backfill(small_config, str(path), columns=COLS)


@pytest.mark.parametrize(
    ("column", "array", "expected"),
    [
        ("service", pa.array(np.arange(N)), "expected strings, got Arrow type Int64"),
        ("success", pa.array(["yes"] * N), "expected booleans"),
        ("timestamp", pa.array(np.full(N, 1.5e9)), "expected an Arrow timestamp or integer"),
        ("latency_ms", pa.array(["fast"] * N), "expected numbers or durations"),
    ],
)
def test_mistyped_column(small_config, tmp_path, column, array, expected):
    path = tmp_path / "typed.parquet"
    t = _table()
    pq.write_table(t.set_column(t.schema.get_field_index(column), column, array), path)
    with pytest.raises(DataError) as info:
        backfill(small_config, str(path), columns=COLS, skip_bad_rows=True)
    msg = str(info.value)
    assert f"column '{column}'" in msg and expected in msg and "typed.parquet" in msg


def test_status_column_must_be_integers(small_config):
    t = _table().append_column("status", pa.array(["200"] * N))
    with pytest.raises(DataError, match=r"column 'status'.*expected integer status codes"):
        backfill(small_config, t, columns=Columns(status="status"))


def test_rows_outside_start_end_are_counted_not_dropped(small_config):
    r = backfill(small_config, _table(), columns=COLS, start=T0 + 100, end=T0 + 200)
    assert r.rows_outside == N - 10 and r.rows_read == N
    assert r.slo("api-avail").total_sum == 10
    assert r.start == T0 + 60 and r.end == T0 + 240  # whole buckets around [start, end)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_earliest_bad_row_wins_across_row_groups_and_threads(small_config, tmp_path, threads):
    from nexus_sre.backfill import backfill_partial

    # Bad rows in row groups 1 and 3: whichever thread finds one first, row group 1 is named.
    t = _with("latency_ms", 33, -1.0, _with("success", 17, None))
    path = tmp_path / "two.parquet"
    pq.write_table(t, path, row_group_size=10)
    with pytest.raises(BadRowError) as info:
        backfill_partial(small_config, str(path), columns=COLS, threads=threads)
    assert f"{path}, row group 1, row 7 (file row 17)" in str(info.value)
    assert (info.value.reason, info.value.row_group, info.value.row) == ("null_outcome", 1, 17)


def test_unreadable_row_group_names_file_and_row_group(small_config, tmp_path):
    path = tmp_path / "torn.parquet"
    pq.write_table(_table(), path, row_group_size=10, compression="zstd")
    data = bytearray(path.read_bytes())
    md = pq.ParquetFile(path).metadata
    chunk = md.row_group(2).column(1)  # the service column of row group 2
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data[start + 8 : start + chunk.total_compressed_size] = bytes(chunk.total_compressed_size - 8)
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=re.escape(f"{path}, row group 2: cannot read")):
        backfill(small_config, str(path), columns=COLS)


def test_zero_rows_is_a_valid_empty_result_whatever_the_format(small_config, tmp_path) -> None:
    """A header-only CSV, a zero-row Parquet file and an empty Arrow table all give 0 rows
    and no data (the CSV reader types its columns Null: that must not matter)."""
    csv = tmp_path / "empty.csv"
    csv.write_text("timestamp,service,success,latency_ms\n")
    parquet = tmp_path / "empty.parquet"
    empty = _table().slice(0, 0)
    pq.write_table(empty, parquet)
    for data in (csv, parquet, empty):
        result = backfill(small_config, data, columns=COLS)
        assert result.rows_read == 0 and result.rows_skipped == 0, data
        assert all(s.total_sum == 0 and s.sli is None for s in result.slos)
