"""The main job end to end: `demo` seeds the store, `report` and `budgets` read it."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from cli_harness import EXAMPLE, cli


def test_json_report_facts_match_the_store(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    r = cli("report", "--config", str(EXAMPLE), cwd=work, store=store)
    # The demo's frontend overspends its budget: exit 1 (an SLO missed its target).
    assert r.returncode == 1, r.stderr
    report = json.loads(r.stdout)
    slos = {s["id"]: s for svc in report["services"] for s in svc["slos"]}
    assert slos["frontend-availability"]["targetMet"] is False
    assert report["summary"]["totalSLOs"] == 9
    # Recompute one SLO's SLI from the saved counter state, independently of the report.
    from nexus_sre.embedded.snapshots import load_store

    table = load_store(store)[("nexus-api", "api-availability")]
    from datetime import datetime

    period = report["metadata"]["period"]
    start = datetime.fromisoformat(period["start"].replace("Z", "+00:00")).timestamp()
    end = datetime.fromisoformat(period["end"].replace("Z", "+00:00")).timestamp()
    assert end - start == 30 * 86400
    rows = [r for r in table.to_pylist() if start <= r["bucket_start"].timestamp() < end]
    good = sum(r["good"] for r in rows)
    total = sum(r["total"] for r in rows)
    api = slos["api-availability"]
    assert api["eventsCount"] == total
    assert api["actualValue"] == pytest.approx(good / total * 100, abs=1e-4)
    assert api["alerts"], "the demo's outage must show up as fired alerts"


@pytest.mark.parametrize("fmt", ["html", "csv", "yaml", "markdown"])
def test_formats(demo_store: tuple[Path, Path], fmt: str) -> None:
    work, store = demo_store
    out = work / f"report.{fmt}"
    r = cli(
        "report",
        "--config",
        str(EXAMPLE),
        "--format",
        fmt,
        "-o",
        str(out),
        "--exit-zero",
        cwd=work,
        store=store,
    )
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 9
    elif fmt == "yaml":
        assert yaml.safe_load(text)["summary"]["totalSLOs"] == 9
    elif fmt == "html":
        assert "<svg" in text and "http://" not in text.replace("http://www.w3.org", "")
    else:
        assert "| Status |" in text


def test_budgets_gate(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    r = cli("budgets", str(EXAMPLE), "--check-violations", cwd=work, store=store)
    assert r.returncode == 1
    assert "frontend-availability: error budget exhausted" in r.stderr
    ok = cli(
        "budgets",
        str(EXAMPLE),
        "--services",
        "nexus-search",
        "--check-violations",
        cwd=work,
        store=store,
    )
    assert ok.returncode == 0, ok.stderr
    assert "search-relevance" in ok.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--days", "-1"], "--days: must be positive"),
        (["report", "--services", "nope"], "unknown service(s) nope"),
        (["report", "--source", "parquet"], "--data"),
        (["report", "--source", "prometheus"], "--prometheus-url"),
        (["report", "--config", "missing.yaml"], "missing.yaml"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    demo_store: tuple[Path, Path], args: list[str], message: str
) -> None:
    work, store = demo_store
    full = [*args] if "--config" in args else [*args, "--config", str(EXAMPLE)]
    r = cli(*full, cwd=work, store=store)
    assert r.returncode == 2
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_empty_store_says_what_to_do(tmp_path: Path) -> None:
    r = cli("report", "--config", str(EXAMPLE), cwd=tmp_path, store=tmp_path / "empty")
    assert r.returncode == 2
    assert "nexus-sre demo" in r.stderr


@pytest.mark.parametrize(
    ("backend", "message"),
    [
        ("prometheus", "--prometheus-url"),
        ("parquet", "--data"),
        ("datadog", "is PromQL, but global.monitoringBackend is datadog"),
    ],
)
def test_configured_backend_without_its_settings_is_an_error_not_a_fallback(
    tmp_path: Path, backend: str, message: str
) -> None:
    # Quietly reading the embedded store instead would show numbers from the wrong source.
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(
        f"version: '1.0'\nglobal: {{monitoringBackend: {backend}}}\nservices:\n"
        "  - name: api\n    tier: tier-2\n    slos:\n"
        "      - id: a\n        target: 99.0\n        sli: {type: availability, "
        "goodQuery: 'sum(increase(g[{{window}}]))', totalQuery: 'sum(increase(t[{{window}}]))'}\n"
    )
    r = cli("budgets", str(cfg), cwd=tmp_path, store=tmp_path / "store")
    assert r.returncode == 2, r.stdout + r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_closed_pipe_stops_quietly(
    demo_store: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`report | head`: the reader left before the report was written. No traceback, and
    SIGPIPE's status, as Unix tools give."""
    from nexus_sre.cli import main

    work, store = demo_store
    monkeypatch.chdir(work)
    monkeypatch.setenv("NEXUS_SRE_STORE", str(store))
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to the pipe now fails with EPIPE
    with capsys.disabled(), open(write_end, "w") as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        status = main(["report", "--config", str(EXAMPLE), "--format", "html", "--exit-zero"])
        monkeypatch.undo()
    assert status == 141


def test_output_under_a_file_is_refused_cleanly(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    blocker = work / "not-a-dir"
    blocker.write_text("x")
    for cmd in (["report", "--config", str(EXAMPLE)], ["rules", str(EXAMPLE)]):
        r = cli(*cmd, "-o", str(blocker / "out.txt"), cwd=work, store=store)
        assert r.returncode == 2, r.stderr
        assert f"{blocker} is a file, not a directory" in r.stderr
        assert "Traceback" not in r.stderr
    nested = work / "a" / "b" / "r.json"
    args = ["report", "--config", str(EXAMPLE), "-o", str(nested), "--exit-zero"]
    r = cli(*args, cwd=work, store=store)
    assert r.returncode == 0 and nested.exists(), r.stderr


def test_unwritable_output_is_a_message_not_a_traceback(demo_store: tuple[Path, Path]) -> None:
    """Any other OSError (here: the output path is a directory) ends as one line, exit 2."""
    work, store = demo_store
    target = work / "a-directory"
    target.mkdir()
    r = cli("report", "--config", str(EXAMPLE), "-o", str(target), cwd=work, store=store)
    assert r.returncode == 2
    assert r.stderr.strip() == f"nexus-sre: {target}: Is a directory"
