"""Read back what `BackfillResult.write` wrote: the buckets file (Parquet, CSV, or the JSON
document) as an Arrow table of the columns in `counts.COLUMNS`, plus the bucket width when
the file records it (Parquet metadata, the JSON `totals`). Checking the values is
`counts.split_counts`'s job; here a file that cannot be read, or lacks a column, is a
`DataError` naming it.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from ..errors import DataError, InvalidInputError
from .counts import COLUMNS, check_columns
from .result import METADATA_KEY

Read = tuple[pa.Table, int | None]


def read_output(path: str | os.PathLike[str]) -> Read:
    """The buckets of a backfill's output file and its bucket width (None: not recorded)."""
    p, label = Path(path), str(path)
    if p.is_dir():
        raise InvalidInputError(
            f"--data: {label} is a directory; pass the buckets file `nexus-sre backfill -o` wrote"
        )
    if not p.is_file():
        raise InvalidInputError(f"--data: {label} does not exist")
    reader = _READERS.get(p.suffix.lower()) or _sniff(p, label)
    try:
        return reader(p, label)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{label}: cannot read it: {exc}") from None


def _sniff(path: Path, label: str) -> Callable[[Path, str], Read]:
    with path.open("rb") as fh:
        head = fh.read(4)
    if head == b"PAR1":
        return _parquet
    raise DataError(
        f"{label}: cannot tell the format: name the file .parquet, .csv or .json, as "
        "`nexus-sre backfill --format` writes it"
    )


def _recorded_width(totals: object) -> int | None:
    width = totals.get("bucket_seconds") if isinstance(totals, dict) else None
    return width if isinstance(width, int) and width > 0 else None


def _parquet(path: Path, label: str) -> Read:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{label}: not a Parquet file ({exc})") from None
    schema = file.schema_arrow
    check_columns(schema.names, label)
    meta = (schema.metadata or {}).get(METADATA_KEY)
    width = _recorded_width(json.loads(meta)) if meta else None
    return file.read(columns=list(COLUMNS)), width


def _csv(path: Path, label: str) -> Read:
    import pyarrow.csv as pcsv

    with path.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    check_columns(header, label)
    # All as text: `split_counts` converts each column and names it when a value is bad.
    options = pcsv.ConvertOptions(
        include_columns=list(COLUMNS),
        column_types={c: pa.string() for c in COLUMNS},
        strings_can_be_null=True,
    )
    return pcsv.read_csv(path, convert_options=options), None


def _json(path: Path, label: str) -> Read:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{label}: not JSON ({exc})") from None
    rows = doc.get("buckets") if isinstance(doc, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise DataError(
            f"{label}: not the JSON output of a backfill (no 'buckets' list of objects)"
        )
    check_columns(list(dict.fromkeys(k for r in rows for k in r)) if rows else list(COLUMNS), label)
    columns = {}
    for name in COLUMNS:
        try:
            columns[name] = pa.array([r.get(name) for r in rows])
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataError(f"{label}: column '{name}': {exc}") from None
    return pa.table(columns), _recorded_width(doc.get("totals"))


_READERS: dict[str, Callable[[Path, str], Read]] = {
    ".parquet": _parquet,
    ".pq": _parquet,
    ".csv": _csv,
    ".json": _json,
}
