"""Reports validate against the published schema, and the schema does reject bad ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from nexus_sre.report import render

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_schema_is_valid():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_sample_report_validates(rf, sample_evals):
    meta = {"ghost": {"tier": "tier-2"}}
    evals = [*sample_evals, rf.eval(slo_id="tte", tte_hours=12.5, alerts=[rf.alert(hours=None)])]
    report = rf.build(evals, services_meta=meta)
    VALIDATOR.validate(report)
    # What a reader gets back from the files validates too.
    VALIDATOR.validate(json.loads(render(report, "json")))
    VALIDATOR.validate(yaml.safe_load(render(report, "yaml")))


def test_every_recommendation_code_is_in_the_schema(rf, sample_evals):
    codes = set(SCHEMA["$defs"]["recommendation"]["properties"]["code"]["enum"])
    report = rf.build(sample_evals)
    assert {r["code"] for r in report["recommendations"]} <= codes


def test_empty_report_validates(rf):
    VALIDATOR.validate(rf.build([]))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("summary", "overallCompliance"), 101),
        (("metadata", "generatedAt"), "yesterday"),
        (("services", 0, "slos", 0, "status"), "fine"),
        (("services", 0, "slos", 0, "errorBudget", "totalMinutes"), "43.2"),
        (("recommendations", 0, "type"), "urgent"),
    ],
)
def test_schema_rejects_broken_reports(rf, sample_evals, path, value):
    report = copy.deepcopy(rf.build(sample_evals))
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(report)


def test_schema_rejects_unknown_keys(rf):
    report = rf.build([rf.eval()])
    report["services"][0]["slos"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(report)


def test_packaged_schema_equals_the_published_one() -> None:
    # `nexus-sre schema report` prints the copy shipped inside the package.
    repo = Path(__file__).resolve().parents[2]
    published = (repo / "schemas" / "report.schema.json").read_text()
    packaged = (repo / "python" / "nexus_sre" / "report" / "report.schema.json").read_text()
    assert packaged == published
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "schema", "report"], capture_output=True, text=True
    )
    assert out.returncode == 0 and json.loads(out.stdout) == json.loads(published)
