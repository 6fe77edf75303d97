"""Fuzzing the config loader: random YAML/JSON documents, and random mutations of
examples/slos.yaml (values replaced, keys dropped or renamed, text cut and spliced). The
property: a Config or a ConfigError, never another exception; on the CLI, `validate` exits
0 or 2 and never prints a traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_sre.config import Config, config_schema, load_config_text
from nexus_sre.errors import ConfigError

EXAMPLE = (Path(__file__).parents[2] / "examples" / "slos.yaml").read_text()
EXAMPLE_DATA = yaml.safe_load(EXAMPLE)


def _schema_keys(node: Any, out: set[str]) -> set[str]:
    """Every property name of the config schema: keys the loader looks at closely."""
    if isinstance(node, dict):
        out.update(k for k in node.get("properties", {}) if isinstance(k, str))
        for v in node.values():
            _schema_keys(v, out)
    elif isinstance(node, list):
        for v in node:
            _schema_keys(v, out)
    return out


KEYS = sorted(_schema_keys(config_schema(), set()))
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "30d",
            "1h",
            "0s",
            "-5m",
            "99999999999999999999d",
            "99.9",
            "tier-0",
            "availability",
            "latency",
            "prometheus",
            "embedded",
            "${NOPE}",
            "1e308",
            "",
            "\u202e",
        ]
    )
)
keys = st.sampled_from(KEYS) | st.text(max_size=8)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


def _load(text: str) -> None:
    try:
        result = load_config_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert exc.issues, "a ConfigError lists its issues"
        assert all(str(i) for i in exc.issues)
        return
    assert isinstance(result, Config)


def _dump(data: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(data, allow_nan=True, default=str)
    return yaml.safe_dump(data, allow_unicode=True)


@FUZZ
@given(doc=documents, as_json=st.booleans())
def test_random_documents(doc: Any, as_json: bool) -> None:
    _load(_dump(doc, as_json))


@FUZZ
@given(doc=st.dictionaries(keys, documents, max_size=6), as_json=st.booleans())
def test_random_top_level_mappings(doc: dict[str, Any], as_json: bool) -> None:
    _load(_dump({"version": "1.0", **doc}, as_json))


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


EXAMPLE_PATHS = [p for p in _paths(EXAMPLE_DATA) if p]


@st.composite
def mutated_example(draw: st.DrawFn) -> Any:
    """examples/slos.yaml with one to four structural changes."""
    data = copy.deepcopy(EXAMPLE_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(EXAMPLE_PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            parent[last]
        except (KeyError, IndexError, TypeError):
            continue
        action = draw(st.sampled_from(["replace", "delete", "rename", "duplicate"]))
        if action == "replace":
            parent[last] = draw(documents)
        elif action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(keys)] = parent.pop(last)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return data


@FUZZ
@given(data=mutated_example(), as_json=st.booleans())
def test_mutations_of_the_example(data: Any, as_json: bool) -> None:
    _load(_dump(data, as_json))


@FUZZ
@given(
    cut=st.integers(0, len(EXAMPLE)),
    length=st.integers(0, 40),
    insert=st.text(max_size=12)
    | st.sampled_from(["&a ", "*a", "<<: *a", "!!python/name:os", "\t", ": ", "- "]),
)
def test_text_splices_of_the_example(cut: int, length: int, insert: str) -> None:
    _load(EXAMPLE[:cut] + insert + EXAMPLE[cut + length :])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated_example())
def test_validate_cli_never_prints_a_traceback(tmp_path_factory: Any, data: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "slos.yaml"
    path.write_text(_dump(data, False))
    r = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode in (0, 2), r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_a_tier_that_is_a_mapping_is_a_config_error() -> None:
    """Found by the fuzzer: a mapping as `tier` crashed the tier-floor check (TypeError)."""
    text = EXAMPLE.replace('tier: "tier-0"', "tier: {a: 1}", 1)
    try:
        load_config_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert any("tier" in i.path for i in exc.issues)
    else:
        raise AssertionError("a mapping tier was accepted")


def test_a_backend_that_is_a_list_is_a_config_error() -> None:
    """Found by the fuzzer: a list as monitoringBackend crashed the query-dialect check."""
    text = EXAMPLE.replace('monitoringBackend: "embedded"', "monitoringBackend: []", 1)
    try:
        load_config_text(text, "fuzz.yaml")
    except ConfigError as exc:
        assert any("monitoringBackend" in i.path for i in exc.issues)
    else:
        raise AssertionError("a list backend was accepted")
