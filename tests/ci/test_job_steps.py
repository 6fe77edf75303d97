"""The generated CI jobs' own shell steps, run as GitHub runs them (bash -eo pipefail) against
the embedded store: exit 0 when healthy, 1 on an exhausted budget, 2 on a bad config; the
budget table lands in the job summary."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from nexus_sre.ci import CiSettings
from nexus_sre.ci.write import render
from nexus_sre.config import load_config
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.embedded.demo import seed_store

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "examples" / "slos.yaml"


def step(workflow: str, name: str) -> tuple[str, dict[str, str]]:
    doc = yaml.safe_load(
        render("github", CiSettings(source="embedded"))[f".github/workflows/{workflow}"]
    )
    for job in doc["jobs"].values():
        for s in job["steps"]:
            if s.get("name") == name:
                return s["run"], dict(s.get("env", {}))
    raise AssertionError(f"no step {name!r} in {workflow}")


def run_step(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("nexus-sre") is None:
        pytest.fail("the nexus-sre command is not installed (pip install -e .)")
    full = {**os.environ, **env, "GITHUB_STEP_SUMMARY": str(cwd / "summary.md")}
    return subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(CONFIG, tmp_path / "slos.yaml")
    return tmp_path


def healthy_store(directory: Path) -> None:
    """Every SLO of the example config with an hour of perfect traffic."""
    config = load_config(CONFIG)
    store = EmbeddedStore.from_config(config, clock="event")
    now = time.time()
    for _service, slo in config.slos():
        counter = store.counter(slo.id)
        for minute in range(60):
            counter.add(1000, 1000, now - 60 * minute - 30)
    store.save(directory)


def test_budget_gate_exit_codes(repo: Path) -> None:
    script, env = step("slo-budget-gate.yml", "Error budget gate")
    env["NEXUS_SRE_CONFIG"] = "slos.yaml"

    healthy = repo / "healthy"
    healthy_store(healthy)
    ok = run_step(script, {**env, "NEXUS_SRE_STORE": str(healthy)}, repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    summary = (repo / "summary.md").read_text()
    assert "|" in summary and "api-availability" in summary  # the Markdown table

    demo = repo / "demo"
    config = load_config(CONFIG)
    store = EmbeddedStore.from_config(config, clock="event")
    seed_store(store, config)
    store.save(demo)
    burnt = run_step(script, {**env, "NEXUS_SRE_STORE": str(demo)}, repo)
    assert burnt.returncode == 1, burnt.stdout + burnt.stderr  # the demo overspends

    (repo / "slos.yaml").write_text("version: '1.0'\nservices: [{name: x}]\n")
    bad = run_step(script, {**env, "NEXUS_SRE_STORE": str(healthy)}, repo)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_validate_step_annotates_and_exits(repo: Path) -> None:
    script, env = step("slo-validate.yml", "Validate the SLO config")
    env["NEXUS_SRE_CONFIG"] = "slos.yaml"
    assert run_step(script, env, repo).returncode == 0
    (repo / "slos.yaml").write_text("version: '1.0'\nservices:\n  - name: x\n    tier: tier-9\n")
    bad = run_step(script, env, repo)
    assert bad.returncode == 2
    assert "::error file=slos.yaml,line=4" in bad.stdout + bad.stderr
