"""YAML: the same facts as JSON, for people who read configs all day."""

from __future__ import annotations

from typing import Any

import yaml

# The C dumper (when PyYAML has libyaml) writes the same safe YAML, much faster.
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def render_yaml(report: dict[str, Any]) -> str:
    text: str = yaml.dump(
        report, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return text
