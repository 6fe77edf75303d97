"""The generated GitHub workflows, GitLab file and the composite action: valid against the
official schemas (check-jsonschema's built-in copies), clean under zizmor's offline audit,
and no expression inside a shell script (no template injection)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from nexus_sre.ci import CiSettings, write_ci
from nexus_sre.ci.write import render
from nexus_sre.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
SETTINGS = [
    CiSettings(),
    CiSettings(config="slo/prod.yaml", source="embedded", prometheus_url_secret="PROM_URL"),
]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (it is in the test extra)")
    return path


def run_scripts(doc: object) -> list[str]:
    """Every shell script of a workflow, GitLab file or action."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "before_script") and isinstance(value, str | list):
                    found.extend([value] if isinstance(value, str) else value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return found


@pytest.mark.parametrize("settings", SETTINGS, ids=["prometheus", "embedded"])
def test_github_workflows_validate_and_pass_zizmor(settings: CiSettings, tmp_path: Path) -> None:
    files = write_ci("github", tmp_path, settings)
    assert sorted(p.name for p in files) == [
        "slo-budget-gate.yml",
        "slo-reports.yml",
        "slo-sync.yml",
        "slo-validate.yml",
    ]
    check = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    audit = subprocess.run(
        [tool("zizmor"), "--offline", "--format", "json", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    findings = json.loads(audit.stdout or "[]")
    high = [f for f in findings if f["determinations"]["severity"] in ("High", "Medium")]
    assert not high, json.dumps(high, indent=1)[:3000]


def test_gitlab_file_validates(tmp_path: Path) -> None:
    for settings in SETTINGS:
        (path,) = write_ci("gitlab", tmp_path, settings, force=True)
        check = subprocess.run(
            [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(path)],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout + check.stderr


def test_action_validates_and_passes_zizmor(tmp_path: Path) -> None:
    action = REPO / "action.yml"
    check = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(action)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    shutil.copy(action, tmp_path / "action.yml")
    audit = subprocess.run(
        [tool("zizmor"), "--offline", "--format", "json", str(tmp_path / "action.yml")],
        capture_output=True,
        text=True,
    )
    assert json.loads(audit.stdout or "[]") == []


@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_no_expression_reaches_a_shell(kind: str) -> None:
    docs = [yaml.safe_load(t) for t in render(kind, CiSettings()).values()]
    docs.append(yaml.safe_load((REPO / "action.yml").read_text()))
    scripts = [s for d in docs for s in run_scripts(d)]
    assert scripts
    for script in scripts:
        assert "${{" not in script, script


def test_every_action_is_pinned_to_a_commit() -> None:
    texts = [*render("github", CiSettings()).values(), (REPO / "action.yml").read_text()]
    uses = [u for t in texts for u in re.findall(r"^\s*-?\s*uses: (\S+)", t, re.M)]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses


def test_existing_files_are_kept_unless_forced(tmp_path: Path) -> None:
    write_ci("gitlab", tmp_path)
    with pytest.raises(InvalidInputError, match="already exist"):
        write_ci("gitlab", tmp_path)
    write_ci("gitlab", tmp_path, force=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prometheus_url_secret", "prom url"),
        ("config", "$(rm -rf /).yaml"),
        ("config", "-x.yaml"),
        ("source", "datadog"),
        ("python_version", "3.x"),
        ("package", "nexus-sre; curl x"),
    ],
)
def test_settings_that_could_inject_are_refused(field: str, value: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        CiSettings(**{field: value})
