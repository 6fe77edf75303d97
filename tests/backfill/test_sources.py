"""Every input kind gives the same numbers: Parquet file, hive dataset, CSV, pyarrow
Table / RecordBatchReader, polars, DuckDB; every timestamp and latency encoding."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from nexus_sre.backfill import Columns, backfill, parse_failure_codes
from nexus_sre.cli import main
from nexus_sre.errors import InvalidInputError

from .conftest import SMALL, make_rows, rows_table
from .helpers import assert_matches_reference, assert_same
from .reference import reference

COLS = Columns(success="success")


@pytest.fixture(scope="module")
def data():
    rows = make_rows(np.random.default_rng(11), 3000)
    return rows, rows_table(rows)


@pytest.fixture(scope="module")
def expected(small_config, data):
    rows, table = data
    r = backfill(small_config, table, columns=COLS)
    ref = reference(small_config, rows["ts"], rows["service"].tolist(), rows["ok"], rows["latency"])
    assert_matches_reference(r, ref)
    return r


def test_parquet_file_with_many_row_groups(small_config, data, expected, tmp_path):
    path = tmp_path / "e.parquet"
    pq.write_table(data[1], path, row_group_size=257, compression="zstd")
    assert_same(expected, backfill(small_config, path, columns=COLS))


def test_hive_partitioned_dataset(small_config, data, expected, tmp_path):
    # service as a partition key (a directory per service), several files per partition.
    table = data[1]
    for svc in ("api", "web"):
        part = table.filter(pc.equal(table["service"], svc)).drop_columns(["service"])
        for k in range(3):
            d = tmp_path / f"service={svc}"
            d.mkdir(exist_ok=True)
            pq.write_table(part.slice(k * 1000, 1000), d / f"part-{k}.parquet")
    assert_same(expected, backfill(small_config, tmp_path, columns=COLS))


def test_csv(small_config, data, expected, tmp_path):
    path = tmp_path / "e.csv"
    pcsv.write_csv(data[1], path)
    assert_same(expected, backfill(small_config, str(path), columns=COLS))


def test_arrow_producers(small_config, data, expected):
    table = data[1]
    assert_same(expected, backfill(small_config, table.to_reader(max_chunksize=100), columns=COLS))
    df = pl.from_arrow(table)
    assert_same(expected, backfill(small_config, df, columns=COLS))
    cat = df.with_columns(pl.col("service").cast(pl.Categorical))
    assert_same(expected, backfill(small_config, cat, columns=COLS))
    con = duckdb.connect()
    con.register("t", table)
    assert_same(expected, backfill(small_config, con.sql("select * from t"), columns=COLS))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin"])
def test_timestamp_units_and_zones(small_config, data, expected, unit, tz):
    # Arrow timestamps are UTC instants whatever the zone attached.
    table = data[1]
    ts = pc.cast(table["timestamp"], pa.timestamp(unit, tz=tz))
    t = table.set_column(0, "timestamp", ts)
    assert_same(expected, backfill(small_config, t, columns=COLS))


def test_epoch_integers(small_config, data, expected):
    rows, table = data
    secs = table.set_column(0, "timestamp", pa.array(rows["ts"], pa.int64()))
    assert_same(expected, backfill(small_config, secs, columns=COLS))
    ms = table.set_column(0, "timestamp", pa.array(rows["ts"] * 1000 + 999, pa.int64()))
    assert_same(
        expected, backfill(small_config, ms, columns=Columns(success="success", epoch_unit="ms"))
    )


def test_latency_in_seconds_and_durations(small_config, data, expected):
    rows, table = data
    i = table.schema.get_field_index("latency_ms")
    seconds = table.set_column(i, "lat_s", pa.array(rows["latency"] / 1000))
    cols = Columns(success="success", latency="lat_s", latency_unit="s")
    got = backfill(small_config, seconds, columns=cols)
    # /1000 then *1000 can move a value across the threshold only by rounding: compare.
    lat = got.slo("api-latency").good_sum
    assert abs(lat - expected.slo("api-latency").good_sum) <= 1
    us = pa.array(np.round(rows["latency"] * 1000).astype(np.int64), pa.duration("us"))
    dur = table.set_column(i, "d", us)
    got = backfill(small_config, dur, columns=Columns(success="success", latency="d"))
    assert got.slo("api-avail").good_sum == expected.slo("api-avail").good_sum


def test_status_codes_and_failure_ranges(small_config, data, expected):
    rows, table = data
    codes = np.where(rows["ok"], 200, 503)
    codes[::7] = np.where(rows["ok"][::7], 404, 500)  # 4xx are successes by default
    t = table.drop_columns(["success"]).append_column("status", pa.array(codes, pa.int16()))
    assert_same(expected, backfill(small_config, t))  # auto-detected status column
    strict = backfill(
        small_config, t, columns=Columns(failure_codes=parse_failure_codes("4xx,5xx"))
    )
    n404 = int(((codes == 404) & (rows["service"] == "api")).sum())
    assert n404 > 0
    assert strict.slo("api-avail").good_sum == expected.slo("api-avail").good_sum - n404


def test_failure_code_parsing():
    assert parse_failure_codes("5xx") == ((500, 599),)
    assert parse_failure_codes("500-504, 429") == ((500, 504), (429, 429))
    with pytest.raises(InvalidInputError, match="'abc' is not a code"):
        parse_failure_codes("abc")


def test_cli_outputs(small_config, data, expected, tmp_path, capsys):
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(SMALL)
    path = tmp_path / "e.parquet"
    pq.write_table(data[1], path)
    out = tmp_path / "res.parquet"
    argv = ["backfill", "--config", str(cfg), "--data", str(path), "--success-column", "success"]
    assert main([*argv, "--output", str(out)]) == 0
    # Parquet has no seconds unit: timestamps come back as milliseconds.
    # Names are dictionary-encoded: compare values, not each chunk's dictionary.
    assert pq.read_table(out).cast(expected.buckets.schema).to_pylist() == (
        expected.buckets.to_pylist()
    )
    alerts = pq.read_table(tmp_path / "res.alerts.parquet")
    assert alerts.cast(expected.alerts.schema).equals(expected.alerts)
    assert pq.read_table(tmp_path / "res.summary.parquet").equals(expected.summary)
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["rows_read"] == 3000
    assert [s["good"] for s in doc["summary"]] == [s.good_sum for s in expected.slos]
    assert main([*argv, "--format", "csv", "--output", str(tmp_path / "r.csv")]) == 0
    assert pcsv.read_csv(tmp_path / "r.summary.csv").num_rows == 3
    csv_buckets = pcsv.read_csv(tmp_path / "r.csv")
    assert csv_buckets["service"].to_pylist() == expected.buckets["service"].to_pylist()
    # Bad input: exit 2 with a message, no traceback.
    assert main([*argv[:-1], "nope", "--format", "json"]) == 2
    assert "column 'nope' is missing" in capsys.readouterr().err


def test_progress_bar_only_when_asked(small_config, data, capsys):
    backfill(small_config, data[1], columns=COLS, progress=True)
    assert "rows/s" in capsys.readouterr().err
    backfill(small_config, data[1], columns=COLS)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""


def test_report_command_reads_parquet(small_config, data, expected, tmp_path, capsys):
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(SMALL)
    path = tmp_path / "e.parquet"
    pq.write_table(data[1], path)
    argv = ["report", "--config", str(cfg), "--source", "parquet", "--data", str(path)]
    assert main([*argv, "--format", "json", "--exit-zero"]) == 0
    doc = json.loads(capsys.readouterr().out)
    got = {s["id"]: (s["goodEvents"], s["eventsCount"]) for v in doc["services"] for s in v["slos"]}
    # Each SLO's own window (1h, 2h) ending at the end of the data: count it from the rows.
    rows = data[0]
    end = int(rows["ts"].max()) // 60 * 60 + 60
    for s, hours in (("api-avail", 1), ("web-avail", 2)):
        svc = s.split("-")[0]
        mask = (rows["service"] == svc) & (rows["ts"] >= end - hours * 3600)
        assert got[s] == (int((rows["ok"] & mask).sum()), int(mask.sum()))


def test_to_evaluations_over_the_whole_range(small_config, expected):
    from nexus_sre.backfill import to_evaluations

    evs = to_evaluations(expected, small_config)
    # The SLI covers each SLO's own window ending at the end of the range (or the range).
    bs = expected.bucket_seconds
    for e, s in zip(evs, expected.slos, strict=True):
        k = min(len(s.total), small_config.slo(s.slo_id).time_window.seconds // bs)
        assert (e.good, e.total) == (int(s.good[-k:].sum()), int(s.total[-k:].sum()))
    assert evs[0].period_start.timestamp() == expected.start
    fired = [a for a in evs[0].alerts if a.kind == "burn_rate"]
    # The shared evaluator's backtest and ours name the same intervals.
    ours = sorted((a.name, a.start, a.end) for a in expected.slos[0].alerts)
    theirs = sorted(
        (a.name, int(a.start.timestamp()), a.end and int(a.end.timestamp())) for a in fired
    )
    assert theirs == ours


@pytest.mark.parametrize("compression", ["zstd", "snappy", "lz4", "none", "gzip"])
@pytest.mark.parametrize("dictionary", [True, False])
def test_rust_and_pyarrow_parquet_readers_agree(
    small_config, data, expected, tmp_path, monkeypatch, compression, dictionary
):
    import nexus_sre._core as core
    from nexus_sre.backfill import source

    table = data[1]
    if dictionary:
        i = table.schema.get_field_index("service")
        table = table.set_column(i, "service", table["service"].dictionary_encode())
    path = tmp_path / "e.parquet"
    pq.write_table(table, path, row_group_size=700, compression=compression)
    layout = core.parquet_layout(str(path))
    # gzip is not built into the Rust reader: that file must take the pyarrow path.
    if compression == "gzip":
        assert layout is None
    else:
        assert layout == (table.schema.names, [700, 700, 700, 700, 200])
    monkeypatch.setattr(source, "RUST_CALL_ROWS", 1000)  # several calls per file
    native = backfill(small_config, path, columns=COLS)
    monkeypatch.setattr(source, "RUST_PARQUET", False)
    assert_same(expected, native)
    assert_same(native, backfill(small_config, path, columns=COLS))


def test_directory_of_plain_parquet_files(small_config, data, expected, tmp_path):
    table = data[1]
    for k in range(3):
        pq.write_table(table.slice(k * 1000, 1000), tmp_path / f"part-{k}.parquet")
    assert_same(expected, backfill(small_config, tmp_path, columns=COLS))


def test_cli_output_path_is_created_or_refused_cleanly(data, tmp_path, capsys):
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(SMALL)
    path = tmp_path / "e.parquet"
    pq.write_table(data[1], path)
    argv = ["backfill", "--config", str(cfg), "--data", str(path), "--success-column", "success"]
    out = tmp_path / "new" / "dir" / "res.parquet"
    assert main([*argv, "--output", str(out)]) == 0  # missing directories are made
    assert pq.read_table(out).num_rows > 0
    capsys.readouterr()
    blocked = cfg / "res.parquet"  # a file where a directory should be
    assert main([*argv, "--output", str(blocked)]) == 2
    err = capsys.readouterr().err
    assert f"--output: cannot write {blocked}: {cfg} is a file, not a directory" in err
    assert "Traceback" not in err
