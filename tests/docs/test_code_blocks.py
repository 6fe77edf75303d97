"""Docs that cannot rot: every shell and Python block of README.md and docs/*.md runs.

Each Markdown file runs in its own process (doc_runner.py), in a fresh temporary working
directory holding the example config (`examples/slos.yaml`, also as `slos.yaml`), a demo
store (`nexus-sre demo`, in `.nexus-sre/store`, also $NEXUS_SRE_STORE) and a small request
export (`exports/day-1.parquet`, `exports/day-2.parquet`). Blocks that name the Prometheus
or Alertmanager placeholders get a real Prometheus (with the seed API's traffic backfilled
and a rules folder it loads) and a real Alertmanager. The conventions are in doc_blocks.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from doc_blocks import NEEDS_ALERTMANAGER, NEEDS_PROMETHEUS, Block, blocks, substitute
from prom_harness import Process, Series, backfill, start_alertmanager, start_prometheus

import nexus_sre

REPO = Path(__file__).resolve().parents[2]
PYTHON_PATH = str(Path(nexus_sre.__file__).resolve().parents[1])  # the package under test
RUNNER = Path(__file__).with_name("doc_runner.py")
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
EXAMPLES = sorted(p for p in (REPO / "examples").rglob("*") if p.is_file())
# Examples that run in a browser: the Chromium tests load them.
BROWSER_EXAMPLES = {".js", ".jsx", ".html"}
NOT_LOADED = {"ErrorBoundary.jsx": "a React component: it needs React and a bundler to run"}
FILE_TIMEOUT = 300


def _all_blocks() -> list[Block]:
    return [b for path in DOCS for b in blocks(path)]


# --- the working directory every file starts from ---------------------------------------


def _env(bin_dir: Path, workdir: Path, servers: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_SRE")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = PYTHON_PATH
    env["NEXUS_SRE_STORE"] = str(workdir / ".nexus-sre" / "store")
    env["NO_COLOR"] = "1"
    if "prometheus" in servers:
        env["PROMETHEUS_URL"] = servers["prometheus"]
    if "alertmanager" in servers:
        env["ALERTMANAGER_URL"] = servers["alertmanager"]
    return env


@pytest.fixture(scope="module")
def bin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python`, `python3` and `nexus-sre` on PATH run this interpreter and this package."""
    d = tmp_path_factory.mktemp("bin")
    shims = {
        "python": f'exec "{sys.executable}" "$@"',
        "python3": f'exec "{sys.executable}" "$@"',
        "nexus-sre": f'exec "{sys.executable}" -m nexus_sre "$@"',
    }
    for name, body in shims.items():
        (d / name).write_text(f"#!/bin/sh\n{body}\n")
        (d / name).chmod(0o755)
    return d


def _write_exports(folder: Path) -> None:
    """Two days of requests for every service of the example config, one a minute, every
    50th a 500 and every 20th slow: enough for a backfill and a report on it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    services = ["nexus-api", "nexus-checkout", "nexus-search", "nexus-frontend"]
    end = datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = 2 * 24 * 60
    ts, svc, status, latency = [], [], [], []
    for m in range(minutes):
        t = end - timedelta(minutes=minutes - m)
        for s in services:
            ts.append(t)
            svc.append(s)
            status.append(500 if m % 50 == 0 else 200)
            latency.append(2500.0 if m % 20 == 0 else 40.0)
    folder.mkdir(parents=True)
    # dur_ms: the latency again under another name, for the docs' column-mapping examples
    table = pa.table(
        {
            "timestamp": ts,
            "service": svc,
            "status": status,
            "latency_ms": latency,
            "dur_ms": latency,
        }
    )
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "day-1.parquet")
    pq.write_table(table.slice(half), folder / "day-2.parquet")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, bin_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("docs-template")
    shutil.copytree(REPO / "examples", d / "examples")
    shutil.copy(REPO / "examples" / "slos.yaml", d / "slos.yaml")
    _write_exports(d / "exports")
    demo = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "demo", "--config", "slos.yaml"],
        cwd=d,
        env=_env(bin_dir, d, {}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    return d


# --- the test servers, started once and only when a file needs them ----------------------


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], dict[str, str]]]:
    started: list[Process] = []
    urls: dict[str, str] = {}

    def get() -> dict[str, str]:
        if urls:
            return urls
        root = tmp_path_factory.mktemp("doc-servers")
        am = start_alertmanager(
            root / "am", {"route": {"receiver": "null"}, "receivers": [{"name": "null"}]}
        )
        started.append(am)
        # The seed API's traffic (as tests/live/test_seed_examples.py): every 15 s, 499 good
        # requests and one 5xx for three hours, so the README's Prometheus example reads data.
        end = int(time.time()) // 15 * 15
        ok = Series("http_requests_total", {"job": "nexus-api", "code": "200"})
        err = Series("http_requests_total", {"job": "nexus-api", "code": "500"})
        for k, ts in enumerate(range(end - 3 * 3600, end + 1, 15)):
            ok.samples.append((ts, 499.0 * k))
            err.samples.append((ts, 1.0 * k))
        # nexus-sre's own counters for the example config's nexus-api SLOs, as its /metrics
        # would expose them: 1000 requests every 15 s, 999 good.
        own = []
        for slo in ("api-availability", "api-latency"):
            labels = {"service": "nexus-api", "slo": slo}
            total = Series("nexus_sre_requests_total", labels)
            good = Series("nexus_sre_requests_good_total", labels)
            for k, ts in enumerate(range(end - 3 * 3600, end + 1, 15)):
                total.samples.append((ts, 1000.0 * k))
                good.samples.append((ts, 999.0 * k))
            own += [total, good]
        rules = root / "rules"
        rules.mkdir()
        data = root / "prometheus" / "data"
        backfill([ok, err, *own], data)
        config = {
            "global": {"evaluation_interval": "1s"},
            "rule_files": [str(rules / "*.yml")],
            "alerting": {
                "alertmanagers": [
                    {"static_configs": [{"targets": [am.url.removeprefix("http://")]}]}
                ]
            },
        }
        prom = start_prometheus(root / "prometheus", config, data_dir=data)
        started.append(prom)
        urls.update(prometheus=prom.url, alertmanager=am.url, rules_dir=str(rules))
        return urls

    yield get
    for p in started:
        p.stop()


# --- running a file -----------------------------------------------------------------------


def run_file(
    path: Path, template: Path, bin_dir: Path, servers: Callable[[], dict[str, str]], tmp: Path
) -> list[dict]:
    """Run every runnable, not skipped block of `path`; one result per block."""
    todo = [b for b in blocks(path) if b.kind and b.skip is None]
    if not todo:
        return []
    needs = any(b.needs(NEEDS_PROMETHEUS) or b.needs(NEEDS_ALERTMANAGER) for b in todo)
    urls = servers() if needs else {}
    workdir = tmp / "work"
    shutil.copytree(template, workdir, symlinks=True)
    plan = {
        "workdir": str(workdir),
        "blocks": [
            {
                "where": b.where,
                "file": str(b.file),
                "line": b.line,
                "kind": b.kind,
                "code": substitute(b.code, urls, workdir),
                "commands": [
                    {"line": c.line, "text": substitute(c.text, urls, workdir), "expect": c.expect}
                    for c in b.commands
                ],
            }
            for b in todo
        ],
    }
    plan_file = tmp / "plan.json"
    plan_file.write_text(json.dumps(plan))
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(plan_file)],
        cwd=workdir,
        env=_env(bin_dir, workdir, urls),
        capture_output=True,
        text=True,
        timeout=FILE_TIMEOUT,
    )
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(todo), f"the runner stopped:\n{proc.stderr[-3000:]}"
    return results


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_block_runs(path: Path, template, bin_dir, servers, tmp_path) -> None:
    failed = [r for r in run_file(path, template, bin_dir, servers, tmp_path) if not r["ok"]]
    assert not failed, "\n\n".join(f"== {r['where']}\n{r['error']}" for r in failed)


# --- the conventions themselves -----------------------------------------------------------


def test_every_block_names_its_language() -> None:
    """An unnamed fence could be shell that silently never runs: say `text` if it is not."""
    unnamed = [b.where for b in _all_blocks() if not b.lang]
    assert not unnamed, f"fenced blocks without a language: {unnamed}"


def test_skipped_blocks_are_few_and_say_why(capsys) -> None:
    runnable = [b for b in _all_blocks() if b.kind]
    skipped = [b for b in runnable if b.skip is not None]
    with capsys.disabled():
        print(f"\ndocs: {len(runnable) - len(skipped)} blocks run, {len(skipped)} skipped:")
        for b in skipped:
            print(f"  {b.where} ({b.lang}): {b.skip}")
    assert all(b.skip for b in skipped), "a `not run` marker needs a reason"
    assert len(skipped) <= len(runnable) // 4, "too many blocks are skipped"


def test_a_data_block_marked_not_run_is_a_mistake() -> None:
    """`not run` above a yaml/json block would suggest it is checked when it never is."""
    wrong = [b.where for b in _all_blocks() if b.skip is not None and not b.kind]
    assert not wrong, f"`not run` markers above blocks that never run: {wrong}"


def test_the_readme_library_example_runs() -> None:
    """The README's first Python block (the library) is executed, not skipped."""
    py = [b for b in blocks(REPO / "README.md") if b.kind == "python"]
    assert py and py[0].skip is None and "SLOManager" in py[0].code


# --- the examples/ folder -----------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(REPO / "examples")))
def test_every_example_runs(path: Path, bin_dir, servers, tmp_path) -> None:
    if path.suffix in (".yaml", ".yml", ".json"):
        cmd = [sys.executable, "-m", "nexus_sre", "validate", str(path)]
        urls: dict[str, str] = {}
    elif path.suffix == ".py":
        urls = servers()
        cmd = [sys.executable, str(path)]
    elif path.suffix in BROWSER_EXAMPLES:
        if path.name in NOT_LOADED:
            pytest.skip(f"{path.name}: {NOT_LOADED[path.name]}")
        users = [t for t in (REPO / "tests").rglob("*.py") if path.name in t.read_text()]
        assert users, f"{path.name}: no test loads this browser example"
        return
    else:
        pytest.fail(f"{path.name}: the harness does not know how to run this example")
    env = _env(bin_dir, tmp_path, urls)
    env["NEXUS_SRE_RULES_DIR"] = urls.get("rules_dir", "")
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
