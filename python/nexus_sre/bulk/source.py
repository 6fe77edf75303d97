"""Input side of a backfill: record batches from Parquet files, datasets, CSV, or any Arrow
producer, each with where it came from (for error messages).

Parquet is read through pyarrow's dataset scanner: only the needed columns are decoded
(projection), the service column stays dictionary-encoded, and batches stream in with
bounded read-ahead, so memory is a few row groups whatever the file size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

from ..errors import DataError

BATCH_ROWS = 1 << 18


@dataclass
class Location:
    """Where a batch came from; `describe(row)` names the file, row group and row."""

    source: str  # file path or "<pyarrow.Table>" ...
    batch: int  # batch index within the source (file)
    first_row: int  # row offset of the batch within the source
    row_groups: list[int] | None = field(default=None, repr=False)  # rows per row group
    fragment: Any = field(default=None, repr=False)

    def describe(self, row: int | None = None) -> str:
        where = f"{self.source}"
        if row is None:
            return f"{where}, batch {self.batch}"
        absolute = self.first_row + row
        if self.row_groups is not None:
            start = 0
            for g, n in enumerate(self.row_groups):
                if absolute < start + n:
                    return f"{where}, row group {g}, row {absolute - start} (file row {absolute})"
                start += n
        return f"{where}, batch {self.batch}, row {row} (row {absolute})"


class Source:
    """An iterable of (batch, Location) plus what is known up front."""

    def __init__(self, names: list[str], total_rows: int | None, label: str):
        self.names = names
        self.total_rows = total_rows
        self.label = label

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch, Location]]:
        raise NotImplementedError


def _missing(names: list[str], columns: list[str], label: str) -> None:
    for c in columns:
        if c not in names:
            raise DataError(
                f"column '{c}' is missing from {label}; it has columns {', '.join(names)}"
            )


class DatasetSource(Source):
    def __init__(self, path: str, fmt: str, service: str):
        self.path = path
        self.fmt = fmt
        if fmt == "parquet":
            # Keep service names dictionary-encoded: rows map through codes, not strings.
            file_format: Any = ds.ParquetFileFormat(
                default_fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=True),
                read_options=ds.ParquetReadOptions(dictionary_columns=[service]),
            )
        else:
            file_format = ds.CsvFileFormat()
        try:
            self.dataset = ds.dataset(
                path,
                format=file_format,
                partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
            )
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot read as {fmt}: {exc}") from None
        names = list(self.dataset.schema.names)
        total = None
        if fmt == "parquet":
            try:
                total = self.dataset.count_rows()  # from footers only
            except (pa.ArrowInvalid, OSError) as exc:
                raise DataError(f"{path}: cannot read as Parquet: {exc}") from None
        super().__init__(names, total, path)

    def _row_groups(self, fragment: Any) -> list[int] | None:
        if self.fmt != "parquet":
            return None
        try:
            md = fragment.metadata
            return [md.row_group(i).num_rows for i in range(md.num_row_groups)]
        except (AttributeError, OSError, pa.ArrowInvalid):
            return None

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch, Location]]:
        _missing(self.names, columns, self.path)
        scanner = self.dataset.scanner(columns=columns, batch_size=BATCH_ROWS, use_threads=True)
        current: Any = None
        source, index, first = self.path, -1, 0
        try:
            for tagged in scanner.scan_batches():
                path = getattr(tagged.fragment, "path", self.path)
                # Each batch comes with a fresh fragment object: compare files by path.
                if current is None or path != source:
                    source, index, first = path, -1, 0
                current = tagged.fragment
                batch = tagged.record_batch
                index += 1
                yield batch, Location(source, index, first, fragment=current)
                first += batch.num_rows
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            raise DataError(f"{source}: cannot read batch {index + 1}: {exc}") from None

    def locate(self, loc: Location) -> Location:
        """Fill in the row groups (from the footer) once a row needs naming."""
        if loc.fragment is not None and loc.row_groups is None:
            loc.row_groups = self._row_groups(loc.fragment)
        return loc


class StreamSource(Source):
    """Any Arrow producer through the PyCapsule stream interface (no copy)."""

    def __init__(self, data: Any):
        label = f"<{type(data).__module__}.{type(data).__name__}>"
        total = None
        if isinstance(data, pa.Table | pa.RecordBatch):
            total = data.num_rows
        if isinstance(data, pa.RecordBatch):
            data = pa.Table.from_batches([data])
        if isinstance(data, pa.RecordBatchReader):
            reader = data
        elif hasattr(data, "__arrow_c_stream__"):
            reader = pa.RecordBatchReader.from_stream(data)
        elif hasattr(data, "arrow"):  # e.g. an older DuckDB relation
            reader = data.arrow().to_reader()
        else:
            raise DataError(
                f"data: expected a path or an Arrow producer (with __arrow_c_stream__), "
                f"got {type(data).__name__}"
            )
        self.reader = reader
        super().__init__(list(reader.schema.names), total, label)

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch, Location]]:
        _missing(self.names, columns, self.label)
        first = 0
        for i, batch in enumerate(self.reader):
            yield batch.select(columns), Location(self.label, i, first)
            first += batch.num_rows

    def locate(self, loc: Location) -> Location:
        return loc


def open_source(data: Any, service_column: str) -> DatasetSource | StreamSource:
    if isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataError(f"{path}: no such file or directory")
        fmt = "csv" if _is_csv(path) else "parquet"
        return DatasetSource(path, fmt, service_column)
    return StreamSource(data)


def _is_csv(path: str) -> bool:
    if os.path.isdir(path):
        for _root, _dirs, files in os.walk(path):
            for f in files:
                if f.endswith((".parquet", ".pq")):
                    return False
                if f.endswith((".csv", ".csv.gz")):
                    return True
        return False
    return path.endswith((".csv", ".csv.gz", ".tsv"))
