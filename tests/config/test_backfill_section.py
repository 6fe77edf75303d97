"""The `backfill:` section: the column mapping and bucket width of `nexus-sre backfill`."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from nexus_sre.config import BackfillColumns, BackfillSettings, load_config_text
from nexus_sre.config.schema import config_schema

from .conftest import MINIMAL, issues_of


def _section(text: str) -> BackfillSettings:
    return load_config_text(MINIMAL + text, "cfg.yaml").backfill


def _docs_example(root: Path) -> str:
    text = (root / "docs" / "backfill.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "backfill:" in b]
    return str(block)


def test_absent_section_gives_nothing_and_partial_gives_only_what_is_set() -> None:
    none = load_config_text(MINIMAL).backfill
    assert none == BackfillSettings()
    assert (none.bucket_seconds, none.columns.given()) == (None, {})
    part = _section("backfill:\n  columns: {success: ok, latency: null}\n")
    assert part.columns.given() == {"success": "ok"}
    assert part.bucket_seconds is None


@pytest.mark.parametrize(
    ("value", "ranges"),
    [
        ("5xx", ((500, 599),)),
        ("4XX", ((400, 499),)),
        ("500-504", ((500, 504),)),
        ("429", ((429, 429),)),
        ('"5xx, 429"', ((500, 599), (429, 429))),
        ("[5xx, 429, 502-503]", ((500, 599), (429, 429), (502, 503))),
    ],
)
def test_failure_code_spellings(value: str, ranges: tuple[tuple[int, int], ...]) -> None:
    section = _section(f"backfill:\n  columns:\n    failureCodes: {value}\n")
    assert section.columns.failure_codes == ranges


def _one(text: str) -> str:
    (issue,) = issues_of(MINIMAL + text)
    return issue


CODES = "a code such as 429, a range such as 500-599, or a class such as 5xx"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "backfill:\n  colums: {}\n",
            "cfg.yaml:11:3: backfill.colums: unknown key 'colums'; did you mean 'columns'?",
        ),
        (
            "backfill:\n  columns:\n    latencyUnits: s\n",
            "cfg.yaml:12:5: backfill.columns.latencyUnits: unknown key 'latencyUnits'; "
            "did you mean 'latencyUnit'?",
        ),
        (
            "backfill:\n  columns:\n    colour: red\n",
            "cfg.yaml:12:5: backfill.columns.colour: unknown key 'colour'; expected one of "
            "timestamp, epochUnit, service, success, status, failureCodes, latency, "
            "latencyUnit, count",
        ),
        (
            "backfill:\n  columns:\n    timestamp: 42\n",
            "cfg.yaml:12:16: backfill.columns.timestamp: expected a string, got the number 42",
        ),
        (
            "backfill:\n  columns:\n    service: ''\n",
            "cfg.yaml:12:14: backfill.columns.service: must not be empty",
        ),
        (
            "backfill:\n  columns: [ts]\n",
            "cfg.yaml:11:12: backfill.columns: expected a mapping, got a list",
        ),
        (
            "backfill:\n  columns:\n    latencyUnit: sec\n",
            "cfg.yaml:12:18: backfill.columns.latencyUnit: unknown latency unit 'sec'; "
            "expected ms or s",
        ),
        (
            "backfill:\n  columns:\n    latencyUnit: MS\n",
            "cfg.yaml:12:18: backfill.columns.latencyUnit: unknown latency unit 'MS'; "
            "expected ms or s; did you mean 'ms'?",
        ),
        (
            "backfill:\n  columns:\n    epochUnit: 1000\n",
            "cfg.yaml:12:16: backfill.columns.epochUnit: expected epoch unit (s or ms), "
            "got the number 1000",
        ),
        (
            "backfill:\n  columns:\n    success: ok\n    status: code\n",
            "cfg.yaml:13:13: backfill.columns.status: give either success (a boolean column) "
            "or status (a status-code column), not both",
        ),
        (
            "backfill:\n  columns:\n    success: ok\n    failureCodes: 5xx\n",
            "cfg.yaml:13:19: backfill.columns.failureCodes: failureCodes only applies to a "
            "status column; with success the column says what failed",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: 599-500\n",
            "cfg.yaml:12:19: backfill.columns.failureCodes: '599-500' is an empty range: "
            "599 is above 500",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: 5xy\n",
            f"cfg.yaml:12:19: backfill.columns.failureCodes: '5xy' is not {CODES}",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: '5xx, abc'\n",
            f"cfg.yaml:12:19: backfill.columns.failureCodes: 'abc' is not {CODES}",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: [5xx, 42]\n",
            f"cfg.yaml:12:25: backfill.columns.failureCodes[1]: 42 is not {CODES}",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: [5xx, true]\n",
            f"cfg.yaml:12:25: backfill.columns.failureCodes[1]: expected {CODES}, "
            "got the boolean true",
        ),
        (
            "backfill:\n  columns:\n    failureCodes: []\n",
            f"cfg.yaml:12:19: backfill.columns.failureCodes: needs at least one item: {CODES}",
        ),
        (
            "backfill:\n  bucket: 1500ms\n",
            "cfg.yaml:11:11: backfill.bucket: '1500ms' is not a whole number of seconds",
        ),
        (
            "backfill:\n  bucket: 0\n",
            "cfg.yaml:11:11: backfill.bucket: must be a positive whole number of seconds, got 0",
        ),
        (
            "backfill:\n  bucket: 7m\n",
            "cfg.yaml:11:11: backfill.bucket: 7m buckets do not divide the time window 30d of "
            "SLO 'avail'; use a width that divides every window, such as 1m",
        ),
        (
            "backfill:\n  bucket: 10m\n",  # 30d divides; the Workbook's 5m short window does not
            "cfg.yaml:11:11: backfill.bucket: 10m buckets do not divide the alert 'page-1h' "
            "short window 5m of SLO 'avail'; use a width that divides every window, such as 1m",
        ),
    ],
)
def test_bad_sections(text: str, message: str) -> None:
    assert _one(text) == message


def test_every_problem_of_the_section_at_once() -> None:
    text = "backfill:\n  bucket: fast\n  columns:\n    latencyUnit: h\n    epochUnit: us\n"
    assert issues_of(MINIMAL + text) == [
        "cfg.yaml:11:11: backfill.bucket: 'fast' is not a duration; use a number and a unit "
        "(ms, s, m, h, d, w, y), e.g. '5m', '1h', '30d'",
        "cfg.yaml:13:18: backfill.columns.latencyUnit: unknown latency unit 'h'; expected ms or s",
        "cfg.yaml:14:16: backfill.columns.epochUnit: unknown epoch unit 'us'; expected s or ms; "
        "did you mean 's'?",
    ]


def test_docs_example_parses_into_the_model(root: Path) -> None:
    text = _docs_example(root)
    config = load_config_text(text, "docs/backfill.md")
    assert config.backfill == BackfillSettings(
        bucket_seconds=300,
        columns=BackfillColumns(
            timestamp="ts",
            epoch_unit="ms",
            service="svc",
            status="http_status",
            failure_codes=((500, 599), (429, 429)),
            latency="duration_s",
            latency_unit="s",
            count="n",
        ),
    )
    assert [s.id for _, s in config.slos()] == ["api-availability", "api-latency"]
    jsonschema.validate(yaml.safe_load(text), config_schema())


@pytest.mark.parametrize(
    ("columns", "valid"),
    [
        ({"failureCodes": "5xx, 429"}, True),
        ({"failureCodes": [429, "500-599"]}, True),
        ({"failureCodes": "5xy"}, False),
        ({"failureCodes": []}, False),
        ({"latencyUnit": "h"}, False),
        ({"timestamp": ""}, False),
        ({"colour": "red"}, False),
    ],
)
def test_schema_describes_the_section(root: Path, columns: dict[str, object], valid: bool) -> None:
    doc = yaml.safe_load(_docs_example(root))
    doc["backfill"]["columns"] = columns
    if valid:
        jsonschema.validate(doc, config_schema())
    else:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, config_schema())
