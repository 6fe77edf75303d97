"""A report from backfill output is the report from the request export it was made from.

The export (tests/backfill/export.py) is three days of requests of the example config's four
services with known incidents. Both paths run as a user runs them, as commands:

    report --source parquet --data export.parquet                 (straight from the rows)
    backfill --data export.parquet -o out.parquet
    report --source backfill --data out.parquet                   (from the backfill)

over the same period. The JSON reports must agree on every figure (SLI, budget, burn rates,
alerts, statuses, recommendations): counts exactly, other numbers to 1e-12. From Python the
same holds before rounding, for the `SloEvaluation`s behind the reports.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from cli_harness import EXAMPLE, cli

from nexus_sre.backfill import backfill
from nexus_sre.config import load_config
from nexus_sre.report.make import make_report
from nexus_sre.sources.backfill import BackfillSource

from .export import FAILURES, INCIDENTS, T0, write_export
from .helpers import assert_agree

START, END = "2026-03-02T06:00:00Z", "2026-03-04T18:00:00Z"
FIXED = ("--start", START, "--end", END)
PERIODS = {
    "fixed start and end": FIXED,
    "each SLO's own window to the end of the data": (),
    "the last day": ("--days", "1"),
    "own windows to an end": ("--end", "2026-03-04T00:00:00Z"),
}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table]:
    """The export, and the backfill of it written in each output format."""
    work = tmp_path_factory.mktemp("agree")
    table = write_export(work / "export.parquet")
    for fmt in ("parquet", "csv", "json"):
        r = cli(
            "backfill",
            "--config",
            str(EXAMPLE),
            "--data",
            "export.parquet",
            "-o",
            f"out.{fmt}",
            "--format",
            fmt,
            cwd=work,
        )
        assert r.returncode == 0, r.stderr
    return work, table


@functools.cache
def report(
    work: Path, source: str, data: str, period: tuple[str, ...]
) -> tuple[int, dict[str, Any]]:
    """The exit code and the JSON report, without the two fields that may differ."""
    argv = ["report", "--config", str(EXAMPLE), "--source", source, "--data", data, *period]
    r = cli(*argv, cwd=work)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    assert doc["metadata"].pop("source") == source
    del doc["metadata"]["generatedAt"]
    return r.returncode, doc


@pytest.mark.parametrize("period", list(PERIODS.values()), ids=list(PERIODS))
def test_report_from_backfill_agrees_with_report_from_export(work, period):
    path, _ = work
    direct = report(path, "parquet", "export.parquet", period)
    assert_agree(report(path, "backfill", "out.parquet", period), direct)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_output_format_reads_back_the_same(work, fmt):
    path, _ = work
    assert_agree(
        report(path, "backfill", f"out.{fmt}", FIXED),
        report(path, "parquet", "export.parquet", FIXED),
    )


def test_the_agreement_is_not_vacuous(work):
    """The compared report has the facts of the export: counts from the rows themselves,
    the outage's page, the overspent frontend."""
    path, table = work
    code, doc = report(path, "backfill", "out.parquet", FIXED)
    assert code == 1  # SLOs miss their targets
    slos = {s["id"]: s for svc in doc["services"] for s in svc["slos"]}
    lo = pa.scalar(datetime.fromisoformat(START), pa.timestamp("ms", tz="UTC"))
    hi = pa.scalar(datetime.fromisoformat(END), pa.timestamp("ms", tz="UTC"))
    ts = table["timestamp"]
    in_period = pc.and_(pc.greater_equal(ts, lo), pc.less(ts, hi))
    for service, slo in (
        ("nexus-api", "api-availability"),
        ("nexus-frontend", "frontend-availability"),
    ):
        rows = table.filter(pc.and_(in_period, pc.equal(table["service"], service)))
        failed = pc.sum(pc.is_in(rows["status"], pa.array(FAILURES, pa.int32()))).as_py()
        assert slos[slo]["eventsCount"] == rows.num_rows
        assert slos[slo]["goodEvents"] == rows.num_rows - failed
    rows = table.filter(pc.and_(in_period, pc.equal(table["service"], "nexus-api")))
    assert (
        slos["api-latency"]["goodEvents"] == pc.sum(pc.less_equal(rows["latency_ms"], 300)).as_py()
    )

    outage = T0 + 60 * INCIDENTS[0][1]
    pages = [a for a in slos["api-availability"]["alerts"] if a["severity"] == "critical"]
    assert pages and pages[0]["kind"] == "burn_rate"
    first = datetime.fromisoformat(pages[0]["start"]).timestamp()
    assert outage < first <= outage + 5 * 60
    assert slos["frontend-availability"]["status"] == "violated"
    assert slos["checkout-latency"]["alerts"]
    codes = {r["code"] for r in doc["recommendations"]}
    assert {"budget-exhausted", "fast-burn"} <= codes
    assert doc["summary"]["alertsFired"] > 0


def test_library_figures_agree_before_rounding(work):
    """From Python, an in-memory BackfillResult (no files) gives the very evaluations of
    the parquet source over the export."""
    path, table = work
    config = load_config(EXAMPLE)
    period = {
        "start": datetime.fromisoformat(START),
        "end": datetime.fromisoformat(END),
        "generated_at": datetime(2026, 3, 5, tzinfo=UTC),
    }
    direct, direct_ev = make_report(config, source="parquet", data=table, **period)
    result = backfill(config, table)
    via, via_ev = make_report(config, source="backfill", data=result, **period)
    assert_agree(via_ev, direct_ev)
    direct["metadata"]["source"] = "backfill"
    assert via == direct
    # The same from the buckets table and from the written file.
    span = {"start": period["start"], "end": period["end"]}
    assert_agree(BackfillSource.from_table(result.buckets).evaluations(config, **span), via_ev)
    read = BackfillSource.read(path / "out.parquet")
    assert read.bucket_seconds == 60 and (read.start, read.end) == (result.start, result.end)
    assert_agree(read.evaluations(config, **span), via_ev)
    assert any(np.any(e.series.burn_rate["1h"] > 14.4) for e in via_ev if e.series)
