"""`report/budgets --source backfill`: what it accepts (every output format, any bucket
width, sparse tables), and every kind of bad input: exit 2 and a message that names the
file and the column, never a traceback."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from nexus_sre.backfill import backfill
from nexus_sre.cli import main
from nexus_sre.common.times import epoch, iso
from nexus_sre.config import load_config_text
from nexus_sre.errors import InvalidInputError
from nexus_sre.sources.backfill import BackfillSource

from .conftest import SMALL, T0, make_rows, rows_table
from .helpers import assert_agree


@pytest.fixture(scope="module")
def export():
    return rows_table(make_rows(np.random.default_rng(5), 3000))


@pytest.fixture(scope="module")
def result(small_config, export):
    return backfill(small_config, export)


@pytest.fixture
def files(tmp_path, export, result) -> Path:
    """slos.yaml, export.parquet and the backfill's out.parquet (+ .alerts, .summary)."""
    (tmp_path / "slos.yaml").write_text(SMALL)
    pq.write_table(export, tmp_path / "export.parquet")
    result.write(str(tmp_path / "out.parquet"))
    return tmp_path


class Ran(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def run(files, capsys):
    """`nexus-sre report|budgets ... --source backfill [--data DATA] ...`, in process."""

    def run(data: str | Path | None, *args: str, command: str = "report") -> Ran:
        config = str(files / "slos.yaml")
        argv = [command, config] if command == "budgets" else [command, "--config", config]
        argv += ["--source", "backfill", *(["--data", str(data)] if data else []), *args]
        code = main(argv)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Ran(code, captured.out, captured.err)

    return run


def assert_bad(ran: Ran, *fragments: str) -> None:
    assert ran.code == 2, ran.err
    for f in fragments:
        assert f in ran.err, ran.err


# -- what it reads ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "html", "csv", "yaml", "markdown"])
def test_every_report_format(files, run, fmt):
    ran = run(files / "out.parquet", "--format", fmt, "-o", str(files / f"r.{fmt}"))
    assert ran.code in (0, 1), ran.err
    text = (files / f"r.{fmt}").read_text()
    assert "api-avail" in text and "web-avail" in text


def test_budgets_read_backfill_output(files, run, capsys):
    via = run(files / "out.parquet", "--format", "json", command="budgets")
    assert via.code == 0, via.err
    argv = ["budgets", str(files / "slos.yaml"), "--source", "parquet", "--format", "json"]
    assert main([*argv, "--data", str(files / "export.parquet")]) == 0
    assert_agree(json.loads(via.out), json.loads(capsys.readouterr().out))


FIVE_MINUTES = """\
version: "1.0"
services:
  - name: api
    tier: tier-3
    slos:
      - id: api-avail
        name: API availability
        target: 99
        timeWindow: 2h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 4, window: 30m, shortWindow: 5m, severity: critical}
  - name: web
    tier: tier-3
    slos:
      - id: web-avail
        name: Web availability
        target: 98
        timeWindow: 1h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 4, window: 15m, shortWindow: 5m, severity: critical}
"""


def test_bucket_width_from_metadata_or_inferred(export, tmp_path):
    """5-minute buckets: Parquet and JSON record the width, CSV gives it by the gaps."""
    config = load_config_text(FIVE_MINUTES, "five.yaml")
    result = backfill(config, export, bucket_seconds=300)
    sources = []
    for fmt in ("parquet", "csv", "json"):
        result.write(str(tmp_path / f"out.{fmt}"), fmt)
        sources.append(BackfillSource.read(tmp_path / f"out.{fmt}"))
    assert [s.bucket_seconds for s in sources] == [300, 300, 300]
    first = sources[0].evaluations(config)
    assert len(first[0].series.timestamps) == 7200 // 300  # api-avail: a 2-hour window
    assert any(e.alerts for e in first)
    for s in sources[1:]:
        assert_agree(s.evaluations(config), first)
    assert_agree(BackfillSource.from_result(result).evaluations(config), first)


def test_json_output_spells_times_as_every_output(result, tmp_path):
    """The JSON of a backfill wrote `2026-01-01T00:00:00+00:00`, the report and every
    other output `2026-01-01T00:00:00Z` (`common.times.iso`): one spelling now."""
    result.write(str(tmp_path / "out.json"), "json")
    doc = json.loads((tmp_path / "out.json").read_text())
    times = [r["bucket_start"] for r in doc["buckets"]]
    times += [r[k] for r in doc["alerts"] for k in ("start", "end") if r[k] is not None]
    assert doc["alerts"] and times
    for text in times:
        assert text == iso(epoch(text)) and text.endswith("Z"), text
    assert times[0] == iso(int(result.buckets.column("bucket_start")[0].value))


def test_a_sparse_table_is_the_dense_one(small_config, result):
    """Buckets without events may be left out of a table (e.g. filtered in DuckDB)."""
    dense = BackfillSource.from_result(result)
    buckets = result.buckets
    sparse = BackfillSource.from_table(buckets.filter(pc.greater(buckets["total"], 0)))
    assert (sparse.start, sparse.end) == (dense.start, dense.end)
    assert_agree(sparse.evaluations(small_config), dense.evaluations(small_config))


def test_services_pick_slos_in_the_file(files, result, run):
    only_api = result.buckets.filter(pc.equal(result.buckets["service"], "api"))
    pq.write_table(only_api, files / "api.parquet")
    assert_bad(run(files / "api.parquet"), "api.parquet", "web/web-avail", "--services")
    ran = run(files / "api.parquet", "--services", "api", "--exit-zero")
    assert ran.code == 0, ran.err
    # Services filtered out are left out, not listed as no-data.
    assert [s["name"] for s in json.loads(ran.out)["services"]] == ["api"]


def test_library_takes_results_tables_and_sources(small_config, result):
    table = BackfillSource.of(result.buckets)
    assert BackfillSource.of(table) is table
    assert_agree(
        table.evaluations(small_config), BackfillSource.of(result).evaluations(small_config)
    )
    with pytest.raises(InvalidInputError, match="got dict"):
        BackfillSource.of({})


# -- bad input ------------------------------------------------------------------------------


def test_a_request_export_is_not_backfill_output(files, run):
    assert_bad(
        run(files / "export.parquet"),
        "export.parquet: column 'slo_id' is missing",
        "--source parquet",
    )


@pytest.mark.parametrize(("name", "says"), [("alerts", "alerts file"), ("summary", "summary file")])
def test_the_other_output_files(files, run, name, says):
    assert_bad(run(files / f"out.{name}.parquet"), f"out.{name}.parquet", "is missing", says)


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _with(table: pa.Table, name: str, row: int, value: object, type_: pa.DataType) -> pa.Table:
    values = table[name].to_pylist()
    values[row] = value
    return _set(table, name, pa.array(values, type_))


BAD_TABLES = {
    "missing column": (lambda t: t.drop_columns(["total"]), "column 'total' is missing"),
    "float counts": (
        lambda t: _set(t, "good", t["good"].cast(pa.float64())),
        "column 'good' must be whole numbers of events, got double",
    ),
    "numbers for services": (
        lambda t: _set(t, "service", pa.array(np.arange(t.num_rows))),
        "column 'service' must be text, got int64",
    ),
    "numbers for bucket starts": (
        lambda t: _set(t, "bucket_start", t["bucket_start"].cast(pa.int64())),
        "column 'bucket_start' must be timestamps, got int64",
    ),
    "negative count": (
        lambda t: _with(t.cast(_signed(t.schema)), "total", 3, -1, pa.int64()),
        "column 'total', row 3: negative count",
    ),
    "more good than total": (
        lambda t: _with(t, "good", 5, t["total"][5].as_py() + 1, pa.uint64()),
        "column 'good', row 5:",
    ),
    "null count": (
        lambda t: _with(t, "total", 2, None, pa.uint64()),
        "column 'total', row 2: null",
    ),
    "milliseconds read as seconds": (
        lambda t: _set(t, "bucket_start", _ms_as_s(t["bucket_start"])),
        "column 'bucket_start', row 0: 1767225600000 s since the epoch is outside 1990..2200",
    ),
    "buckets years apart": (
        lambda t: _with(t, "bucket_start", 0, datetime(2029, 1, 1), pa.timestamp("s")),
        "column 'bucket_start': the 240 buckets of api/api-avail spread over 1578240 buckets",
    ),
    "a bucket twice": (
        lambda t: pa.concat_tables([t, t.slice(7, 1)]),
        "column 'bucket_start': the bucket at",
    ),
}


def _ms_as_s(starts: pa.ChunkedArray) -> pa.Array:
    ms = starts.cast(pa.timestamp("s")).cast(pa.int64()).to_numpy() * 1000
    return pa.array(ms, pa.timestamp("s"))


def _signed(schema: pa.Schema) -> pa.Schema:
    return pa.schema(
        [f.with_type(pa.int64()) if f.name in ("good", "total") else f for f in schema]
    )


@pytest.mark.parametrize("case", list(BAD_TABLES), ids=list(BAD_TABLES))
def test_bad_buckets_tables(files, result, run, case):
    change, says = BAD_TABLES[case]
    pq.write_table(change(result.buckets), files / "bad.parquet")
    assert_bad(run(files / "bad.parquet"), f"bad.parquet: {says}")


def test_a_bucket_start_off_the_recorded_width(files, run):
    table = pq.read_table(files / "out.parquet")  # keeps the recorded width (60 s)
    starts = table["bucket_start"].cast(pa.timestamp("s")).cast(pa.int64()).to_numpy().copy()
    starts[4] += 30
    pq.write_table(
        _set(table, "bucket_start", pa.array(starts, pa.timestamp("s"))), files / "b.parquet"
    )
    assert_bad(run(files / "b.parquet"), "b.parquet: column 'bucket_start', row 4:", "60-second")


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("bucket_start", "yesterday", "column 'bucket_start': Failed to parse string: 'yesterday'"),
        ("good", "many", "column 'good': Failed to parse string: 'many'"),
        ("slo_id", "", "column 'slo_id', row 1: null"),
    ],
)
def test_bad_csv_values(files, result, run, column, value, says):
    result.write(str(files / "out.csv"), "csv")
    lines = (files / "out.csv").read_text().splitlines()
    header = lines[0].replace('"', "").split(",")
    cells = lines[2].split(",")
    cells[header.index(column)] = value
    lines[2] = ",".join(cells)
    (files / "bad.csv").write_text("\n".join(lines) + "\n")
    assert_bad(run(files / "bad.csv"), f"bad.csv: {says}")


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_a_backfill_that_saw_no_rows(small_config, export, files, run, fmt):
    empty = backfill(small_config, export.slice(0, 0))
    empty.write(str(files / f"empty.{fmt}"), fmt)
    assert_bad(run(files / f"empty.{fmt}"), f"empty.{fmt}: no buckets")


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("zero.parquet", "zero.parquet: not a Parquet file"),
        ("zero.csv", "zero.csv: column 'service' is missing"),
        ("zero.json", "zero.json: not JSON"),
    ],
)
def test_empty_files(files, run, name, says):
    (files / name).write_bytes(b"")
    assert_bad(run(files / name), says)


def test_not_backfill_json(files, run):
    (files / "other.json").write_text('{"slos": []}')
    assert_bad(run(files / "other.json"), "other.json: not the JSON output of a backfill")


def test_unknown_format(files, run):
    (files / "notes.txt").write_text("service,slo_id\n")
    assert_bad(run(files / "notes.txt"), "notes.txt: cannot tell the format")


def test_period_outside_the_data(files, run):
    assert_bad(
        run(files / "out.parquet", "--start", "2026-02-01", "--end", "2026-02-02"),
        "period: 2026-02-01T00:00:00Z to 2026-02-02T00:00:00Z is outside the data in",
        "out.parquet (2026-01-01T00:00:00Z to 2026-01-01T04:00:00Z)",
    )
    assert_bad(run(files / "out.parquet", "--end", "2025-12-31"), "is outside the data")


def test_no_data_path_or_a_wrong_one(files, run):
    assert_bad(run(None), "--data: the backfill source needs --data PATH")
    assert_bad(run(files / "nope.parquet"), "--data: ", "nope.parquet does not exist")
    assert_bad(run(files), "is a directory")


def test_one_bucket_needs_a_recorded_width(small_config, files, run):
    one = rows_table(
        {
            "ts": np.array([T0 + 5, T0 + 20]),
            "ok": np.array([True, False]),
            "latency": np.array([10.0, 20.0]),
            "service": np.array(["api", "web"]),
        }
    )
    result = backfill(small_config, one)
    result.write(str(files / "one.parquet"))
    assert run(files / "one.parquet", "--exit-zero").code == 0
    result.write(str(files / "one.csv"), "csv")
    assert_bad(run(files / "one.csv"), "one.csv: column 'bucket_start' has one bucket start only")
