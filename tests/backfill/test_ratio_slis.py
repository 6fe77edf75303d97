"""Ratio SLIs count what their own queries count; request rows cannot measure them. A
backfill (and a report from request rows) leaves them out and says so, instead of
silently treating them as availability."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

import nexus_sre
from nexus_sre.config import load_config_text

from .conftest import SMALL, make_rows, rows_table

RATIO = """\
      - id: api-queue
        name: Jobs processed in time
        target: 99
        timeWindow: 1h
        sli:
          type: ratio
          goodQuery: sum(rate(jobs_in_time_total[{{.window}}]))
          totalQuery: sum(rate(jobs_total[{{.window}}]))
"""
WITH_RATIO = SMALL.replace("  - name: web\n", RATIO + "  - name: web\n")
REPO = Path(__file__).resolve().parents[2]


def test_ratio_slos_are_left_out_and_named(tmp_path: Path) -> None:
    config = load_config_text(WITH_RATIO, "ratio.yaml")
    assert [slo.id for _, slo in config.slos()] == [
        "api-avail", "api-latency", "api-queue", "web-avail",
    ]  # fmt: skip
    table = rows_table(make_rows(np.random.default_rng(7), 5000))
    result = nexus_sre.backfill(config, table)
    plain = nexus_sre.backfill(load_config_text(SMALL, "small.yaml"), table)
    assert [s.slo_id for s in result.slos] == ["api-avail", "api-latency", "web-avail"]
    assert result.unmeasured == ["api/api-queue"]
    assert result.totals()["slos_not_measured"] == ["api/api-queue"]
    # The measured SLOs are exactly what they are without the ratio SLO in the config.
    for a, b in zip(result.slos, plain.slos, strict=True):
        assert (a.slo_id, a.good_sum, a.total_sum) == (b.slo_id, b.good_sum, b.total_sum)


def test_cli_says_which_slos_it_left_out(tmp_path: Path) -> None:
    cfg = tmp_path / "ratio.yaml"
    cfg.write_text(WITH_RATIO)
    data = tmp_path / "rows.parquet"
    pq.write_table(rows_table(make_rows(np.random.default_rng(8), 5000)), data)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "nexus_sre", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    r = cli("backfill", "--config", str(cfg), "--data", str(data), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert "api/api-queue: not measured (a ratio SLI" in r.stderr
    assert [s["slo_id"] for s in json.loads(r.stdout)["summary"]] == [
        "api-avail", "api-latency", "web-avail",
    ]  # fmt: skip
    r = cli("report", "--config", str(cfg), "--source", "parquet", "--data", str(data))
    assert r.returncode in (0, 1), r.stderr
    assert "note: api/api-queue is a ratio SLI" in r.stderr
    ids = [slo["id"] for svc in json.loads(r.stdout)["services"] for slo in svc["slos"]]
    assert "api-queue" not in ids and "api-avail" in ids
