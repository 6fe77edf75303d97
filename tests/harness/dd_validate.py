"""Strict checks of Datadog API requests against the official client's own definitions.

The client's models accept unknown keys (they keep them as additional properties), but the
real API answers 400 to unknown fields and wrong types. `check_body` walks a JSON body
against a model's `openapi_types`/`attribute_map` (unknown keys, missing required keys,
wrong JSON types, enum values, oneOf branches) and then deserializes it with the client
itself (type checking on); `check_query` does the same for query strings from an
endpoint's `params_map`.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime
from typing import Any
from uuid import UUID

from datadog_api_client import Configuration
from datadog_api_client.model_utils import (
    ModelComposed,
    ModelNormal,
    ModelSimple,
    check_validations,
    none_type,
    validate_and_convert_types,
)


class Invalid(ValueError):
    """A request the real API would refuse with 400; the message says where and why."""


def _required(cls: type) -> set[str]:
    sig = inspect.signature(cls.__init__)
    names = [
        n
        for n, p in sig.parameters.items()
        if n not in ("self", "self_", "kwargs", "args")
        and p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return {cls.attribute_map.get(n, n) for n in names}


def _is(value: Any, kind: Any) -> bool:
    """Whether a JSON value has this primitive type, as the API reads JSON."""
    if kind is none_type:
        return value is None
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    if kind in (datetime, date):
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    if kind is UUID:
        try:
            UUID(str(value))
        except ValueError:
            return False
        return True
    if kind is dict:
        return isinstance(value, dict)
    if kind is list:
        return isinstance(value, list)
    return False


def check_value(value: Any, types: tuple[Any, ...], path: str) -> None:
    """`value` must match one of `types` (the client's openapi_types tuple)."""
    problems = []
    for kind in types:
        try:
            _check_one(value, kind, path)
            return
        except Invalid as exc:
            problems.append(str(exc))
    if len(problems) == 1:
        raise Invalid(problems[0])
    raise Invalid(
        f"{path}: {value!r:.80} matches none of the allowed types ({' | '.join(problems)})"
    )


def _check_one(value: Any, kind: Any, path: str) -> None:
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise Invalid(f"{path}: expected a list, got {type(value).__name__}")
        for i, item in enumerate(value):
            check_value(item, tuple(kind), f"{path}[{i}]")
        return
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            raise Invalid(f"{path}: expected an object, got {type(value).__name__}")
        (inner,) = kind.values()
        for k, v in value.items():
            check_value(v, inner, f"{path}.{k}")
        return
    if isinstance(kind, type) and issubclass(kind, ModelSimple):
        inner = kind.openapi_types["value"]
        check_value(value, inner, path)
        allowed = getattr(kind, "allowed_values", None)
        if allowed and value not in allowed:
            raise Invalid(f"{path}: {value!r} is not one of {sorted(allowed)}")
        if "value" in kind.validations:
            _validations(kind.validations["value"], "value", value, path)
        return
    if isinstance(kind, type) and issubclass(kind, ModelComposed):
        branches = kind._composed_schemas.get("oneOf", [])
        fits = []
        for branch in branches:
            try:
                _check_one(value, branch, path)
                fits.append(branch)
            except Invalid:
                continue
        if not fits:
            names = ", ".join(getattr(b, "__name__", str(b)) for b in branches)
            raise Invalid(f"{path}: matches none of {kind.__name__}'s forms ({names})")
        return
    if isinstance(kind, type) and issubclass(kind, ModelNormal):
        _check_model(value, kind, path)
        return
    if not _is(value, kind):
        raise Invalid(f"{path}: expected {getattr(kind, '__name__', kind)}, got {value!r:.80}")


def _validations(rules: Any, name: str, value: Any, path: str) -> None:
    try:
        check_validations(rules, name, value, Configuration())
    except Exception as exc:
        raise Invalid(f"{path}: {exc}") from None


def _check_model(value: Any, cls: type, path: str) -> None:
    if not isinstance(value, dict):
        raise Invalid(f"{path}: expected an object ({cls.__name__}), got {value!r:.80}")
    by_json = {j: a for a, j in cls.attribute_map.items()}
    unknown = sorted(set(value) - set(by_json))
    if unknown:
        raise Invalid(f"{path}: unknown field(s) {', '.join(unknown)} in {cls.__name__}")
    missing = sorted(_required(cls) - set(value))
    if missing:
        raise Invalid(f"{path}: missing required field(s) {', '.join(missing)} of {cls.__name__}")
    for key, item in value.items():
        attr = by_json[key]
        types = cls.openapi_types[attr]
        if item is None and none_type not in types and not getattr(cls, "_nullable", False):
            raise Invalid(f"{path}.{key}: null is not allowed")
        if item is not None:
            check_value(item, types, f"{path}.{key}")
        if attr in cls.validations and item is not None:
            _validations(cls.validations[attr], attr, item, f"{path}.{key}")


def check_body(body: Any, model: type) -> Any:
    """The body, strictly checked, deserialized by the client into `model` (Invalid if not)."""
    check_value(body, (model,), "body")
    try:
        return validate_and_convert_types(
            body, (model,), ["body"], True, True, configuration=Configuration()
        )
    except Exception as exc:  # the client's own type errors
        raise Invalid(f"body: {exc}") from None


def check_query(params: dict[str, list[str]], params_map: dict[str, Any]) -> dict[str, Any]:
    """Query-string parameters checked against an endpoint's `params_map`: known names only,
    required ones present, values of the declared type. Returns {attribute: value}."""
    declared = {
        spec.get("attribute", name): spec
        for name, spec in params_map.items()
        if spec.get("location") == "query"
    }
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise Invalid(f"query string: unknown parameter(s) {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for attr, spec in declared.items():
        if attr not in params:
            if spec.get("required"):
                raise Invalid(f"query string: missing required parameter {attr}")
            continue
        raw = params[attr][-1]
        types = spec["openapi_types"]
        value: Any = raw
        if int in types:
            try:
                value = int(raw)
            except ValueError:
                raise Invalid(f"query string: {attr}={raw!r} is not an integer") from None
        elif bool in types:
            if raw not in ("true", "false"):
                raise Invalid(f"query string: {attr}={raw!r} is not true or false")
            value = raw == "true"
        else:
            check_value(raw, types, f"query string: {attr}")
        out[attr] = value
    return out
