"""Input side of a backfill: record batches from Parquet files, datasets, CSV, or any Arrow
producer, each with where it came from (for error messages).

Plain Parquet files are decoded in Rust (`RowGroups`: the extension reads them itself,
row groups spread over the cores, GIL released). Files it cannot read (codecs it lacks)
and files of hive-partitioned datasets go through pyarrow, row group by row group with one
decoded ahead. Either way only the needed columns are decoded (projection) and the service
column stays dictionary-encoded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from .. import _core
from ..errors import BadFileError, DataError

if TYPE_CHECKING:
    from .tasks import FilePart

BATCH_ROWS = 1 << 18
# Row groups per call into the Rust reader: about this many rows, so the progress bar moves.
RUST_CALL_ROWS = 8_000_000
# Off: every Parquet file goes through pyarrow (tests compare the two readers).
RUST_PARQUET = True


@dataclass
class Location:
    """Where a batch came from, handed to the kernel with the batch so that a bad row's
    `BadRowError` names the file, row group and row (worded in rust/nexus-sre-py/src/errors.rs)."""

    source: str  # file path or "<pyarrow.Table>" ...
    batch: int  # batch index within the source (file)
    first_row: int  # row offset of the batch within the source
    row_groups: list[int] | None = field(default=None, repr=False)  # rows per row group


@dataclass
class RowGroups:
    """Row groups of a plain Parquet file for the Rust reader to decode and aggregate."""

    path: str
    columns: list[str]
    groups: list[int]
    num_rows: int


class Source:
    """An iterable of (batch, Location) plus what is known up front."""

    def __init__(self, names: list[str], total_rows: int | None, label: str):
        self.names = names
        self.total_rows = total_rows
        self.label = label

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch | RowGroups, Location]]:
        raise NotImplementedError


def _missing(names: list[str], columns: list[str], label: str) -> None:
    for c in columns:
        if c not in names:
            raise DataError(
                f"column '{c}' is missing from {label}; it has columns {', '.join(names)}"
            )


class CsvSource(Source):
    """CSV files (one, or a directory of them) through pyarrow's dataset scanner."""

    def __init__(self, path: str):
        import pyarrow.dataset as ds

        self.path = path
        try:
            self.dataset = ds.dataset(
                path,
                format="csv",
                partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
            )
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot read as CSV: {exc}") from None
        super().__init__(list(self.dataset.schema.names), None, path)

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch, Location]]:
        _missing(self.names, columns, self.path)
        scanner = self.dataset.scanner(columns=columns, batch_size=BATCH_ROWS, use_threads=True)
        source, index, first = self.path, -1, 0
        try:
            for tagged in scanner.scan_batches():
                path = getattr(tagged.fragment, "path", self.path)
                # Each batch comes with a fresh fragment object: compare files by path.
                if path != source:
                    source, index, first = path, -1, 0
                batch = tagged.record_batch
                index += 1
                yield batch, Location(source, index, first)
                first += batch.num_rows
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            raise DataError(f"{source}: cannot read batch {index + 1}: {exc}") from None


def _plain_files(directory: str) -> list[str] | None:
    """The data files under `directory` (sorted; hidden and `_` files left out, as
    pyarrow's discovery does) if none sits in a hive `key=value` directory, else None."""
    from .tasks import list_files

    found = list_files(directory)
    if not found or any(keys for _, _, keys in found):
        return None
    return [path for path, _, _ in found]


class ParquetSource(Source):
    """Parquet files read a row group at a time, the next one decoding on a helper thread
    while the kernel aggregates the current one. Measured faster than the dataset scanner
    (benches/README.md) and memory stays at about two row groups. Hive partition values
    (directories like service=api/) become constant dictionary columns."""

    def __init__(self, path: str, service: str, part: FilePart | None = None):
        self.path = path
        self.service = service
        # Per file: (column names, rows per row group) when the Rust reader takes it.
        self.layouts: dict[str, tuple[list[str], list[int]] | None] = {}
        # A task of a distributed backfill: some row groups of one file, maybe remote.
        self.only = None if part is None else part.row_groups
        self.filesystem = None if part is None else part.filesystem
        self.files: list[tuple[str, dict[str, Any]]]
        try:
            if part is not None:
                self.files = [(part.path, dict(part.partition))]
                layout = self._layout(part.path, dict(part.partition))
                names = (
                    layout[0] if layout else list(self._parquet_file(part.path).schema_arrow.names)
                )
                names += [k for k, _ in part.partition if k not in names]
                super().__init__(names, part.rows, part.path)
                return
            if os.path.isfile(path):
                # One file: no dataset discovery (and no pyarrow.dataset import) needed.
                self.files = [(path, {})]
                layout = self._layout(path, {})
                names = layout[0] if layout else list(_pq().read_schema(path).names)
            elif plain := _plain_files(path):
                # No hive directories: the files as the plan lists them (pyarrow.dataset
                # would find the same ones, and import pandas doing it: 0.3 s).
                self.files = [(f, {}) for f in plain]
                layout = self._layout(plain[0], {})
                names = layout[0] if layout else list(_pq().read_schema(plain[0]).names)
            else:
                import pyarrow.dataset as ds

                dataset = ds.dataset(
                    path,
                    format="parquet",
                    partitioning=ds.HivePartitioning.discover(infer_dictionary=True),
                )
                self.files = [
                    (f.path, ds.get_partition_keys(f.partition_expression) or {})
                    for f in dataset.get_fragments()
                ]
                names = list(dataset.schema.names)
        except (pa.ArrowInvalid, OSError) as exc:
            raise _bad_file_in(path, exc) from None
        if not self.files:
            raise DataError(f"{path}: no data files (*.parquet, *.pq, *.csv) in this directory")
        total = 0
        for f, keys in self.files:
            try:
                layout = self._layout(f, keys)
                total += sum(layout[1]) if layout else _pq().ParquetFile(f).metadata.num_rows
            except (pa.ArrowInvalid, OSError) as exc:
                raise BadFileError(f"{f}: cannot read as Parquet: {exc}", f) from None
        super().__init__(names, total, path)

    def _layout(self, path: str, keys: dict[str, Any]) -> tuple[list[str], list[int]] | None:
        """Names and row-group sizes if the Rust reader takes this file (plain file, codecs
        it has), else None."""
        if keys or not RUST_PARQUET or self.filesystem is not None:
            return None
        if path not in self.layouts:
            self.layouts[path] = _core.parquet_layout(path)
        return self.layouts[path]

    def _read(self, pf: Any, group: int, columns: list[str], path: str) -> pa.Table:
        try:
            return pf.read_row_group(group, columns=columns, use_threads=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, KeyError) as exc:
            raise BadFileError(f"{path}, row group {group}: cannot read: {exc}", path) from None

    def batches(self, columns: list[str]) -> Iterator[tuple[pa.RecordBatch | RowGroups, Location]]:
        _missing(self.names, columns, self.path)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="nexus-sre-read") as pool:
            for path, keys in self.files:
                layout = self._layout(path, keys)
                if layout is None:
                    yield from self._file_batches(pool, path, keys, columns)
                    continue
                names, sizes = layout
                _missing_in_file(names, columns, path)
                yield from _row_group_calls(path, columns, sizes, self.only)

    def _file_batches(
        self, pool: ThreadPoolExecutor, path: str, keys: dict[str, Any], columns: list[str]
    ) -> Iterator[tuple[pa.RecordBatch, Location]]:
        try:
            # Keep service names dictionary-encoded: rows map through codes, not strings.
            as_dict = None if self.service in keys else [self.service]
            pf = self._parquet_file(path, read_dictionary=as_dict)
        except KeyError:
            raise DataError(f"column '{self.service}' is missing from {path}") from None
        except (pa.ArrowInvalid, OSError) as exc:
            raise BadFileError(f"{path}: cannot read as Parquet: {exc}", path) from None
        file_columns = [c for c in columns if c not in keys]
        _missing_in_file(list(pf.schema_arrow.names), file_columns, path)
        md = pf.metadata
        sizes = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
        wanted = list(range(len(sizes))) if self.only is None else list(self.only)
        pending: Future[pa.Table] | None = None
        if wanted:
            pending = pool.submit(self._read, pf, wanted[0], file_columns, path)
        for i, g in enumerate(wanted):
            assert pending is not None
            table = pending.result()
            first = sum(sizes[:g])
            # Decode the next row group while this one is aggregated.
            if i + 1 < len(wanted):
                pending = pool.submit(self._read, pf, wanted[i + 1], file_columns, path)
            for name in columns:
                if name in keys:
                    table = table.append_column(name, _constant(keys[name], table.num_rows))
            table = table.select(columns)
            for index, batch in enumerate(table.to_batches()):
                yield batch, Location(path, index, first, row_groups=sizes)
                first += batch.num_rows

    def _parquet_file(self, path: str, **options: Any) -> Any:
        if self.filesystem is None:
            return _pq().ParquetFile(path, **options)
        return _pq().ParquetFile(self.filesystem.open_input_file(path), **options)


def _bad_file_in(path: str, exc: Exception) -> BadFileError:
    """The error for a file or directory that pyarrow could not open, naming the file at
    fault when it is one file inside a directory."""
    if os.path.isdir(path):
        from .tasks import _row_group_sizes, list_files

        for f, _fs, _keys in list_files(path):
            try:
                _row_group_sizes(f, None)
            except BadFileError as named:
                return named
        for root, _dirs, files in os.walk(path):
            for name in sorted(files):
                f = os.path.join(root, name)
                if not name.startswith((".", "_")) and not name.endswith(DATA_FILES):
                    return BadFileError(f"{f}: not a Parquet file (in the dataset {path})", f)
    return BadFileError(f"{path}: cannot read as Parquet: {exc}", path)


DATA_FILES = (".parquet", ".pq")


def _pq() -> Any:
    """pyarrow.parquet, imported only when pyarrow reads (~9 MB of RSS otherwise saved)."""
    import pyarrow.parquet as pq

    return pq


def _missing_in_file(names: list[str], columns: list[str], path: str) -> None:
    for c in columns:
        if c not in names:
            raise DataError(
                f"column '{c}' is missing from {path}; it has columns {', '.join(names)}"
            )


def _row_group_calls(
    path: str, columns: list[str], sizes: list[int], only: tuple[int, ...] | None = None
) -> Iterator[tuple[RowGroups, Location]]:
    """Consecutive row groups (of `only`, else all) of about RUST_CALL_ROWS rows; rows in
    problems are file rows."""
    loc = Location(path, 0, 0, row_groups=sizes)
    wanted = list(range(len(sizes))) if only is None else list(only)
    groups: list[int] = []
    rows = 0
    for i, g in enumerate(wanted):
        groups.append(g)
        rows += sizes[g]
        if rows >= RUST_CALL_ROWS or i == len(wanted) - 1:
            yield RowGroups(path, columns, groups, rows), loc
            groups, rows = [], 0


def _constant(value: Any, n: int) -> pa.Array:
    """A partition value repeated n times, as a one-entry dictionary (no string copies)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([value]))


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


def open_source(data: Any, service_column: str) -> Source:
    from .tasks import FilePart

    if isinstance(data, FilePart):
        if _is_csv(data.path) and data.filesystem is None:
            return CsvSource(data.path)
        return ParquetSource(data.path, service_column, part=data)
    if isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataError(f"{path}: no such file or directory")
        if _is_csv(path):
            return CsvSource(path)
        return ParquetSource(path, service_column)
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
