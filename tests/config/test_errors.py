"""Every kind of bad input, checked against the exact message a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from nexus_sre.config import load_config, load_config_text
from nexus_sre.config.loader import MAX_BYTES, MAX_DEPTH
from nexus_sre.errors import ConfigError

from .conftest import MINIMAL, issues_of


def _with(line: str, replacement: str) -> str:
    assert line in MINIMAL
    return MINIMAL.replace(line, replacement)


def test_duplicate_slo_ids_across_services() -> None:
    text = (
        MINIMAL
        + """\
  - name: web
    slos:
      - id: avail
        target: 99.0
        sli: {type: availability}
"""
    )
    assert issues_of(text) == [
        "cfg.yaml:12:13: services[1].slos[0].id: duplicate SLO id 'avail' "
        "(already used by services[0].slos[0])"
    ]


def test_unknown_key_with_did_you_mean() -> None:
    text = _with("        target: 99.5", "        traget: 99.5")
    assert issues_of(text) == [
        "cfg.yaml:6:9: services[0].slos[0]: missing required key 'target'",
        "cfg.yaml:7:9: services[0].slos[0].traget: unknown key 'traget'; did you mean 'target'?",
    ]


def test_unknown_key_without_close_match_lists_valid_keys() -> None:
    text = _with("    tier: tier-1", "    tier: tier-1\n    colour: blue")
    assert issues_of(text) == [
        "cfg.yaml:5:5: services[0].colour: unknown key 'colour'; expected one of name, tier, "
        "owner, slos, allowBelowTier, policy"
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "target must be between 0 and 100 (exclusive), got 0"),
        ("-5", "target must be between 0 and 100 (exclusive), got -5"),
        (
            "100",
            "target must be between 0 and 100 (exclusive), got 100 (100 would leave no "
            "error budget)",
        ),
        ("100.5", "target must be between 0 and 100 (exclusive), got 100.5"),
        (
            "0.999",
            "target 0.999 looks like a fraction, but targets are percentages; did you mean 99.9?",
        ),
        (
            "0.95",
            "target 0.95 looks like a fraction, but targets are percentages; did you mean 95?",
        ),
        (
            '"99.5"',
            "expected a target in percent such as 99.9, got the string '99.5' (remove the quotes)",
        ),
        ("high", "expected a target in percent such as 99.9, got the string 'high'"),
        ("true", "expected a target in percent such as 99.9, got the boolean true"),
        (".nan", "'.nan' is not a finite number"),
    ],
)
def test_bad_targets(value: str, message: str) -> None:
    text = _with("        target: 99.5", f"        target: {value}")
    assert issues_of(text) == [f"cfg.yaml:7:17: services[0].slos[0].target: {message}"]


def test_window_that_does_not_parse() -> None:
    text = _with("        target: 99.5", "        target: 99.5\n        timeWindow: 30days")
    assert issues_of(text) == [
        "cfg.yaml:8:21: services[0].slos[0].timeWindow: '30days' is not a duration; use a "
        "number and a unit (ms, s, m, h, d, w, y), e.g. '5m', '1h', '30d'"
    ]


def test_calendar_word_alone_points_to_the_mapping_form() -> None:
    text = _with("        target: 99.5", "        target: 99.5\n        timeWindow: month")
    assert issues_of(text) == [
        "cfg.yaml:8:21: services[0].slos[0].timeWindow: 'month' is not a duration; for a "
        "calendar window write {calendar: month, timezone: UTC}"
    ]


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (
            "{calendar: year}",
            "timeWindow.calendar: unknown calendar period 'year'; expected month or week",
        ),
        (
            "{calendar: month, timezone: Mars/Base}",
            "timeWindow.timezone: unknown time zone "
            "'Mars/Base'; use an IANA name such as 'UTC' or 'Europe/Berlin'",
        ),
        (
            "{calendar: week, tz: UTC}",
            "timeWindow.tz: unknown key 'tz' in a calendar window; expected calendar, timezone",
        ),
        (
            "{timezone: UTC}",
            "timeWindow: a calendar window needs 'calendar: month' or 'calendar: week'",
        ),
    ],
)
def test_bad_calendar_windows(window: str, message: str) -> None:
    text = _with("        target: 99.5", f"        target: 99.5\n        timeWindow: {window}")
    (issue,) = issues_of(text)
    assert issue.startswith("cfg.yaml:8:")
    assert issue.split(": ", 1)[1] == f"services[0].slos[0].{message}"


BURN = """\
        alerting:
          burnRate:
            fast: {threshold: 14.4, window: WINDOW, severity: critical}
"""


def test_burn_rate_window_longer_than_slo_window() -> None:
    text = MINIMAL + "        timeWindow: 7d\n" + BURN.replace("WINDOW", "14d")
    assert issues_of(text) == [
        "cfg.yaml:13:45: services[0].slos[0].alerting.burnRate.fast.window: burn-rate window "
        "2w is longer than the SLO window 1w"
    ]


def test_burn_rate_window_checked_against_global_default() -> None:
    text = MINIMAL.replace('version: "1.0"', 'version: "1.0"\nglobal: {defaultTimeWindow: 1d}')
    text += BURN.replace("WINDOW", "2d")
    assert issues_of(text) == [
        "cfg.yaml:13:45: services[0].slos[0].alerting.burnRate.fast.window: burn-rate window "
        "2d is longer than the SLO window 1d"
    ]


def test_short_window_must_be_shorter() -> None:
    text = MINIMAL + BURN.replace("WINDOW", "1h, shortWindow: 2h")
    assert issues_of(text) == [
        "cfg.yaml:12:62: services[0].slos[0].alerting.burnRate.fast.shortWindow: shortWindow "
        "2h must be shorter than window 1h"
    ]


def test_burn_rate_that_can_never_fire() -> None:
    text = MINIMAL + BURN.replace("14.4", "500").replace("WINDOW", "1h")
    assert issues_of(text) == [
        "cfg.yaml:12:31: services[0].slos[0].alerting.burnRate.fast.threshold: burn rate 500 "
        "can never fire with a target of 99.5: it needs an error rate of 250%"
    ]


def test_budget_thresholds_out_of_order_and_over_100() -> None:
    text = (
        MINIMAL
        + """\
        alerting:
          budgetExhaustion:
            thresholds:
              - {percentage: 75, severity: warning}
              - {percentage: 50, severity: info}
              - {percentage: 101, severity: critical}
"""
    )
    assert issues_of(text) == [
        "cfg.yaml:14:30: services[0].slos[0].alerting.budgetExhaustion.thresholds[1].percentage:"
        " thresholds must be in increasing order: 50 comes after 75",
        "cfg.yaml:15:30: services[0].slos[0].alerting.budgetExhaustion.thresholds[2].percentage:"
        " a budget percentage must be above 0 and at most 100, got the number 101",
    ]


def test_missing_sli() -> None:
    text = MINIMAL.replace("        sli:\n          type: availability\n", "")
    assert issues_of(text) == ["cfg.yaml:6:9: services[0].slos[0]: missing required key 'sli'"]


def test_unknown_tier_and_sli_type() -> None:
    text = MINIMAL.replace("tier: tier-1", "tier: tier1").replace(
        "type: availability", "type: ratios"
    )
    assert issues_of(text) == [
        "cfg.yaml:4:11: services[0].tier: unknown tier 'tier1'; expected tier-0, tier-1, tier-2 "
        "or tier-3; did you mean 'tier-1'?",
        "cfg.yaml:9:17: services[0].slos[0].sli.type: unknown SLI type 'ratios'; expected "
        "availability, latency or ratio; did you mean 'ratio'?",
    ]


def test_latency_without_threshold_and_threshold_on_availability() -> None:
    text = (
        MINIMAL.replace("type: availability", "type: latency")
        + """\
      - id: other
        target: 99.5
        sli: {type: availability, threshold: 300ms}
"""
    )
    assert issues_of(text) == [
        "cfg.yaml:9:11: services[0].slos[0].sli: a latency SLI needs a threshold, e.g. "
        "'threshold: 300ms'",
        "cfg.yaml:12:46: services[0].slos[1].sli.threshold: threshold only applies to latency "
        "SLIs, not availability",
    ]


def test_bad_latency_threshold() -> None:
    text = MINIMAL.replace("type: availability", "type: latency\n          threshold: 3 seconds")
    assert issues_of(text) == [
        "cfg.yaml:10:22: services[0].slos[0].sli.threshold: '3 seconds' is not a latency; write "
        "a number with ms or s, e.g. '300ms' or '0.3s'"
    ]


@pytest.mark.parametrize(
    ("line", "replacement", "message"),
    [
        (
            "    tier: tier-1",
            "    tier: tier-1\n    owner: 42",
            "cfg.yaml:5:12: services[0].owner: expected a string, got the number 42",
        ),
        (
            'version: "1.0"',
            "version: 1.0",
            'cfg.yaml:1:10: version: expected a version string such as "1.0" (quote it), got the '
            "number 1.0",
        ),
        (
            'version: "1.0"',
            'version: "2.0"',
            "cfg.yaml:1:10: version: unsupported config version '2.0'; this nexus-sre reads '1.0'",
        ),
        (
            'version: "1.0"',
            'version: "1.0"\nglobal: {alertingEnabled: "yes"}',
            "cfg.yaml:2:27: global.alertingEnabled: expected true or false, got the string 'yes'",
        ),
        (
            'version: "1.0"',
            'version: "1.0"\nglobal: {budgetCalculationInterval: 2.5}',
            "cfg.yaml:2:37: global.budgetCalculationInterval: expected a whole number, got the "
            "number 2.5",
        ),
        (
            MINIMAL[15:],
            "services: api\n",
            "cfg.yaml:2:11: services: expected a list, got the string 'api'",
        ),
        (
            'version: "1.0"',
            'version: "1.0"\nglobal: {monitoringBackend: influx}',
            "cfg.yaml:2:29: global.monitoringBackend: unknown monitoring backend 'influx'; "
            "expected embedded, prometheus, parquet or datadog",
        ),
        (
            "      - id: avail",
            "      - id: my avail",
            "cfg.yaml:6:13: services[0].slos[0].id: 'my avail' is not a valid name; use letters, "
            "digits and - _ . : (no spaces)",
        ),
    ],
)
def test_wrong_types(line: str, replacement: str, message: str) -> None:
    assert issues_of(MINIMAL.replace(line, replacement)) == [message]


def test_prometheus_backend_reads_the_default_counters_without_a_query() -> None:
    """docs/prometheus.md: an SLI without a query reads nexus_sre_requests_total."""
    from nexus_sre.rules.sli import sli_queries

    text = MINIMAL.replace(
        'version: "1.0"', 'version: "1.0"\nglobal: {monitoringBackend: prometheus}'
    )
    config = load_config_text(text)
    service, slo = config.find("avail")
    queries = sli_queries(service, slo)
    assert "nexus_sre_requests_total{" in queries.total  # type: ignore[union-attr]
    ok = text.replace("type: availability", "type: availability\n          query: up")
    assert load_config_text(ok).slo("avail").sli.query == "up"


def test_query_forms_are_exclusive() -> None:
    both = MINIMAL.replace(
        "type: availability", "type: ratio\n          query: a\n          goodQuery: b"
    )
    assert issues_of(both) == [
        "cfg.yaml:10:18: services[0].slos[0].sli.query: give either query, or goodQuery and "
        "totalQuery, not both"
    ]
    half = MINIMAL.replace("type: availability", "type: ratio\n          goodQuery: b")
    assert issues_of(half) == [
        "cfg.yaml:9:11: services[0].slos[0].sli: goodQuery and totalQuery go together; "
        "totalQuery is missing"
    ]


def test_tier_floor_is_an_error_unless_allowed() -> None:
    text = MINIMAL.replace("tier: tier-1", "tier: tier-0")
    assert issues_of(text) == [
        "cfg.yaml:7:17: services[0].slos[0].target: target 99.5 is below the tier-0 (critical) "
        "floor of 99.9; raise the target, lower the service tier, or allow it: set "
        "'allowBelowTier: true' under global (or on the service), or use the command line's "
        "--allow-below-tier"
    ]
    config = load_config_text(text, "cfg.yaml", allow_below_tier_floor=True)
    assert [str(w) for w in config.warnings] == [
        "cfg.yaml:7:17: services[0].slos[0].target: target 99.5 is below the tier-0 (critical) "
        "floor of 99.9 (allowed by allowBelowTier)"
    ]
    assert config.warnings[0].severity == "warning"


def test_all_errors_reported_at_once() -> None:
    text = (
        MINIMAL.replace("tier: tier-1", "tier: tier-7")
        .replace("target: 99.5", "target: 0.995")
        .replace("type: availability", "type: speed")
    )
    assert len(issues_of(text)) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cfg.yaml: the file is empty; expected a mapping with 'version', 'services', ..."),
        (
            "# only a comment\n",
            "cfg.yaml: the file is empty; expected a mapping with 'version', 'services', ...",
        ),
        (
            "- a\n- b\n",
            "cfg.yaml:1:1: expected a mapping at the top level (version:, global:, "
            "services:), got a list",
        ),
        (
            "just text\n",
            "cfg.yaml:1:1: expected a mapping at the top level (version:, global:, "
            "services:), got 'just text'",
        ),
        (
            "version: [1\nservices: x\n",
            # libyaml's wording (the pure-Python parser says "expected ',' or ']', but got
            # ':'" at the same place).
            "cfg.yaml:2:9: invalid YAML: while parsing a flow sequence, "
            "did not find expected ',' or ']'",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "cfg.yaml:2:1: invalid YAML: expected a single document in the "
            "stream, but found another document",
        ),
        (
            "x: !!python/object/apply:os.system ['true']\n",
            "cfg.yaml:1:4: x: unsupported YAML "
            "tag 'tag:yaml.org,2002:python/object/apply:os.system'; use plain values",
        ),
        (
            "version: '1.0'\nversion: '1.0'\n",
            "cfg.yaml:2:1: version: duplicate key 'version' (first given on line 1)",
        ),
    ],
)
def test_unusable_files(text: str, message: str) -> None:
    assert issues_of(text) == [message]


def test_both_parsers_read_configs_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml when PyYAML has it, else the pure-Python parser: same data, positions
    and depth cap."""
    from nexus_sre.config import loader

    text = (Path(__file__).parents[2] / "examples" / "slos.yaml").read_text()
    fast = loader.load_document(text, "slos.yaml")
    monkeypatch.setattr(loader.yaml, "__with_libyaml__", False)
    slow = loader.load_document(text, "slos.yaml")
    assert fast.data == slow.data
    assert fast.positions == slow.positions
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    assert f"nested more than {MAX_DEPTH} levels deep" in issues_of(deep)[0]


def test_deeply_nested_file_fails_cleanly() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10)
    (message,) = issues_of(text)
    assert message.endswith(f"nested more than {MAX_DEPTH} levels deep")
    block = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v: 1\n"
    (message,) = issues_of(block)
    assert "nested more than" in message


def test_huge_text_and_file_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = "a: 1\n" + "#" * MAX_BYTES
    assert issues_of(big) == ["cfg.yaml: file is larger than 10 MB; refusing to read it"]
    path = tmp_path / "big.yaml"
    path.write_text(big)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == f"{path}: file is larger than 10 MB; refusing to read it"


def test_missing_file_and_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file"
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a directory, not a config file"


def test_not_utf8() -> None:
    with pytest.raises(ConfigError) as info:
        load_config_text(b"a: \xff\xfe\n", "cfg.yaml")
    assert str(info.value) == "cfg.yaml: not UTF-8 text (byte 3: invalid start byte)"


def test_config_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        load_config_text("", "x.yaml")


def test_json_file_errors_say_json(tmp_path: Path) -> None:
    path = tmp_path / "slos.json"
    path.write_text('{"version": "1.0",\n "services": [\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (issue,) = info.value.issues
    assert str(issue).startswith(f"{path}:3:1: invalid JSON: "), str(issue)


def test_aliases_cannot_nest_past_the_depth_cap() -> None:
    """`a: &x [*x]` refers to itself: infinitely deep once aliases are followed."""
    (message,) = issues_of("a: &x [*x]\n")
    assert (
        message == f"cfg.yaml:1:4: a: nested more than {MAX_DEPTH} levels deep (through aliases?)"
    )


def test_json_escapes_for_characters_beyond_the_bmp(tmp_path: Path) -> None:
    """json.dumps writes an emoji as a surrogate-pair escape; it reads back as the emoji."""
    import json

    doc = json.loads(json.dumps({"version": "1.0", "services": []}))
    doc["services"] = [
        {
            "name": "api",
            "tier": "tier-1",
            "slos": [
                {"id": "a", "name": "Café 🚀", "target": 99.9, "sli": {"type": "availability"}}
            ],
        }
    ]
    path = tmp_path / "slos.json"
    path.write_text(json.dumps(doc))  # ensure_ascii: "Caf\\u00e9 \\ud83d\\ude80"
    assert "\\ud83d\\ude80" in path.read_text()
    assert [slo.name for _, slo in load_config(path).slos()] == ["Café 🚀"]
    path.write_text(json.dumps(doc).replace("\\ude80", ""))  # half a character
    with pytest.raises(ConfigError, match="lone surrogate"):
        load_config(path)
