"""The public entry points: text or a file or a dict in, a validated Config out.

Pipeline: parse (loader) -> expand ${VAR} (env) -> validate shape (spec) and cross-field
rules (checks), collecting every problem -> build the Config model (build).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ConfigError, ConfigIssue
from .build import build_config
from .checks import check_bucket, check_config, check_size, check_text
from .env import expand_env
from .issues import issues_from_validation
from .loader import PathKey, Positions, format_path, load_document, read_config_file
from .model import Config
from .policy_checks import check_policies, check_policy_windows
from .spec import ConfigSpec


def parse_config(
    data: Any,
    source: str = "<dict>",
    *,
    positions: Positions | None = None,
    env: Mapping[str, str] | None = None,
    allow_below_tier_floor: bool = False,
) -> Config:
    """Validate plain data (as from YAML/JSON) into a Config; ConfigError lists every problem.

    `env` replaces os.environ for `${VAR}` expansion. With `allow_below_tier_floor` (as
    `global.allowBelowTier: true` in the file), an availability target under its tier's
    floor is a warning (in `Config.warnings`) instead of an error.
    """
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(source, "", "expected a mapping at the top level")])
    issues: list[ConfigIssue] = []

    def at(path: PathKey, message: str, severity: str = "error") -> None:
        line, col = positions.locate(path) if positions else (None, None)
        issues.append(ConfigIssue(source, format_path(path), message, line, col, severity))

    too_big = check_size(data)
    if too_big is not None:
        at(too_big.path, too_big.message)
        _raise_errors(issues)
    data = expand_env(data, at, env)
    for problem in [
        *check_text(data),
        *check_config(data, allow_below_tier_floor=allow_below_tier_floor),
    ]:
        at(problem.path, problem.message, problem.severity)
    for path, message in check_policies(data):
        at(path, message)
    spec: ConfigSpec | None = None
    try:
        spec = ConfigSpec.model_validate(data)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, source, positions))
    _raise_errors(issues)
    assert spec is not None  # no errors: the spec validated
    warnings = sorted(_unique(i for i in issues if i.severity != "error"), key=_order)
    config = build_config(spec, source, warnings)
    # Checks that need the defaults filled in can only run now, on a config without errors.
    for problem in check_bucket(config):
        at(problem.path, problem.message, problem.severity)
    for path, message in check_policy_windows(config):
        at(path, message)
    _raise_errors(issues)
    return config


def _raise_errors(issues: list[ConfigIssue]) -> None:
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        warnings = [i for i in issues if i.severity != "error"]
        raise ConfigError(
            sorted(_unique(errors), key=_order), sorted(_unique(warnings), key=_order)
        )


def load_config_text(text: str | bytes, source: str = "<string>", **options: Any) -> Config:
    """Parse YAML or JSON text; `options` as for parse_config."""
    doc = load_document(text, source)
    return parse_config(doc.data, source, positions=doc.positions, **options)


def load_config(path: str | Path, **options: Any) -> Config:
    """Read a YAML or JSON config file; `options` as for parse_config."""
    doc = read_config_file(path)
    return parse_config(doc.data, doc.source, positions=doc.positions, **options)


def _order(issue: ConfigIssue) -> tuple[int, int, str]:
    return (issue.line or 0, issue.column or 0, issue.path)


def _unique(issues: Any) -> list[ConfigIssue]:
    seen: dict[ConfigIssue, None] = {}
    for issue in issues:
        seen.setdefault(issue, None)
    return list(seen)
