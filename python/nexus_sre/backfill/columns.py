"""Which input columns hold what: the column mapping of a backfill.

Given in the config (`backfill.columns`), to the API or on the command line; `layered`
stacks them. The outcome of a request comes from a boolean `success` column or an integer
`status` column, where codes in `failure_codes` (inclusive ranges; 5xx by default) are
failures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..errors import InvalidInputError


@dataclass(frozen=True)
class Columns:
    timestamp: str = "timestamp"
    service: str = "service"
    success: str | None = None  # bool; when neither is given, "success" if present else "status"
    status: str | None = None
    failure_codes: tuple[tuple[int, int], ...] = ((500, 599),)
    latency: str | None = "latency_ms"
    latency_unit: str = "ms"  # ms | s (Arrow durations carry their own unit)
    count: str | None = None  # events per row, for pre-aggregated exports
    epoch_unit: str = "s"  # unit of integer timestamps: s | ms

    def __post_init__(self) -> None:
        if self.success is not None and self.status is not None:
            raise InvalidInputError("columns: give a success column or a status column, not both")
        if self.latency_unit not in ("ms", "s"):
            raise InvalidInputError(f"latency_unit: must be ms or s, got {self.latency_unit!r}")
        if self.epoch_unit not in ("s", "ms"):
            raise InvalidInputError(f"epoch_unit: must be s or ms, got {self.epoch_unit!r}")
        for lo, hi in self.failure_codes:
            if lo > hi:
                raise InvalidInputError(f"failure_codes: empty range {lo}-{hi}")

    @classmethod
    def layered(cls, *layers: Mapping[str, Any]) -> Columns:
        """The built-in defaults with each layer's given (not None) fields on top, in order
        (config, then API or command line). A layer that names an outcome column (success or
        status) replaces the outcome of the layers below it."""
        names = [f.name for f in fields(cls)]
        chosen: dict[str, Any] = {}
        for layer in layers:
            for key in layer:
                if key not in names:
                    raise InvalidInputError(
                        f"columns: unknown field {key!r}; expected one of {', '.join(names)}"
                    )
            given = {k: v for k, v in layer.items() if v is not None}
            if "success" in given or "status" in given:
                chosen.pop("success", None)
                chosen.pop("status", None)
            chosen.update(given)
        return cls(**chosen)

    def resolve(self, names: list[str]) -> Columns:
        """Pick the outcome column from the data's column names when none was given."""
        if self.success is not None or self.status is not None:
            return self
        if "success" in names:
            return replace(self, success="success")
        return replace(self, status="status")

    @property
    def outcome(self) -> str:
        return self.success or self.status or "status"

    def needed(self, latency: bool) -> list[str]:
        """The columns to decode (Parquet projection): nothing else is read."""
        cols = [self.timestamp, self.service, self.outcome]
        if latency and self.latency:
            cols.append(self.latency)
        if self.count:
            cols.append(self.count)
        return list(dict.fromkeys(cols))
