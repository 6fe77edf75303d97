"""`nexus-sre deploy` against a real Prometheus: deployed and loaded, rejected and rolled
back, unreachable (exit 2 with a message, never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from nexus_sre.cli import main

pytestmark = pytest.mark.prometheus

CONFIG = {
    "version": "1.0",
    "services": [
        {
            "name": "nexus-api",
            "tier": "tier-0",
            "slos": [
                {
                    "id": "api-availability",
                    "target": 99.9,
                    "sli": {
                        "id": "api-success-rate",
                        "type": "availability",
                        "goodQuery": 'http_requests_total{code!~"5.."}',
                        "totalQuery": "http_requests_total",
                    },
                }
            ],
        }
    ],
}


def write(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def setup(tmp_path: Path, start_prometheus):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    prom = start_prometheus(
        {"global": {"evaluation_interval": "1s"}, "rule_files": [str(rules_dir / "*.yml")]}
    )
    return prom, rules_dir, write(tmp_path / "slos.yaml", CONFIG)


def loaded_groups(url: str) -> set[str]:
    groups = httpx.get(f"{url}/api/v1/rules").json()["data"]["groups"]
    return {g["name"] for g in groups}


def test_deploy_loads_the_rules(setup, capsys) -> None:
    prom, rules_dir, config = setup
    code = main(
        ["deploy", str(config), "--rules-dir", str(rules_dir), "--prometheus-url", prom.url]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "loaded them" in out.out
    assert loaded_groups(prom.url) == {
        f"nexus-sre-nexus-api-api-availability-{k}" for k in ("sli", "meta", "alerts")
    }
    # The config may also come as --config, and the URL from global.prometheus.url.
    with_url = CONFIG | {"global": {"prometheus": {"url": prom.url}}}
    other = write(config.parent / "with-url.yaml", with_url)
    assert main(["deploy", "--config", str(other), "--rules-dir", str(rules_dir)]) == 0


def test_rejected_rules_are_rolled_back(setup, capsys, tmp_path: Path) -> None:
    prom, rules_dir, config = setup
    assert (
        main(["deploy", str(config), "--rules-dir", str(rules_dir), "--prometheus-url", prom.url])
        == 0
    )
    rule_file = rules_dir / "nexus-sre.rules.yml"
    before = rule_file.read_bytes()
    broken = yaml.safe_load(yaml.safe_dump(CONFIG))
    broken["services"][0]["slos"][0]["sli"]["goodQuery"] = "sum(rate(x[{{window}}])"  # unbalanced
    bad = write(tmp_path / "broken.yaml", broken)
    code = main(["deploy", str(bad), "--rules-dir", str(rules_dir), "--prometheus-url", prom.url])
    err = capsys.readouterr().err
    assert code == 2
    assert "refused the reload" in err and "Traceback" not in err
    assert "previous rules stay" in err
    assert rule_file.read_bytes() == before
    assert len(loaded_groups(prom.url)) == 3  # Prometheus still runs the old rules


def test_unreachable_prometheus_exits_2_and_leaves_no_file(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    config = write(tmp_path / "slos.yaml", CONFIG)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexus_sre",
            "deploy",
            str(config),
            "--rules-dir",
            str(rules_dir),
            "--prometheus-url",
            "http://127.0.0.1:9",
            "--timeout",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "cannot reach Prometheus at http://127.0.0.1:9" in run.stderr
    assert "Traceback" not in run.stderr
    assert list(rules_dir.iterdir()) == []  # rolled back: no rule file left behind


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["deploy", "--rules-dir", "."], "CONFIG: give the SLO config file"),
        (["deploy", "CONFIG", "--rules-dir", "."], "--prometheus-url: not given"),
        (
            ["deploy", "CONFIG", "--rules-dir", "/nonexistent", "--prometheus-url", "http://x"],
            "is not a directory",
        ),
        (
            ["deploy", "CONFIG", "--rules-dir", ".", "--prometheus-url", "localhost:9090"],
            "expected http:// or https://",
        ),
    ],
)
def test_bad_input_is_a_message(tmp_path: Path, capsys, argv: list[str], message: str) -> None:
    config = write(tmp_path / "slos.yaml", CONFIG)
    argv = [str(config) if a == "CONFIG" else a for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
