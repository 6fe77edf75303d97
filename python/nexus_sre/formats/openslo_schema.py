"""A JSON Schema of OpenSLO v1 objects, written from the specification (OpenSLO/OpenSLO
README, "Object Types"), and validation of source documents against it with file:line errors.

Each kind's `spec` is closed (unknown keys are errors: a typo must not silently change an
SLO); `metricSource.spec` and `DataSource.connectionDetails` are open, as the spec says.
"""

from __future__ import annotations

from typing import Any

from ..config import values
from .documents import SourceDoc
from .losses import Notes

DURATION = {"type": "string", "pattern": r"^[1-9][0-9]*[mhdwMQY]$"}
NAME = {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"}
TEXT = {"type": "string", "maxLength": 1050}
KINDS = (
    "DataSource",
    "SLO",
    "SLI",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "Service",
)


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


METADATA = _closed(
    {
        "name": NAME,
        "displayName": {"type": "string"},
        "labels": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            },
        },
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    ("name",),
)
METRIC_SOURCE = _closed(
    {
        "metricSource": _closed(
            {
                "metricSourceRef": {"type": "string"},
                "type": {"type": "string"},
                "spec": {"type": "object"},
            },
            ("spec",),
        )
    },
    ("metricSource",),
)
SLI_SPEC = {
    **_closed(
        {
            "description": TEXT,
            "thresholdMetric": METRIC_SOURCE,
            "ratioMetric": _closed(
                {
                    "counter": {"type": "boolean"},
                    "good": METRIC_SOURCE,
                    "bad": METRIC_SOURCE,
                    "total": METRIC_SOURCE,
                    "rawType": {"enum": ["success", "failure"]},
                    "raw": METRIC_SOURCE,
                }
            ),
        }
    ),
    "oneOf": [{"required": ["thresholdMetric"]}, {"required": ["ratioMetric"]}],
}
CONDITION_SPEC = _closed(
    {
        "description": TEXT,
        "severity": {"type": "string", "minLength": 1},
        "condition": _closed(
            {
                "kind": {"enum": ["burnrate"]},
                "op": {"enum": ["lte", "gte", "lt", "gt"]},
                "threshold": {"type": "number"},
                "lookbackWindow": DURATION,
                "alertAfter": DURATION,
            },
            ("op", "threshold", "lookbackWindow"),
        ),
    },
    ("severity", "condition"),
)
TARGET_SPEC = _closed({"description": TEXT, "target": {"type": "string"}}, ("target",))


def _inline(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _closed(
        {
            "apiVersion": {"const": "openslo/v1"},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        ("kind", "metadata", "spec"),
    )


POLICY_SPEC = _closed(
    {
        "description": TEXT,
        "alertWhenNoData": {"type": "boolean"},
        "alertWhenResolved": {"type": "boolean"},
        "alertWhenBreaching": {"type": "boolean"},
        "conditions": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "anyOf": [
                    _closed({"conditionRef": {"type": "string"}}, ("conditionRef",)),
                    _inline("AlertCondition", CONDITION_SPEC),
                ]
            },
        },
        "notificationTargets": {
            "type": "array",
            "items": {
                "anyOf": [
                    _closed({"targetRef": {"type": "string"}}, ("targetRef",)),
                    _inline("AlertNotificationTarget", TARGET_SPEC),
                ]
            },
        },
    },
    ("conditions",),
)
OBJECTIVE = {
    **_closed(
        {
            "displayName": {"type": "string"},
            "op": {"enum": ["lte", "gte", "lt", "gt"]},
            "value": {"type": "number"},
            "target": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
            "targetPercent": {"type": "number", "minimum": 0, "exclusiveMaximum": 100},
            "timeSliceTarget": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "timeSliceWindow": {"anyOf": [DURATION, {"type": "number", "exclusiveMinimum": 0}]},
            "indicator": {"type": "object"},
            "indicatorRef": {"type": "string"},
            "compositeWeight": {"type": "number", "exclusiveMinimum": 0},
        }
    ),
    "oneOf": [{"required": ["target"]}, {"required": ["targetPercent"]}],
}
SLO_SPEC = {
    **_closed(
        {
            "description": TEXT,
            "service": {"type": "string", "minLength": 1},
            "indicator": _closed({"metadata": METADATA, "spec": SLI_SPEC}, ("metadata", "spec")),
            "indicatorRef": {"type": "string"},
            "timeWindow": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": _closed(
                    {
                        "duration": DURATION,
                        "isRolling": {"type": "boolean"},
                        "calendar": _closed(
                            {"startTime": {"type": "string"}, "timeZone": {"type": "string"}},
                            ("startTime", "timeZone"),
                        ),
                    },
                    ("duration",),
                ),
            },
            "budgetingMethod": {"enum": ["Occurrences", "Timeslices", "RatioTimeslices"]},
            "objectives": {"type": "array", "minItems": 1, "items": OBJECTIVE},
            "alertPolicies": {
                "type": "array",
                "items": {
                    "anyOf": [
                        _closed({"alertPolicyRef": {"type": "string"}}, ("alertPolicyRef",)),
                        _inline("AlertPolicy", POLICY_SPEC),
                    ]
                },
            },
        },
        ("service", "budgetingMethod", "objectives"),
    )
}
SPECS: dict[str, dict[str, Any]] = {
    "DataSource": _closed(
        {"description": TEXT, "type": {"type": "string"}, "connectionDetails": {"type": "object"}},
        ("type",),
    ),
    "SLO": SLO_SPEC,
    "SLI": SLI_SPEC,
    "AlertPolicy": POLICY_SPEC,
    "AlertCondition": CONDITION_SPEC,
    "AlertNotificationTarget": TARGET_SPEC,
    "Service": _closed({"description": TEXT}),
}


def schema() -> dict[str, Any]:
    """The whole schema: one document of any v1 kind."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "OpenSLO v1 object (from the OpenSLO specification)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "openslo/v1"},
            "kind": {"enum": list(KINDS)},
            "metadata": METADATA,
            "spec": {"type": "object"},
        },
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": k}}, "required": ["kind"]},
                "then": {"properties": {"spec": s}},
            }
            for k, s in SPECS.items()
        ],
    }


def _message(error: Any) -> tuple[tuple[str | int, ...], str]:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = list(error.schema.get("properties", {}))
        key = extra[0] if extra else "?"
        hint = values.did_you_mean(key, known) or f"; OpenSLO v1 knows {', '.join(known)}"
        return (*path, key), f"unknown key {key!r}{hint}"
    if error.validator == "required":
        return path, f"missing required key {error.message.split(' ')[0]}"
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        options = [r["required"][0] for r in error.validator_value]
        return path, f"give exactly one of {', '.join(options)}"
    if error.validator == "enum":
        return path, f"{values.describe(error.instance)} is not one of " + ", ".join(
            map(str, error.validator_value)
        )
    if error.validator == "pattern" and error.schema is DURATION:
        return path, (
            f"{error.instance!r} is not an OpenSLO duration: a whole number and one "
            "of m h d w M Q Y, e.g. 28d"
        )
    if error.validator == "anyOf":
        return path, "does not match any allowed form (a *Ref item or an inline object)"
    return path, error.message


def validate(doc: SourceDoc, notes: Notes) -> bool:
    """Check one document against the schema; each problem is refused at its line."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema is in the `formats` extra
        notes.refuse(doc.at(), "reading OpenSLO needs jsonschema: pip install nexus-sre[formats]")
        return False
    validator = jsonschema.Draft202012Validator(schema())
    ok = True
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.path))):
        path, message = _message(error)
        notes.refuse(doc.at(*path), message)
        ok = False
    return ok
