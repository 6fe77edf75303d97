"""The JSON Schema of the config file, generated from the spec models.

schemas/config.schema.json is this output (`python -m nexus_sre schema config`); a test keeps
the committed file equal to it.
"""

from __future__ import annotations

import json
from typing import Any

from .spec import ConfigSpec

SCHEMA_ID = "https://github.com/nexus-sre/nexus-sre/schemas/config.schema.json"


def config_schema() -> dict[str, Any]:
    schema = ConfigSpec.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def config_schema_text() -> str:
    """The schema as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(config_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
