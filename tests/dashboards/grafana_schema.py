"""Validation of generated dashboards against Grafana's published JSON Schemas (11.6).

The schemas live beside the repository (`<repo>/../shared/schemas/grafana-dashboard-v11.6/`;
from a git worktree, beside the main checkout). Without them the tests skip, except under
CI=true where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

REPO = Path(__file__).resolve().parents[2]
SUBDIR = Path("shared") / "schemas" / "grafana-dashboard-v11.6"


def schema_dir() -> Path:
    roots = [REPO]
    common = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
    )
    if common.returncode == 0:
        roots.append(Path(common.stdout.strip()).parent)  # the main checkout of a worktree
    for root in roots:
        folder = root.parent / SUBDIR
        if (folder / "dashboard.jsonschema.json").exists():
            return folder
    reason = f"Grafana JSON Schemas not found at <repo>/../{SUBDIR}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@cache
def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((schema_dir() / f"{name}.jsonschema.json").read_text()))


def _validator(name: str, definition: str | None = None) -> jsonschema.Draft7Validator:
    schema = _schema(name)
    if definition is not None:
        schema = {**schema, "$ref": f"#/definitions/{definition}"}
    return jsonschema.Draft7Validator(schema)


def problems(dashboard: dict[str, Any]) -> list[str]:
    """Every schema violation: the dashboard, each panel's options against its type's
    Options, each Prometheus target against the Prometheus dataquery. Empty when valid."""
    out = [
        f"dashboard: {e.json_path}: {e.message:.300}"
        for e in _validator("dashboard").iter_errors(dashboard)
    ]
    for panel in panels(dashboard):
        where = f"panel {panel.get('id')} {panel.get('title')!r}"
        # The dashboard schema says only "matches none of Panel, RowPanel": say why.
        shape = _validator("dashboard", "RowPanel" if panel["type"] == "row" else "Panel")
        out += [f"{where}: {e.json_path}: {e.message}" for e in shape.iter_errors(panel)]
        if panel["type"] == "row":
            continue
        kind = panel["type"].replace("-", "")
        options = _validator(kind, "Options")
        out += [
            f"{where}: options {e.json_path}: {e.message}"
            for e in options.iter_errors(panel["options"])
        ]
        for t in panel.get("targets", []):
            out += [
                f"{where}: target {t.get('refId')}: {e.json_path}: {e.message}"
                for e in _validator("prometheus").iter_errors(t)
            ]
    return out


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out += panel.get("panels", []) if panel.get("type") == "row" else []
    return out
