"""Backfill: ours against polars and DuckDB doing the same computation, and against
pyarrow's read_table of the same columns (the decode floor).

Quick mode (NEXUS_BENCH_QUICK=1, or benchmarks disabled): a 200k-row export, each
benchmark once, ratios printed, not enforced. Full mode:

    NEXUS_BACKFILL_ROWS=50000000 python -m pytest benches/test_backfill_bench.py \\
        --benchmark-enable --benchmark-min-rounds=5 -s

Peak memory is measured per engine in a fresh process (`backfill_engines.py`), since RSS
high-water marks cannot be reset inside one.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import backfill_engines as engines  # noqa: E402
import make_export  # noqa: E402


@pytest.fixture(scope="session")
def export(quick: bool, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    rows = int(os.environ.get("NEXUS_BACKFILL_ROWS", 200_000 if quick else 50_000_000))
    cache = os.environ.get("NEXUS_BACKFILL_EXPORT")  # reuse a generated file across runs
    d = tmp_path_factory.mktemp("export")
    path = Path(cache) if cache else d / f"export-{rows}.parquet"
    if not path.exists():
        make_export.make(path, rows=rows, seed=1)
    config = d / "slos.yaml"
    config.write_text(make_export.config_text())
    return str(path), str(config)


@pytest.mark.parametrize("engine", ["ours", "polars", "duckdb", "read_table"])
def test_backfill_engine(benchmark, export, engine):
    path, config = export
    benchmark.group = "backfill"
    out = benchmark.pedantic(
        engines.ENGINES[engine],
        args=(path, config),
        rounds=1 if _quick(benchmark) else 5,
        iterations=1,
    )
    assert out.num_rows > 0


def _quick(benchmark) -> bool:
    return benchmark.disabled


def test_engines_agree(export):
    """Ours, polars and DuckDB: identical counts, burn rates equal to float rounding."""
    path, config = export
    ours = engines.normalise(engines.ours(path, config))
    for name in ("polars", "duckdb"):
        other = engines.normalise(engines.ENGINES[name](path, config))
        assert ours.num_rows == other.num_rows, name
        for col in ("service", "minute", "good", "total"):
            assert ours[col].equals(other[col]), (name, col)
        for w in engines.WINDOWS:
            a, b = ours[f"burn_{w}"].to_numpy(), other[f"burn_{w}"].to_numpy()
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"{name} {w}")


def _child(engine: str, path: str, config: str) -> dict[str, float]:
    """Run one engine in a fresh process. Peak RSS comes from /usr/bin/time -v: a child
    spawned straight from this (large) pytest process inherits its high-water mark."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent / "python"), *sys.path]))
    cmd = [sys.executable, str(HERE / "backfill_engines.py"), engine, path, config]
    timer = shutil.which("time") or "/usr/bin/time"
    wrapped = Path(timer).exists()
    out = subprocess.run(
        [timer, "-v", *cmd] if wrapped else cmd,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if wrapped:
        for line in out.stderr.splitlines():
            if "Maximum resident set size" in line:
                result["peak_rss_mb"] = int(line.split()[-1]) / 1024
    return result


def test_time_and_peak_memory(export, quick, capsys):
    """Each engine in its own process, alternating, a few times: medians and ratios."""
    path, config = export
    runs = 1 if quick else 5
    results: dict[str, list[dict[str, float]]] = {e: [] for e in engines.ENGINES}
    for _ in range(runs):
        for e in engines.ENGINES:
            results[e].append(_child(e, path, config))
    med = {
        e: (
            statistics.median(r["seconds"] for r in rs),
            statistics.median(r["peak_rss_mb"] for r in rs),
        )
        for e, rs in results.items()
    }
    rows = make_export_rows(path)
    with capsys.disabled():
        print(f"\nbackfill, {rows:,} rows, medians of {runs} run(s) per engine, fresh processes:")
        for e, (s, mb) in med.items():
            print(f"  {e:10s} {s:7.2f} s  {rows / s / 1e6:7.1f} M rows/s  peak RSS {mb:7.0f} MB")
        best_other = min(med["polars"][0], med["duckdb"][0])
        speedup = best_other / med["ours"][0]
        print(f"  speed-up vs faster of polars/DuckDB: {speedup:.2f}x (target >= 1.5)")
        print(
            f"  ours / read_table time: {med['ours'][0] / med['read_table'][0]:.2f} (target <= 1)"
        )
    if not quick:
        # Enforced: memory below polars, DuckDB and read_table (stable from run to run).
        # Times in fresh processes swing with the shared machine's load: printed and
        # recorded in README.md with the in-process pytest-benchmark medians, not asserted.
        for other in ("polars", "duckdb", "read_table"):
            assert med["ours"][1] < med[other][1], other


def make_export_rows(path: str) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows
