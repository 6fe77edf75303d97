"""The docs site builds with `mkdocs build --strict`: a broken link or anchor in README.md or
docs/ fails (the pages keep their repository paths, so a link that works on GitHub works in
the site and the other way round)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytest.importorskip("material", reason="mkdocs-material is in the docs and test extras")


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    # Never -q: mkdocs then drops the warnings that --strict counts.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    out = build(REPO / "mkdocs.yml", tmp_path / "site")
    assert out.returncode == 0, out.stderr[-4000:]
    site = tmp_path / "site"
    assert (site / "index.html").exists()  # the README
    for guide in (
        "slo-best-practices",
        "error-budget-policy",
        "monitoring-setup",
        "alerting",
        "dashboards",
        "troubleshooting",
    ):
        assert (site / "docs" / guide / "index.html").exists(), guide


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The same site with one page linking to a missing page and a missing anchor."""
    copy = tmp_path / "repo"
    for name in ("README.md", "mkdocs.yml"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text((REPO / name).read_text())
    for sub in ("docs", "scripts", "schemas", "examples", "benches"):
        src = REPO / sub
        for f in src.rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                dest = copy / f.relative_to(REPO)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(f.read_bytes())
    page = copy / "docs" / "alerting.md"
    page.write_text(page.read_text() + "\n[gone](no-such-page.md) [gone](prometheus.md#nowhere)\n")
    out = build(copy / "mkdocs.yml", tmp_path / "site")
    assert out.returncode != 0
    assert "no-such-page.md" in out.stderr and "#nowhere" in out.stderr
