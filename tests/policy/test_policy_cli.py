"""The policy from the command line: the release gate freezes or only warns as the config's
policy says, `budgets --format markdown` (a CI job summary), `validate --format github`
(annotations) and `nexus-sre policy` (Markdown for a wiki), on the demo store."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import EXAMPLE, cli

WARN_AT_HALF = """
policy:
  steps:
    - name: warn-at-half
      when: {budgetConsumed: 50}
      actions: [focusOnReliability]
"""


def _config(work: Path, extra: str, name: str) -> Path:
    path = work / name
    path.write_text(EXAMPLE.read_text() + extra)
    return path


def _gate(work: Path, store: Path, config: Path) -> tuple[int, dict, str]:
    r = cli("budgets", str(config), "--check-violations", "--format", "json", cwd=work, store=store)
    return r.returncode, json.loads(r.stdout), r.stderr


def test_a_policy_that_only_warns_passes_the_gate(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    code, out, err = _gate(work, store, _config(work, WARN_AT_HALF, "warn.yaml"))
    assert code == 0, err
    over_half = {r["slo"] for r in out["slos"] if (r["budgetConsumedPercent"] or 0) >= 50}
    assert len(over_half) >= 2  # the demo overspends two budgets; more pass half of theirs
    assert out["violations"] == []
    assert {w.split(":")[0].split("/")[1] for w in out["warnings"]} == over_half
    assert all("-> policy step warn-at-half (focusOnReliability)" in w for w in out["warnings"])
    assert "warning: nexus-api/api-availability: " in err and "violation" not in err


def test_a_service_override_freezes_only_that_service(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    text = EXAMPLE.read_text()
    anchor = '  - name: "nexus-frontend"\n'
    assert anchor in text
    override = (
        anchor + "    policy:\n      steps:\n"
        "        - {name: freeze, when: {budgetExhausted: true}, actions: [freezeReleases]}\n"
    )
    config = work / "override.yaml"
    config.write_text(text.replace(anchor, override) + WARN_AT_HALF)
    code, out, err = _gate(work, store, config)
    assert code == 1
    exhausted = {f"{r['service']}/{r['slo']}" for r in out["slos"] if r["status"] == "exhausted"}
    frontend = {s for s in exhausted if s.startswith("nexus-frontend/")}
    assert frontend and frontend != exhausted  # the api's exhausted budget only warns
    assert {v.split(":")[0] for v in out["violations"]} == frontend
    api = [w for w in out["warnings"] if w.startswith("nexus-api/api-availability: ")]
    assert len(api) == 1 and "of the error budget consumed (level 50 %)" in api[0]
    assert "release gate: stop feature releases" in err


def test_budgets_markdown_is_the_table_and_the_verdict(demo_store: tuple[Path, Path]) -> None:
    work, store = demo_store
    r = cli(
        "budgets", str(EXAMPLE), "--check-violations", "--format", "markdown", cwd=work, store=store
    )
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[2].startswith("| Service | SLO | Target | SLI | Budget used |")
    rows = [line for line in lines[4:] if line.startswith("| ")]
    assert len(rows) == 9
    cells = {row.split(" | ")[1]: row.strip("| ").split(" | ") for row in rows}
    assert cells["frontend-availability"][6] == "exhausted"
    assert "Release gate **failed**: releases are frozen." in lines
    assert any(
        line.startswith("- :no_entry: nexus-frontend/frontend-availability: error budget exhausted")
        for line in lines
    )
    ok = cli(
        "budgets",
        str(EXAMPLE),
        "--services",
        "nexus-search",
        "--check-violations",
        "--format",
        "markdown",
        cwd=work,
        store=store,
    )
    assert ok.returncode == 0 and "Release gate **passed**." in ok.stdout


def test_validate_github_annotations(tmp_path: Path) -> None:
    bad = tmp_path / "bad, config.yaml"
    bad.write_text(
        'version: "1.0"\nservices:\n  - name: a\n    slos:\n      - id: x\n'
        "        target: 100\n        sli: {type: availability}\n"
    )
    r = cli("validate", str(bad), "--format", "github", cwd=tmp_path, store=tmp_path)
    assert r.returncode == 2
    file = str(bad).replace(",", "%2C")
    assert r.stdout.splitlines() == [
        f"::error file={file},line=6,col=17,title=nexus-sre services[0].slos[0].target::"
        "services[0].slos[0].target: target must be between 0 and 100 (exclusive), got 100 "
        "(100 would leave no error budget)"
    ]
    good = cli("validate", str(EXAMPLE), "--format", "github", cwd=tmp_path, store=tmp_path)
    assert good.returncode == 0 and "::error" not in good.stdout


def test_policy_command_prints_the_policy_and_what_is_in_force(
    demo_store: tuple[Path, Path],
) -> None:
    work, store = demo_store
    config = _config(work, WARN_AT_HALF, "wiki.yaml")
    plain = cli("policy", str(config), cwd=work, store=store)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == cli("policy", "--config", str(config), cwd=work, store=store).stdout
    assert "## Policy of the config" in plain.stdout
    assert (
        "| warn-at-half | at least 50 % of the error budget consumed | `focusOnReliability` "
        "| warns |" in plain.stdout
    )
    assert "In force now" not in plain.stdout
    default = cli("policy", str(EXAMPLE), cwd=work, store=store).stdout
    assert "## Default policy (the seed's four steps)" in default
    assert "| release-freeze |" in default and "**freezes releases**" in default
    now = cli("policy", str(config), "--source", "embedded", cwd=work, store=store)
    assert now.returncode == 0, now.stderr
    table = now.stdout.split("## In force now")[1]
    warned = {line.split(" | ")[1] for line in table.splitlines() if line.endswith("| warn |")}
    assert "api-availability" in warned and "frontend-availability" in warned
    both = cli("policy", str(config), "--config", str(EXAMPLE), cwd=work, store=store)
    assert both.returncode == 2 and "give the config file once" in both.stderr
