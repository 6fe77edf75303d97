"""The column mapping and bucket width from the config's `backfill:` section, through the
API, the command line and the report's parquet source; flags and arguments override it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from nexus_sre.backfill import Columns, backfill, evaluations_from_data
from nexus_sre.cli import main
from nexus_sre.config import load_config_text
from nexus_sre.errors import DataError, InvalidInputError

from .conftest import T0

SERVICES = """\
services:
  - name: api
    tier: tier-3
    slos:
      - id: api-avail
        target: 99
        timeWindow: 1h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 5, window: 10m, shortWindow: 5m, severity: critical}
      - id: api-latency
        target: 95
        timeWindow: 1h
        sli: {type: latency, threshold: 200ms}
        alerting:
          burnRate:
            fast: {threshold: 3, window: 30m, shortWindow: 5m, severity: critical}
  - name: web
    tier: tier-3
    slos:
      - id: web-avail
        target: 98
        timeWindow: 2h
        sli: {type: availability}
        alerting:
          burnRate:
            fast: {threshold: 4, window: 15m, shortWindow: 5m, severity: critical}
"""

MAPPED = (
    """\
version: "1.0"
backfill:
  bucket: 5m
  columns:
    timestamp: ts
    epochUnit: ms
    service: svc
    status: http_status
    failureCodes: [5xx, 429]
    latency: duration_s
    latencyUnit: s
    count: n
"""
    + SERVICES
)
PLAIN = 'version: "1.0"\n' + SERVICES  # no backfill section: the built-in defaults

# The MAPPED section as command-line flags.
FLAGS = [
    "--bucket", "5m", "--timestamp-column", "ts", "--epoch-unit", "ms",
    "--service-column", "svc", "--status-column", "http_status",
    "--failure-codes", "5xx,429", "--latency-column", "duration_s", "--latency-unit", "s",
    "--count-column", "n",
]  # fmt: skip

ROWS = 4000
BUCKET = 300


@pytest.fixture(scope="module")
def rows() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    ts_ms = T0 * 1000 + rng.integers(0, 3 * 3600 * 1000, ROWS)
    burst = (ts_ms // 1000 - T0) % 3600 < 600  # ten bad minutes every hour
    codes = np.where(
        rng.random(ROWS) < np.where(burst, 0.4, 0.02),
        rng.choice([429, 500, 503], ROWS),
        rng.choice([200, 201, 404], ROWS),
    )
    return {
        "ts": ts_ms,
        "svc": np.where(rng.random(ROWS) < 0.6, "api", "web"),
        "http_status": codes,
        "dur_ms": rng.integers(1, 600, ROWS),  # whole ms: none within rounding of 200 ms
        "n": rng.integers(1, 5, ROWS),
    }


@pytest.fixture(scope="module")
def export(rows: dict[str, np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Parquet file in which no column has a default name."""
    table = pa.table(
        {
            "ts": pa.array(rows["ts"], pa.int64()),
            "svc": pa.array(rows["svc"].tolist(), pa.string()),
            "http_status": pa.array(rows["http_status"], pa.int16()),
            "duration_s": pa.array(rows["dur_ms"] / 1000),
            "dur_ms": pa.array(rows["dur_ms"], pa.int32()),
            "n": pa.array(rows["n"], pa.int64()),
        }
    )
    path = tmp_path_factory.mktemp("export") / "requests.parquet"
    pq.write_table(table, path, row_group_size=1000)
    return path


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("configs")
    (d / "mapped.yaml").write_text(MAPPED)
    (d / "plain.yaml").write_text(PLAIN)
    return d / "mapped.yaml", d / "plain.yaml"


def expected(rows: dict[str, np.ndarray], failures: tuple[int, ...] = (429,)) -> dict[str, dict]:
    """Per SLO, counted straight from the rows: good and total per 5-minute bucket."""
    bucket = rows["ts"] // 1000 // BUCKET
    first, width = int(bucket.min()), int(bucket.max() - bucket.min()) + 1
    failed = (rows["http_status"] >= 500) | np.isin(rows["http_status"], failures)
    slos = {
        "api-avail": ("api", ~failed),
        "api-latency": ("api", rows["dur_ms"] <= 200),
        "web-avail": ("web", ~failed),
    }
    out = {}
    for slo_id, (svc, good) in slos.items():
        mine = rows["svc"] == svc
        weights = rows["n"] * mine
        total = np.bincount(bucket - first, weights, width).astype(np.uint64)
        good_n = np.bincount(bucket - first, weights * good, width).astype(np.uint64)
        out[slo_id] = {"first": first, "good": good_n, "total": total}
    return out


def test_api_reads_the_mapping_and_bucket_from_the_config(rows, export):
    result = backfill(load_config_text(MAPPED, "mapped.yaml"), export)
    assert result.bucket_seconds == BUCKET
    assert result.rows_read == ROWS and result.rows_skipped == 0
    want = expected(rows)
    for s in result.slos:
        assert s.first_bucket == want[s.slo_id]["first"]
        np.testing.assert_array_equal(s.good, want[s.slo_id]["good"])
        np.testing.assert_array_equal(s.total, want[s.slo_id]["total"])
    # The figures are real: every SLO has bad events, 429s among them.
    api = rows["svc"] == "api"
    assert result.slo("api-avail").total_sum == int(rows["n"][api].sum())
    n429 = int(rows["n"][api & (rows["http_status"] == 429)].sum())
    n5xx = int(rows["n"][api & (rows["http_status"] >= 500)].sum())
    assert n429 > 0 and n5xx > 0
    assert result.slo("api-avail").good_sum == int(rows["n"][api].sum()) - n429 - n5xx
    assert all(s.alerts for s in result.slos)


def _cli_json(*args):
    """`python -m nexus_sre backfill ... --format json` in a fresh process."""
    proc = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "backfill", *args, "--format", "json", "--no-progress"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_cli_with_the_config_alone_equals_the_mapping_as_flags(rows, export, configs):
    mapped, plain = configs
    from_config = _cli_json("--config", str(mapped), "--data", str(export))
    from_flags = _cli_json("--config", str(plain), "--data", str(export), *FLAGS)
    assert from_config == from_flags
    assert from_config["totals"]["bucket_seconds"] == BUCKET
    assert from_config["totals"]["rows_read"] == ROWS
    want = expected(rows)
    got = {s["slo_id"]: (s["good"], s["total"]) for s in from_config["summary"]}
    assert got == {k: (int(v["good"].sum()), int(v["total"].sum())) for k, v in want.items()}
    assert len(from_config["buckets"]) == 3 * len(want["api-avail"]["total"])
    assert from_config["alerts"]  # the bursts fire the fast alerts


def test_a_flag_overrides_one_field_of_the_config(rows, export, configs, capsys):
    mapped, _ = configs

    argv = ["backfill", "--config", str(mapped), "--data", str(export), "--format", "json"]

    def run(*flags):
        assert main([*argv, *flags]) == 0
        return json.loads(capsys.readouterr().out)

    def sums(doc):
        return {s["slo_id"]: (s["good"], s["total"]) for s in doc["summary"]}

    base = run()
    # 429 is no longer a failure; timestamp, service, status, latency and count still come
    # from the config (without them the run would not find its columns).
    only_5xx = run("--failure-codes", "5xx")
    want = expected(rows, failures=())
    assert sums(only_5xx) == {
        k: (int(v["good"].sum()), int(v["total"].sum())) for k, v in want.items()
    }
    api, web = rows["svc"] == "api", rows["svc"] == "web"
    n429 = rows["n"] * (rows["http_status"] == 429)
    assert sums(only_5xx)["api-avail"][0] - sums(base)["api-avail"][0] == int(n429[api].sum())
    assert sums(only_5xx)["web-avail"][0] - sums(base)["web-avail"][0] == int(n429[web].sum())
    assert sums(only_5xx)["api-latency"] == sums(base)["api-latency"]
    # The same latencies in another column and unit: the same numbers.
    ms = run("--latency-column", "dur_ms", "--latency-unit", "ms")
    assert ms == base
    # --bucket overrides backfill.bucket.
    minutes = run("--bucket", "1m")
    assert minutes["totals"]["bucket_seconds"] == 60
    assert sums(minutes) == sums(base)
    # An outcome flag replaces the config's outcome column (status) rather than adding to it.
    assert main([*argv, "--success-column", "ok"]) == 2
    assert "column 'ok' is missing" in capsys.readouterr().err


def test_api_columns_argument_over_the_config(rows, export):
    config = load_config_text(MAPPED, "mapped.yaml")
    base = backfill(config, export)
    # A mapping changes single fields, as the flags do.
    loose = backfill(config, export, columns={"failure_codes": ((500, 599),)})
    want = expected(rows, failures=())
    assert loose.slo("web-avail").good_sum == int(want["web-avail"]["good"].sum())
    assert loose.slo("api-latency").good_sum == base.slo("api-latency").good_sum
    same = backfill(config, export, columns={"latency": "dur_ms", "latency_unit": "ms"})
    assert same.summary.equals(base.summary)
    # A Columns is a whole mapping: the config's names no longer apply.
    with pytest.raises(DataError, match="column 'timestamp' is missing"):
        backfill(config, export, columns=Columns(status="http_status"))
    whole = Columns(**config.backfill.columns.given())  # the same names, given whole
    assert backfill(config, export, columns=whole).summary.equals(base.summary)
    # bucket_seconds= overrides backfill.bucket.
    assert backfill(config, export, bucket_seconds=60).bucket_seconds == 60
    with pytest.raises(InvalidInputError, match="unknown field 'latency_column'"):
        backfill(config, export, columns={"latency_column": "dur_ms"})


def test_report_source_reads_the_config_mapping(rows, export):
    from datetime import UTC, datetime

    config = load_config_text(MAPPED, "mapped.yaml")
    start = datetime.fromtimestamp(T0, UTC)
    end = datetime.fromtimestamp(T0 + 3 * 3600, UTC)
    evs = evaluations_from_data(config, export, start=start, end=end, with_series=False)
    want = expected(rows)
    # The SLI covers each SLO's own window ending at the period's end (1h, 1h, 2h).
    windows = {"api-avail": 3600, "api-latency": 3600, "web-avail": 7200}
    stop = (T0 + 3 * 3600) // BUCKET

    def last(k: str, v: dict) -> tuple[int, int]:
        lo = (T0 + 3 * 3600 - windows[k]) // BUCKET - v["first"]
        hi = stop - v["first"]
        return int(v["good"][lo:hi].sum()), int(v["total"][lo:hi].sum())

    assert {e.slo_id: (e.good, e.total) for e in evs} == {k: last(k, v) for k, v in want.items()}
    assert all(e.period_start == start for e in evs)  # history: the whole period


def test_layers_of_columns():
    config = {"timestamp": "ts", "status": "code", "latency_unit": "s"}
    cols = Columns.layered(config, {"success": "ok", "latency": None})
    assert cols == Columns(timestamp="ts", success="ok", latency_unit="s")
    assert Columns.layered() == Columns()
    assert Columns.layered(config, {"status": "http"}).status == "http"
    with pytest.raises(InvalidInputError, match="not both"):
        Columns.layered({"success": "ok", "status": "code"})
