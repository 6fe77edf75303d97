"""The SLO report: `build_report` makes the model, `render` writes it in one format.

report = build_report(evaluations, source=..., period_start=..., period_end=...,
                      config_hash=..., services_meta=...)
html = render(report, "html")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import InvalidInputError
from .meta import services_meta_from_config
from .model import build_report
from .recommendations import recommend
from .render_csv import render_csv
from .render_html import render_html
from .render_json import render_json
from .render_markdown import render_markdown
from .render_yaml import render_yaml

_RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "json": render_json,
    "html": render_html,
    "csv": render_csv,
    "yaml": render_yaml,
    "markdown": render_markdown,
}
FORMATS: tuple[str, ...] = tuple(_RENDERERS)
# File extension per format, for writers that pick a file name.
EXTENSIONS = {"json": "json", "html": "html", "csv": "csv", "yaml": "yaml", "markdown": "md"}


def render(report: dict[str, Any], fmt: str) -> str:
    """The report as text in `fmt` (one of FORMATS; "md" and "yml" are accepted too)."""
    key = {"md": "markdown", "yml": "yaml"}.get(fmt.lower(), fmt.lower())
    if key not in _RENDERERS:
        raise InvalidInputError(f"fmt: unknown report format {fmt!r}; use one of {FORMATS}")
    return _RENDERERS[key](report)


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "build_report",
    "recommend",
    "render",
    "services_meta_from_config",
]
