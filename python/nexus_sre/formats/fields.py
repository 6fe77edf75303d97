"""Reading fields of a source document with errors at file:line: mappings with known keys,
strings, numbers, booleans and durations. Shared by the Sloth, Pyrra and slo-generator
readers (OpenSLO is checked against its JSON Schema first, see openslo_schema.py)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..common.durations import parse_duration
from ..config import values
from ..errors import WindowError
from .documents import SourceDoc
from .losses import Notes


class Fields:
    """Typed access to one document; every problem is a refusal at its line."""

    def __init__(self, doc: SourceDoc, notes: Notes, fmt: str):
        self.doc, self.notes, self.fmt = doc, notes, fmt

    def bad(self, path: tuple[str | int, ...], message: str) -> None:
        self.notes.refuse(self.doc.at(*path), message)

    def mapping(
        self,
        path: tuple[str | int, ...],
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
        *,
        optional: bool = False,
    ) -> dict[str, Any]:
        value = self.doc.get(*path)
        if value is None and optional:
            return {}
        if not isinstance(value, dict):
            self.bad(path, f"expected a mapping, got {values.describe(value)}")
            return {}
        for key in value:
            if key not in allowed:
                hint = (
                    values.did_you_mean(key, allowed) or f"; {self.fmt} knows {', '.join(allowed)}"
                )
                self.notes.refuse(self.doc.at(*path, key), f"unknown {self.fmt} key {key!r}{hint}")
        for key in required:
            if key not in value:
                self.bad(path, f"missing required key {key!r}")
        return value

    def items(self, path: tuple[str | int, ...]) -> list[Any]:
        value = self.doc.get(*path)
        if value is None:
            return []
        if not isinstance(value, list):
            self.bad(path, f"expected a list, got {values.describe(value)}")
            return []
        return value

    def text(self, path: tuple[str | int, ...], *, required: bool = True) -> str | None:
        value = self.doc.get(*path)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.bad(path, f"expected a non-empty string, got {values.describe(value)}")
            return None
        return value

    def number(self, path: tuple[str | int, ...], what: str) -> Decimal | None:
        value = self.doc.get(*path)
        if isinstance(value, bool):
            value = None
        if isinstance(value, str):
            try:
                value = Decimal(value.strip())
            except InvalidOperation:
                value = None
        if isinstance(value, int | Decimal) and Decimal(value).is_finite():
            return Decimal(value)
        self.bad(path, f"expected {what}, got {values.describe(self.doc.get(*path))}")
        return None

    def flag(self, path: tuple[str | int, ...], default: bool) -> bool:
        value = self.doc.get(*path)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.bad(path, f"expected true or false, got {values.describe(value)}")
            return default
        return value

    def duration(self, path: tuple[str | int, ...]) -> int | None:
        value = self.doc.get(*path)
        try:
            return parse_duration(value, name="duration")
        except WindowError as exc:
            self.bad(path, str(exc).removeprefix("duration: "))
            return None
