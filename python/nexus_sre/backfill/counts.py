"""Per-SLO, per-bucket good/total (the `buckets` table of a backfill), checked column by
column and split into one series per SLO.

The table needs `service`, `slo_id`, `bucket_start`, `good` and `total`; any other column
(a backfill also writes the error ratio, burn rates and budget left) is ignored: those are
functions of the counts over the backfill's range. Every problem is a `DataError` that
names the table (`label`, usually a file) and the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..common.times import VALID_FROM, VALID_TO, iso, valid_years
from ..errors import DataError

COLUMNS = ("service", "slo_id", "bucket_start", "good", "total")
# Bucket starts outside the valid time range (`common.times`) are bad data, as request
# timestamps are to the backfill kernel.
# An SLO's buckets may leave gaps (buckets without events dropped), but a span this much
# longer than its rows is not a backfill's (and would take that much memory).
MAX_SPREAD, MIN_SPAN_CHECKED = 16, 1 << 20

# What a table without the buckets columns probably is, by columns it has (first match).
_LOOKS_LIKE = (
    ({"alert", "peak_burn_rate"}, "the alerts file of a backfill: pass its buckets file"),
    ({"target_percent", "sli"}, "the summary file of a backfill: pass its buckets file"),
    (
        {"service"},
        "request-level data: report on it with --source parquet, or run "
        "`nexus-sre backfill` on it first",
    ),
)


_ZONE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


@dataclass(frozen=True)
class SloCounts:
    """Good and total of one SLO: element i is bucket `first + i` (epoch seconds // width)."""

    first: int
    good: np.ndarray  # uint64
    total: np.ndarray  # uint64

    def dense(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Good and total over bucket indices [first, last], zeros where it has none."""
        return dense(self.first, self.good, first, last), dense(self.first, self.total, first, last)

    @property
    def last_with_events(self) -> int | None:
        nz = np.flatnonzero(self.total)
        return self.first + int(nz[-1]) if len(nz) else None


def dense(base: int, values: np.ndarray, first: int, last: int, reuse: bool = False) -> np.ndarray:
    """`values` (element i is bucket base + i) over bucket indices [first, last]; `reuse`
    returns a view when the range lies inside (no second copy of the counts)."""
    if reuse and base <= first and last < base + len(values):
        return values[first - base : last - base + 1]
    out = np.zeros(last - first + 1, dtype=np.uint64)
    lo, hi = max(base, first), min(base + len(values) - 1, last)
    if hi >= lo:
        out[lo - first : hi - first + 1] = values[lo - base : hi - base + 1]
    return out


def check_columns(names: list[str], label: str) -> None:
    """A `DataError` naming the first missing column, and what the table looks like."""
    missing = [c for c in COLUMNS if c not in names]
    if not missing:
        return
    hint = next((h for cols, h in _LOOKS_LIKE if cols <= set(names)), "")
    raise DataError(
        f"{label}: column '{missing[0]}' is missing: not the buckets of a backfill (they have "
        f"{', '.join(COLUMNS)}; this has {', '.join(names) or 'no columns'})"
        + (f"; it looks like {hint}" if hint else "")
    )


def split_counts(
    table: pa.Table, label: str, bucket_seconds: int | None = None
) -> tuple[int, dict[tuple[str, str], SloCounts]]:
    """The bucket width (given, else the greatest common divisor of the gaps between bucket
    starts) and the counts of each (service, slo_id) in the table."""
    check_columns(table.column_names, label)
    if table.num_rows == 0:
        raise DataError(f"{label}: no buckets (the backfill saw no rows in its range)")
    service = _text(table, "service", label)
    slo = _text(table, "slo_id", label)
    starts = _epoch_seconds(table, label)
    good, total = _count(table, "good", label), _count(table, "total", label)
    over = np.flatnonzero(good > total)
    if len(over):
        i = int(over[0])
        raise DataError(
            f"{label}: column 'good', row {i}: {good[i]} good events of {total[i]} in all"
        )
    width = bucket_seconds or _width(starts, label)
    off = np.flatnonzero(starts % width)
    if len(off):
        i = int(off[0])
        raise DataError(
            f"{label}: column 'bucket_start', row {i}: {iso(int(starts[i]))} does not start "
            f"a {width}-second bucket"
        )
    index = starts // width
    out: dict[tuple[str, str], SloCounts] = {}
    for key, rows in _groups(service, slo):
        idx = index[rows]
        ordered = np.sort(idx)
        twice = np.flatnonzero(np.diff(ordered) == 0)
        if len(twice):
            when = iso(int(ordered[twice[0]]) * width)
            raise DataError(
                f"{label}: column 'bucket_start': the bucket at {when} of {key[0]}/{key[1]} "
                "appears more than once"
            )
        first, span = int(ordered[0]), int(ordered[-1] - ordered[0]) + 1
        if span > MIN_SPAN_CHECKED and span > MAX_SPREAD * len(idx):
            raise DataError(
                f"{label}: column 'bucket_start': the {len(idx)} buckets of {key[0]}/{key[1]} "
                f"spread over {span} buckets of {width} s, from {iso(first * width)} to "
                f"{iso(int(ordered[-1]) * width)}: not the output of a backfill"
            )
        g = np.zeros(span, dtype=np.uint64)
        t = np.zeros_like(g)
        g[idx - first] = good[rows]
        t[idx - first] = total[rows]
        out[key] = SloCounts(first, g, t)
    return width, out


def _no_nulls(column: pa.ChunkedArray, name: str, label: str) -> None:
    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataError(f"{label}: column '{name}', row {row}: null")


def _text(table: pa.Table, name: str, label: str) -> pa.ChunkedArray:
    column = table.column(name)
    t = column.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)):
        raise DataError(f"{label}: column '{name}' must be text, got {column.type}")
    _no_nulls(column, name, label)
    return column.cast(pa.string())


def _epoch_seconds(table: pa.Table, label: str) -> np.ndarray:
    """Bucket starts as epoch seconds: timestamps (any unit and zone; none = UTC) or ISO
    text (as in CSV and JSON output)."""
    name = "bucket_start"
    column = table.column(name)
    _no_nulls(column, name, label)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = _parse_times(column, name, label)
    if not pa.types.is_timestamp(column.type):
        raise DataError(f"{label}: column '{name}' must be timestamps, got {column.type}")
    try:
        seconds = column.cast(pa.timestamp("s")).cast(pa.int64())
    except pa.ArrowInvalid as exc:
        raise DataError(f"{label}: column '{name}': not whole seconds ({exc})") from None
    out = np.asarray(seconds.to_numpy(), dtype=np.int64)
    wild = np.flatnonzero((out < VALID_FROM) | (out >= VALID_TO))
    if len(wild):
        i = int(wild[0])
        raise DataError(
            f"{label}: column '{name}', row {i}: {iso(int(out[i]))} is outside {valid_years()}"
        )
    return out


def _parse_times(column: pa.ChunkedArray, name: str, label: str) -> pa.ChunkedArray:
    """ISO text with a zone offset (as backfill writes it), or without one (UTC), as the
    first value has it."""
    zoned = _ZONE.search(str(column[0].as_py()).strip()) is not None
    try:
        return column.cast(pa.timestamp("s", tz="UTC" if zoned else None))
    except pa.ArrowInvalid as exc:
        raise DataError(f"{label}: column '{name}': {exc}") from None


def _count(table: pa.Table, name: str, label: str) -> np.ndarray:
    """Events per bucket: integers (or decimal text, from CSV) that are not negative."""
    column = table.column(name)
    _no_nulls(column, name, label)
    t = column.type
    if not (pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t)):
        raise DataError(f"{label}: column '{name}' must be whole numbers of events, got {t}")
    if pa.types.is_signed_integer(t) and len(column) and pc.min(column).as_py() < 0:
        row = int(np.flatnonzero(np.asarray(column.to_numpy()) < 0)[0])
        raise DataError(f"{label}: column '{name}', row {row}: negative count")
    try:
        counts = column.cast(pa.uint64())
    except pa.ArrowInvalid as exc:
        raise DataError(f"{label}: column '{name}': {exc}") from None
    return np.asarray(counts.to_numpy(), dtype=np.uint64)


def _width(starts: np.ndarray, label: str) -> int:
    distinct = np.unique(starts)
    if len(distinct) < 2:
        raise DataError(
            f"{label}: column 'bucket_start' has one bucket start only, so the bucket width "
            "is unknown; write the backfill as Parquet or JSON, which record it"
        )
    return int(np.gcd.reduce(np.diff(distinct)))


def _groups(
    service: pa.ChunkedArray, slo: pa.ChunkedArray
) -> list[tuple[tuple[str, str], np.ndarray]]:
    """Row numbers of each (service, slo_id), by dictionary codes (no Python string per
    row), in order of first appearance."""
    sv = pc.dictionary_encode(service).combine_chunks()
    sl = pc.dictionary_encode(slo).combine_chunks()
    width = len(sl.dictionary)
    key = sv.indices.to_numpy().astype(np.int64) * width + sl.indices.to_numpy()
    order = np.argsort(key, kind="stable")
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    groups = np.split(order, cuts)
    groups.sort(key=lambda rows: int(rows[0]))
    names_sv, names_sl = sv.dictionary.to_pylist(), sl.dictionary.to_pylist()
    return [
        ((names_sv[int(key[r[0]]) // width], names_sl[int(key[r[0]]) % width]), r) for r in groups
    ]
