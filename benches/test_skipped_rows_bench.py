"""Backfill: skipped rows cost about what counted rows cost (issue 19).

One table of known services, and the same table with every service replaced by one of ten
names that are not in the config, read with `skip_bad_rows=True`. The kernel once built a
message per skipped row by walking the whole batch's dictionary keys: 14 µs a row, growing
with the batch size. Target: a skipped row at most 3x a counted row.

    NEXUS_SKIP_ROWS=1000000 python -m pytest benches/test_skipped_rows_bench.py -s
"""

from __future__ import annotations

import os
import time

import numpy as np
import pyarrow as pa

from nexus_sre.backfill import backfill
from nexus_sre.config import load_config_text

T0 = 1_767_225_600
CONFIG = """\
version: "1.0"
services:
  - name: api
    tier: tier-3
    slos:
      - id: api-avail
        target: 99
        timeWindow: 1d
        sli: {type: availability}
"""
TARGET = 3.0
FLOOR_NS = 60.0


def _table(rows: int, names: list[str], dictionary: bool) -> pa.Table:
    rng = np.random.default_rng(1)
    service = pa.array(np.array(names)[rng.integers(0, len(names), rows)])
    if dictionary:
        service = service.dictionary_encode()
    return pa.table(
        {
            "timestamp": pa.array(T0 + rng.integers(0, 86_400, rows), pa.timestamp("s", tz="UTC")),
            "service": service,
            "status": pa.array(np.where(rng.random(rows) < 0.01, 503, 200).astype(np.int32)),
            "latency_ms": pa.array(rng.random(rows) * 100),
        }
    )


def _best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def test_skipped_rows_cost_about_what_counted_rows_cost(quick: bool, capsys) -> None:
    rows = int(os.environ.get("NEXUS_SKIP_ROWS", 200_000 if quick else 1_000_000))
    config = load_config_text(CONFIG, "bench.yaml")
    unknown = [f"gone-{i}" for i in range(10)]
    lines = []
    within = []
    for dictionary in (False, True):
        known = _table(rows, ["api"], dictionary)
        bad = _table(rows, unknown, dictionary)
        counted = _best_of(3, lambda t=known: backfill(config, t, skip_bad_rows=True))
        skipped = _best_of(3, lambda t=bad: backfill(config, t, skip_bad_rows=True))
        result = backfill(config, bad, skip_bad_rows=True)
        assert result.rows_skipped == rows
        kind = "dictionary" if dictionary else "plain"
        lines.append(
            f"{rows:,} rows, {kind} service column: counted {counted:.3f} s "
            f"({counted / rows * 1e9:.0f} ns/row), skipped {skipped:.3f} s "
            f"({skipped / rows * 1e9:.0f} ns/row), ratio {skipped / counted:.2f}"
        )
        within.append(skipped <= max(TARGET * counted, FLOOR_NS * 1e-9 * rows))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    if not quick:
        assert all(within), lines
