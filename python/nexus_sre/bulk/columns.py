"""Which input columns hold what: the column mapping of a backfill.

Given on the command line or to the API (the config file format is untouched). The outcome
of a request comes from a boolean `success` column or an integer `status` column, where
codes in `failure_codes` (inclusive ranges; 5xx by default) are failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

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


_RANGE = re.compile(r"^\s*(\d{3})(?:\s*-\s*(\d{3}))?\s*$")


def parse_failure_codes(text: str) -> tuple[tuple[int, int], ...]:
    """'500-599,429' -> ((500, 599), (429, 429)); '5xx' is 500-599."""
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if re.fullmatch(r"[1-5]xx", part):
            base = int(part[0]) * 100
            out.append((base, base + 99))
            continue
        m = _RANGE.match(part)
        if not m:
            raise InvalidInputError(
                f"failure codes: {part!r} is not a code, a range like 500-599, or 5xx"
            )
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if lo > hi:
            raise InvalidInputError(f"failure codes: empty range {part!r}")
        out.append((lo, hi))
    return tuple(out)
