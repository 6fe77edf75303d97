"""Turning pydantic validation errors into ConfigIssues a person can act on."""

from __future__ import annotations

import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from ..errors import ConfigIssue
from . import values
from .loader import PathKey, Positions, format_path
from .spec import ConfigSpec


def _unwrap(tp: Any) -> Any:
    """Strip Annotated[...] and `| None` so we can see the model or container underneath."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp
            tp = members[0]
        else:
            return tp


def model_at(path: PathKey, root: type[BaseModel] = ConfigSpec) -> type[BaseModel] | None:
    """The spec model that describes the mapping at `path` (for listing its valid keys)."""
    tp: Any = root
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            fields = {f.alias or n: f for n, f in tp.model_fields.items()}
            if part not in fields:
                return None
            tp = fields[part].annotation
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def known_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


def _message(err: Any) -> tuple[PathKey, str, bool]:
    """(path, message, point-at-key) for one pydantic error."""
    loc: PathKey = tuple(err["loc"])
    kind, given, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    got = values.describe(given)
    if kind == "nexus":
        return (*loc, *ctx.get("sub", ())), ctx["msg"], bool(ctx.get("sub"))
    if kind == "missing":
        return loc[:-1], f"missing required key {loc[-1]!r}", False
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = model_at(loc[:-1])
        keys = known_keys(model) if model else []
        msg = f"unknown key {key!r}"
        hint = values.did_you_mean(key, keys)
        msg += hint if hint else (f"; expected one of {', '.join(keys)}" if keys else "")
        return loc, msg, True
    simple = {
        "string_type": "expected a string",
        "bool_type": "expected true or false",
        "int_type": "expected a whole number",
        "int_from_float": "expected a whole number",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "model_attributes_type": "expected a mapping",
        "list_type": "expected a list",
    }
    if kind in simple:
        return loc, f"{simple[kind]}, got {got}", False
    if kind == "string_too_short":
        return loc, "must not be empty", False
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return loc, f"needs at least {n} item{'s' if n != 1 else ''}, got none", False
    if kind in ("greater_than", "greater_than_equal"):
        op = ">" if kind == "greater_than" else ">="
        bound = ctx.get("gt", ctx.get("ge"))
        return loc, f"must be {op} {bound}, got {got}", False
    if kind in ("less_than", "less_than_equal"):
        op = "<" if kind == "less_than" else "<="
        bound = ctx.get("lt", ctx.get("le"))
        return loc, f"must be {op} {bound}, got {got}", False
    return loc, str(err["msg"]), False


def issues_from_validation(
    exc: ValidationError, source: str, positions: Positions | None
) -> list[ConfigIssue]:
    out = []
    for err in exc.errors(include_url=False):
        path, message, at_key = _message(err)
        line, col = positions.locate(path, key=at_key) if positions else (None, None)
        out.append(ConfigIssue(source, format_path(path), message, line, col))
    return out
