"""`${VAR}` expansion, the published JSON Schema, and the `validate` / `schema` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
import yaml

from nexus_sre.cli import main
from nexus_sre.config import load_config_text
from nexus_sre.config.env import expand_string
from nexus_sre.config.schema import config_schema, config_schema_text

from .conftest import MINIMAL, issues_of

PROM = MINIMAL.replace(
    'version: "1.0"',
    'version: "1.0"\nglobal:\n  prometheus:\n    url: "${PROM_URL}"\n'
    '    headers: {Authorization: "Bearer ${TOKEN:-none}"}',
)


def test_env_references_are_expanded() -> None:
    env = {"PROM_URL": "http://prom:9090", "TOKEN": "s3cret"}
    prom = load_config_text(PROM, env=env).global_.prometheus
    assert prom is not None
    assert prom.url == "http://prom:9090"
    assert prom.headers == {"Authorization": "Bearer s3cret"}
    defaulted = load_config_text(PROM, env={"PROM_URL": "u"}).global_.prometheus
    assert defaulted is not None and defaulted.headers["Authorization"] == "Bearer none"


def test_unset_variable_names_the_variable_and_field() -> None:
    assert issues_of(PROM, env={}) == [
        "cfg.yaml:4:10: global.prometheus.url: environment variable PROM_URL is not set "
        "(set it, or write ${PROM_URL:-default} for a fallback)"
    ]


def test_expand_string_rules() -> None:
    assert expand_string("a$${X}b", {}) == ("a${X}b", [])
    assert expand_string("${E:-d}", {"E": ""}) == ("d", [])
    assert expand_string("${E}", {"E": ""}) == ("", [])
    assert expand_string("${1X}", {})[1] == ["'${1X}' is not a valid variable reference"]
    assert expand_string("no refs $5", {}) == ("no refs $5", [])


def test_committed_schema_equals_generated(root) -> None:  # type: ignore[no-untyped-def]
    committed = (root / "schemas" / "config.schema.json").read_text()
    assert committed == config_schema_text(), "regenerate: python -m nexus_sre schema config"


def test_schema_accepts_example_and_rejects_bad(root) -> None:  # type: ignore[no-untyped-def]
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    example = yaml.safe_load((root / "examples" / "slos.yaml").read_text())
    jsonschema.validate(example, schema)
    bad = yaml.safe_load(MINIMAL.replace("target: 99.5", "target: 99.5\n        tresh: 1"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = yaml.safe_load(MINIMAL.replace("tier: tier-1", "tier: tier-9"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_validate_ok(root, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(root)
    assert main(["validate", "examples/slos.yaml"]) == 0
    assert capsys.readouterr().out == "examples/slos.yaml: OK — 4 services, 9 SLOs\n"


def test_validate_errors_text_and_json(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("target: 99.5", "target: 0.995").replace("tier-1", "tier-7"))
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{bad}:4:11: services[0].tier: unknown tier 'tier-7'; expected tier-0, tier-1, tier-2 "
        "or tier-3; did you mean 'tier-3'?",
        f"{bad}:7:17: services[0].slos[0].target: target 0.995 looks like a fraction, but "
        "targets are percentages; did you mean 99.5?",
        f"{bad}: 2 errors",
    ]
    assert main(["validate", "--format", "json", str(bad)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    (file,) = report["files"]
    assert [(i["line"], i["column"], i["path"]) for i in file["issues"]] == [
        (4, 11, "services[0].tier"),
        (7, 17, "services[0].slos[0].target"),
    ]


def test_validate_allow_below_tier(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "c.yaml"
    cfg.write_text(MINIMAL.replace("tier: tier-1", "tier: tier-0"))
    assert main(["validate", str(cfg)]) == 2
    capsys.readouterr()
    assert main(["validate", "--allow-below-tier", str(cfg)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"warning: {cfg}:7:17: services[0].slos[0].target: target 99.5 is")
    assert out[1] == f"{cfg}: OK — 1 service, 1 SLO"
    # With an error elsewhere in the file the tier warning is still shown, and not counted.
    cfg.write_text(
        MINIMAL.replace("tier: tier-1", "tier: tier-0").replace("availability", "availabilty")
    )
    assert main(["validate", "--allow-below-tier", str(cfg)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith(f"warning: {cfg}:7:17: services[0].slos[0].target") for line in err)
    assert err[-1] == f"{cfg}: 1 error"


def test_validate_missing_file(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["validate", "/nonexistent/x.yaml"]) == 2
    assert (
        capsys.readouterr().err
        == "/nonexistent/x.yaml: no such file\n/nonexistent/x.yaml: 1 error\n"
    )


def test_schema_command_prints_the_schema(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["schema", "config"]) == 0
    assert capsys.readouterr().out == config_schema_text()


def test_no_command_and_version(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 2
    assert "usage: nexus-sre" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("nexus-sre ")


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["schema", "--help"]])
def test_help_everywhere(argv: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_python_dash_m_entry_point(root) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "validate", "examples/slos.yaml", "/no/such.yaml"],
        cwd=root,
        env={"PYTHONPATH": str(root / "python")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stdout == "examples/slos.yaml: OK — 4 services, 9 SLOs\n"
