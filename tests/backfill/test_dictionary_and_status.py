"""Dictionary-encoded columns (Spark, pandas categoricals) read like plain ones, and status
codes outside 100..599 are invalid rows with their own skip reason (issue 19)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from nexus_sre.backfill import Columns, backfill
from nexus_sre.errors import DataError

from .conftest import T0


@pytest.mark.parametrize("index_type", [pa.int8(), pa.int16(), pa.int32(), pa.int64()])
def test_dictionary_encoded_status_is_accepted(small_config, index_type) -> None:
    """Spark and pandas categoricals write Dictionary(IntN, Int32) status columns."""
    status = pa.array([200, 503, 200, 200], pa.int32())
    table = pa.table(
        {
            "timestamp": pa.array([T0 + i for i in range(4)], pa.timestamp("s", tz="UTC")),
            "service": pa.array(["api"] * 4),
            "status": pa.DictionaryArray.from_arrays(
                pa.array([0, 1, 0, 0], index_type), pa.array([200, 503], pa.int32())
            ),
            "latency_ms": pa.array([1.0] * 4),
        }
    )
    plain = table.set_column(2, "status", status)
    a = backfill(small_config, table, columns=Columns(status="status"))
    b = backfill(small_config, plain, columns=Columns(status="status"))
    assert a.slo("api-avail").good_sum == b.slo("api-avail").good_sum == 3
    assert a.slo("api-avail").total_sum == 4


def _rows(n: int = 6) -> dict[str, pa.Array]:
    return {
        "timestamp": pa.array([T0 + 30 * i for i in range(n)], pa.timestamp("s", tz="UTC")),
        "service": pa.array(["api", "web"] * (n // 2)),
        "success": pa.array([True, False, True, True, False, True]),
        "latency_ms": pa.array([10.0, 500.0, None, 150.0, 250.0, 10.0]),
        "count": pa.array([1, 2, 3, None, 5, 6], pa.int64()),
    }


@pytest.mark.parametrize("column", ["timestamp", "success", "latency_ms", "count"])
def test_every_dictionary_encoded_column_reads_like_the_plain_one(small_config, column) -> None:
    plain = pa.table(_rows())
    encoded = plain.set_column(
        plain.schema.get_field_index(column), column, plain.column(column).dictionary_encode()
    )
    assert pa.types.is_dictionary(encoded.schema.field(column).type)
    columns = Columns(success="success", count="count")
    a = backfill(small_config, encoded, columns=columns, skip_bad_rows=True)
    b = backfill(small_config, plain, columns=columns, skip_bad_rows=True)
    assert a.skipped == b.skipped and a.rows_skipped == 2  # the null latency and count
    for slo in ("api-avail", "api-latency", "web-avail"):
        assert (a.slo(slo).good_sum, a.slo(slo).total_sum) == (
            b.slo(slo).good_sum,
            b.slo(slo).total_sum,
        )
    assert b.slo("web-avail").total_sum == 2 + 6  # rows 1 and 5 (row 3's count is null)


def _statuses(codes: list[int], dtype: pa.DataType | None = None) -> pa.Table:
    dtype = dtype or pa.int32()
    n = len(codes)
    return pa.table(
        {
            "timestamp": pa.array([T0 + i for i in range(n)], pa.timestamp("s", tz="UTC")),
            "service": pa.array(["api"] * n),
            "status": pa.array(codes, dtype),
            "latency_ms": pa.array([1.0] * n),
        }
    )


@pytest.mark.parametrize("dtype", [pa.int16(), pa.int32(), pa.int64(), pa.uint16()])
def test_status_codes_outside_100_to_599_are_invalid_rows(small_config, dtype) -> None:
    codes = [200, 99, 600, 503, 100, 599, 0, 65535 if dtype == pa.uint16() else -1]
    table = _statuses(codes, dtype)
    result = backfill(small_config, table, columns=Columns(status="status"), skip_bad_rows=True)
    assert result.skipped.get("invalid_status") == 4
    assert result.rows_skipped == 4
    avail = result.slo("api-avail")
    assert (avail.good_sum, avail.total_sum) == (2, 4)  # 200 and 100 good; 503 and 599 bad
    with pytest.raises(DataError, match=r"status.*(99|outside).*invalid_status"):
        backfill(small_config, table, columns=Columns(status="status"))


def test_huge_status_codes_are_invalid_not_good(small_config) -> None:
    table = _statuses([99999, 200])
    with pytest.raises(DataError, match="99999"):
        backfill(small_config, table, columns=Columns(status="status"))
