"""Every command from a subprocess, as a user runs it: CONFIG or --config alike, the
original command names, exit codes 0/1/2 and their messages, from a folder with no repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import EXAMPLE, REPO, cli

BELOW_TIER = """\
version: "1.0"
services:
  - name: api
    tier: tier-0
    slos:
      - id: avail
        target: 99.5
        sli: {type: availability}
"""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder (no examples/ here) whose store holds 2 days of demo data."""
    work = tmp_path_factory.mktemp("work")
    r = cli("demo", "--days", "2", cwd=work)
    assert r.returncode == 0, r.stderr
    assert "using the example config" in r.stderr
    assert "demo data for 9 SLOs, 2 days" in r.stderr
    return work


def test_the_bundled_example_is_the_repos() -> None:
    bundled = REPO / "python" / "nexus_sre" / "examples" / "slos.yaml"
    assert bundled.read_text() == EXAMPLE.read_text()


def test_help_lists_every_command_and_the_original_names(tmp_path: Path) -> None:
    r = cli("--help", cwd=tmp_path)
    assert r.returncode == 0
    commands = (
        "init",
        "validate",
        "schema",
        "budgets",
        "report",
        "rules",
        "dashboards",
        "deploy",
        "backfill",
        "demo",
    )
    for name in commands:
        assert f"\n    {name}" in r.stdout, name
    for alias in (
        "validate (validate-slos)",
        "budgets (calculate-budgets)",
        "report (slo-report)",
        "dashboards (generate-dashboards)",
    ):
        assert alias in r.stdout


def test_alias_mechanism_is_one_line() -> None:
    from nexus_sre.cli import ALIASES

    assert ALIASES["dashboards"] == ("generate-dashboards",)


@pytest.mark.parametrize(
    "command",
    [
        "validate",
        "budgets",
        "report",
        "rules",
        "dashboards",
        "deploy",
        "backfill",
        "demo",
        "datadog",
    ],
)
def test_every_command_takes_config_both_ways(tmp_path: Path, command: str) -> None:
    """A missing file is the same clear error, given as CONFIG or as --config."""
    extra = {
        "backfill": ["--data", "x.parquet"],
        "dashboards": ["-o", "out"],
        "datadog": ["-o", "out"],
        "deploy": ["--rules-dir", ".", "--prometheus-url", "http://127.0.0.1:9"],
    }.get(command, [])
    for spelling in (["nope.yaml"], ["--config", "nope.yaml"]):
        r = cli(command, *spelling, *extra, cwd=tmp_path)
        assert r.returncode == 2, (spelling, r.stderr)
        assert "nope.yaml: no such file" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_config_given_twice_differently(tmp_path: Path) -> None:
    r = cli("budgets", "a.yaml", "--config", "b.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert "CONFIG 'a.yaml' and --config 'b.yaml': give the config file once" in r.stderr


def test_validate(tmp_path: Path) -> None:
    ok = cli("validate-slos", str(EXAMPLE), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "OK — 4 services, 9 SLOs" in ok.stdout
    both = cli("validate", str(EXAMPLE), "--config", str(EXAMPLE), "--format", "json", cwd=tmp_path)
    assert both.returncode == 0
    assert [f["valid"] for f in json.loads(both.stdout)["files"]] == [True, True]
    (tmp_path / "bad.yaml").write_text(BELOW_TIER.replace("target: 99.5", "target: 120"))
    bad = cli("validate", "--config", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2
    assert "bad.yaml:7:17: services[0].slos[0].target: target must be between" in bad.stderr


def test_budgets_and_its_release_gate(seeded: Path) -> None:
    r = cli("budgets", "--config", str(EXAMPLE), "--format", "json", cwd=seeded)
    assert r.returncode == 0, r.stderr
    slos = {row["slo"] for row in json.loads(r.stdout)["slos"]}
    assert "api-availability" in slos
    gate = cli("calculate-budgets", str(EXAMPLE), "--check-violations", cwd=seeded)
    # The demo's frontend overspends its budget: the gate closes.
    assert gate.returncode == 1, gate.stderr
    assert "violation: nexus-frontend/frontend-availability: error budget exhausted" in gate.stderr
    assert "release gate: stop feature releases" in gate.stderr


def test_report_from_any_folder(seeded: Path) -> None:
    r = cli("slo-report", "--format", "json", cwd=seeded)  # no CONFIG: the bundled example
    assert r.returncode == 1, r.stderr  # some demo SLO misses its target
    assert "using the example config" in r.stderr
    assert json.loads(r.stdout)["summary"]["totalSLOs"] == 9
    same = cli("report", str(EXAMPLE), "--exit-zero", cwd=seeded)
    assert same.returncode == 0, same.stderr


def test_rules(tmp_path: Path) -> None:
    r = cli("rules", str(EXAMPLE), "-o", "rules.yaml", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (
        "runbook_url: https://runbooks.example.com/nexus-api/availability"
        in (tmp_path / "rules.yaml").read_text()
    )
    bad = cli(
        "rules",
        "--config",
        str(EXAMPLE),
        "--tests",
        "t",
        "--format",
        "prometheus-operator",
        cwd=tmp_path,
    )
    assert bad.returncode == 2
    assert "--tests works with --format prometheus" in bad.stderr


def test_backfill(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ts = [1_700_000_000 + i for i in range(120)]
    pq.write_table(
        pa.table(
            {
                "timestamp": ts,
                "service": ["nexus-api"] * 120,
                "status": [500 if i % 10 == 0 else 200 for i in range(120)],
                "latency_ms": [100.0] * 120,
            }
        ),
        tmp_path / "rows.parquet",
    )
    r = cli("backfill", str(EXAMPLE), "--data", "rows.parquet", "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "nexus-api/api-availability: SLI 90.0000 %, 120 events" in r.stderr
    bad = cli("backfill", "--config", str(EXAMPLE), "--data", "no.parquet", "-o", "o", cwd=tmp_path)
    assert bad.returncode == 2
    assert "no.parquet" in bad.stderr and "Traceback" not in bad.stderr


def test_demo_bounds(tmp_path: Path) -> None:
    r = cli("demo", str(EXAMPLE), "--days", "31", cwd=tmp_path)
    assert r.returncode == 2
    assert "--days: must be between 1 and 30, got 31" in r.stderr


def test_schema(tmp_path: Path) -> None:
    r = cli("schema", "config", cwd=tmp_path)
    assert r.returncode == 0
    assert json.loads(r.stdout)["title"] == "nexus-sre SLO config"
    bad = cli("schema", "nonsense", cwd=tmp_path)
    assert bad.returncode == 2
    assert "invalid choice: 'nonsense'" in bad.stderr


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    r = cli("init", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "slos.yaml").read_text()
    assert text.startswith("# nexus-sre SLO config")
    assert all(f'tier: "tier-{n}"' in text for n in range(4))
    ok = cli("validate", cwd=tmp_path)  # no CONFIG: ./slos.yaml
    assert ok.returncode == 0, ok.stderr
    assert "slos.yaml: OK — 4 services, 4 SLOs" in ok.stdout
    again = cli("init", cwd=tmp_path)
    assert again.returncode == 2
    assert "slos.yaml: already exists; pass --force to overwrite it" in again.stderr
    (tmp_path / "slos.yaml").write_text("mine")
    assert cli("init", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "slos.yaml").read_text() == text
    other = cli("init", "--config", "team/x.yaml", cwd=tmp_path)
    assert other.returncode == 0 and (tmp_path / "team" / "x.yaml").read_text() == text


@pytest.mark.parametrize("command", ["validate", "budgets", "report", "rules"])
def test_below_tier_config_switch_and_flag(tmp_path: Path, command: str) -> None:
    """An availability target under its tier's floor: refused by every command, allowed by
    --allow-below-tier or global.allowBelowTier, and the message names both."""
    (tmp_path / "slos.yaml").write_text(BELOW_TIER)
    r = cli(command, "slos.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert "set 'allowBelowTier: true' under global" in r.stderr
    allowed = BELOW_TIER.replace('version: "1.0"', 'version: "1.0"\nglobal: {allowBelowTier: true}')
    (tmp_path / "allowed.yaml").write_text(allowed)
    for args in (["slos.yaml", "--allow-below-tier"], ["allowed.yaml"]):
        r = cli(command, *args, cwd=tmp_path)
        # budgets/report read an empty store: past the config, "no events" (exit 2).
        assert "below the tier-0" not in r.stderr or r.returncode == 0, r.stderr
        assert "allowBelowTier: true' under global" not in r.stderr
        if command in ("validate", "rules"):
            assert r.returncode == 0, r.stderr
