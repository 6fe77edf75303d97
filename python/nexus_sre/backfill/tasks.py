"""A dataset cut into tasks for a distributed backfill: files, and row groups of big files.

`data` is a path (file or directory, hive partitions included), a glob, a list of them, or a
filesystem URL (`file://`, `s3://`, `gs://`: any pyarrow filesystem). Planning reads only
Parquet footers; a file whose footer cannot be read fails the plan with its name, or is
listed and left out with `on_bad_file="skip"`.
"""

from __future__ import annotations

import fnmatch
import glob
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import BadFileError, DataError, InvalidInputError

# Rows per task: big enough that a task's overhead (a process hop, a state of a few MB)
# is small next to its work; small enough that both workers get several tasks.
TASK_ROWS = 4_000_000
DATA_SUFFIXES = (".parquet", ".pq", ".csv", ".csv.gz")
BAD_FILE_POLICIES = ("raise", "skip")


@dataclass(frozen=True)
class FilePart:
    """Row groups of one file (None: all of it): the unit a worker aggregates."""

    path: str
    row_groups: tuple[int, ...] | None
    rows: int
    partition: tuple[tuple[str, str], ...] = ()  # hive keys from the directory names
    filesystem: Any = None  # a pyarrow FileSystem for non-local paths; None: local

    def describe(self) -> str:
        if self.row_groups is None:
            return self.path
        groups = self.row_groups
        span = f"{groups[0]}" if len(groups) == 1 else f"{groups[0]}-{groups[-1]}"
        return f"{self.path}, row groups {span}"


@dataclass
class Plan:
    parts: list[FilePart]
    bad_files: dict[str, str]  # path -> why, with on_bad_file="skip"

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.parts)


def plan(data: Any, *, on_bad_file: str = "raise", task_rows: int = TASK_ROWS) -> Plan:
    if on_bad_file not in BAD_FILE_POLICIES:
        raise InvalidInputError(
            f"on_bad_file: must be one of {', '.join(BAD_FILE_POLICIES)}, got {on_bad_file!r}"
        )
    files = list_files(data)
    if not files:
        raise DataError(f"{_label(data)}: no data files (*.parquet, *.pq, *.csv) found")
    parts: list[FilePart] = []
    bad: dict[str, str] = {}
    for path, fs, keys in files:
        if not path.endswith(DATA_SUFFIXES):
            # A stray file in a dataset is a mistake to name, not to read past silently.
            why = f"{path}: not a data file (*.parquet, *.pq, *.csv)"
            if on_bad_file == "raise":
                raise BadFileError(why, path)
            bad[path] = why
            continue
        if path.endswith((".csv", ".csv.gz")):
            if fs is not None:
                raise InvalidInputError(f"{path}: CSV is read from local paths only")
            parts.append(FilePart(path, None, 0, keys))
            continue
        try:
            sizes = _row_group_sizes(path, fs)
        except BadFileError as exc:
            if on_bad_file == "raise":
                raise
            bad[path] = str(exc)
            continue
        parts.extend(_split(path, sizes, keys, fs, task_rows))
    return Plan(parts, bad)


def list_files(data: Any) -> list[tuple[str, Any, tuple[tuple[str, str], ...]]]:
    """(path, filesystem or None, hive keys) of every data file, sorted by path."""
    items: Iterable[Any] = data if isinstance(data, list | tuple) else [data]
    out = []
    for item in items:
        if not isinstance(item, str | os.PathLike):
            raise InvalidInputError(
                "data: a distributed backfill takes paths, globs or URLs (a list of them), "
                f"got {type(item).__name__}"
            )
        out.extend(_expand(os.fspath(item)))
    return sorted(set(out), key=lambda f: f[0])


def _expand(spec: str) -> list[tuple[str, Any, tuple[tuple[str, str], ...]]]:
    fs = None
    root = spec
    if "://" in spec:
        from pyarrow import fs as pafs

        try:
            fs, root = pafs.FileSystem.from_uri(spec if not _has_glob(spec) else _glob_base(spec))
        except Exception as exc:  # pyarrow raises several kinds for a bad URI
            raise DataError(f"{spec}: cannot open this filesystem URL: {exc}") from None
        if isinstance(fs, pafs.LocalFileSystem):
            fs = None  # local files go to the Rust reader
        if _has_glob(spec):
            pattern = root.rstrip("/") + "/" + spec.rsplit("/", 1)[1]
            root = root.rstrip("/")
            return [f for f in _walk(root, fs) if fnmatch.fnmatch(f[0], pattern)]
        return _walk(root, fs)
    if _has_glob(spec):
        matches = sorted(glob.glob(spec, recursive=True))
        if not matches:
            raise DataError(f"{spec}: the pattern matches no files")
        return [f for m in matches for f in _walk(m, None)]
    if not os.path.exists(spec):
        raise DataError(f"{spec}: no such file or directory")
    return _walk(spec, None)


def _walk(root: str, fs: Any) -> list[tuple[str, Any, tuple[tuple[str, str], ...]]]:
    if fs is None:
        if os.path.isfile(root):
            return [(root, None, ())]
        found = []
        for here, dirs, files in os.walk(root):
            dirs.sort()
            keys = _hive_keys(os.path.relpath(here, root))
            found += [(os.path.join(here, f), None, keys) for f in sorted(files) if _listed(f)]
        return found
    from pyarrow import fs as pafs

    info = fs.get_file_info(root)
    if info.type == pafs.FileType.File:
        return [(root, fs, ())]
    if info.type == pafs.FileType.NotFound:
        raise DataError(f"{root}: no such file or directory")
    out = []
    for entry in fs.get_file_info(pafs.FileSelector(root, recursive=True)):
        if entry.type == pafs.FileType.File and _listed(os.path.basename(entry.path)):
            rel = os.path.relpath(os.path.dirname(entry.path), root)
            out.append((entry.path, fs, _hive_keys(rel)))
    return out


def _listed(name: str) -> bool:
    """Files a dataset holds: not hidden, not the `_SUCCESS`/`_metadata` markers of Spark."""
    return not name.startswith((".", "_"))


def _hive_keys(relative_dir: str) -> tuple[tuple[str, str], ...]:
    parts = [] if relative_dir in (".", "") else relative_dir.split(os.sep)
    return tuple(tuple(p.split("=", 1)) for p in parts if "=" in p)  # type: ignore[misc]


def _row_group_sizes(path: str, fs: Any) -> list[int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        source = path if fs is None else fs.open_input_file(path)
        md = pq.read_metadata(source)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BadFileError(f"{path}: cannot read as Parquet: {exc}", path) from None
    return [md.row_group(i).num_rows for i in range(md.num_row_groups)]


def _split(
    path: str, sizes: Sequence[int], keys: tuple[tuple[str, str], ...], fs: Any, task_rows: int
) -> list[FilePart]:
    """Consecutive row groups in parts of about `task_rows` rows, as even as the groups
    allow (a 5M-row file is one part, not 4M + 1M: every part costs a state to send and
    merge, and a small last part leaves a worker idle at the end)."""
    total = sum(sizes)
    count = min(len(sizes), max(1, round(total / task_rows)))
    ends = list(itertools.accumulate(sizes))  # rows up to the end of each group
    cuts: list[int] = []  # each part ends after the group whose end is nearest its even share
    for k in range(1, count):
        share = total * k / count
        after = cuts[-1] + 1 if cuts else 0
        best = min(range(after, len(sizes) - (count - k)), key=lambda g: abs(ends[g] - share))
        cuts.append(best)
    parts, first = [], 0
    for last in [*cuts, len(sizes) - 1]:
        groups = tuple(range(first, last + 1))
        parts.append(FilePart(path, groups, sum(sizes[g] for g in groups), keys, fs))
        first = last + 1
    return parts


def _has_glob(spec: str) -> bool:
    return any(c in spec for c in "*?[")


def _glob_base(spec: str) -> str:
    return spec.rsplit("/", 1)[0]


def _label(data: Any) -> str:
    return ", ".join(map(str, data)) if isinstance(data, list | tuple) else str(data)
