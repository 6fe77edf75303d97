"""JSON: the reference format, the report model as it is."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any]) -> str:
    # allow_nan=False: NaN/Infinity are not JSON; the model never holds them.
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
