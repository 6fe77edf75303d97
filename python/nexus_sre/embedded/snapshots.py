"""Snapshots of the embedded store on local disk, as Arrow IPC segments.

A segment is one complete snapshot of every counter: columns `service`, `slo`,
`bucket_start`, `good`, `total`, with the cumulative totals (and the browser error digest)
in the schema metadata. What goes in is `persistence.py`'s consistent cut. It is
written to a temporary name, fsynced, then renamed to
`segment-<unix ns>-<pid>-<crc32>.arrow`, so a reader sees whole segments or none; the
CRC-32 of the file's bytes in its name catches damage the IPC reader would not (a flipped
bit in a count). Restoring reads the newest segment that checks out and skips the others
with a warning: a corrupt or partial segment never stops a service from starting.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError

log = logging.getLogger("nexus_sre.embedded")

SEGMENT_RE = re.compile(r"^segment-(\d{20})-(\d+)-([0-9a-f]{8})\.arrow$")

SCHEMA = pa.schema(
    [
        pa.field("service", pa.string(), nullable=False),
        pa.field("slo", pa.string(), nullable=False),
        pa.field("bucket_start", pa.timestamp("s", tz="UTC"), nullable=False),
        pa.field("good", pa.uint64(), nullable=False),
        pa.field("total", pa.uint64(), nullable=False),
    ]
)


@dataclass(frozen=True)
class Segment:
    """A snapshot read back: its rows, the cumulative totals and bucket widths per counter."""

    path: Path
    table: pa.Table
    cumulative: dict[tuple[str, str], tuple[int, int]]
    bucket_seconds: dict[tuple[str, str], int]
    written_ns: int
    browser_errors: dict[str, Any] | None = None  # the store's browser error digest


def _key(service: str, slo: str) -> str:
    return json.dumps([service, slo])


CounterKey = tuple[str, str]  # (service, slo id)


def encode_segment(
    table: pa.Table,
    cumulative: dict[tuple[str, str], tuple[int, int]],
    bucket_seconds: dict[tuple[str, str], int],
    *,
    browser_errors: dict[str, Any] | None = None,
) -> bytes:
    """The IPC file bytes of a snapshot (pure: no I/O)."""
    meta = {
        b"nexus_sre.format": b"1",
        b"nexus_sre.cumulative": json.dumps(
            {_key(*k): list(v) for k, v in cumulative.items()}
        ).encode(),
        b"nexus_sre.bucket_seconds": json.dumps(
            {_key(*k): v for k, v in bucket_seconds.items()}
        ).encode(),
    }
    if browser_errors:
        meta[b"nexus_sre.browser_errors"] = json.dumps(browser_errors).encode()
    table = table.cast(SCHEMA).replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_segment(data: bytes, path: Path, written_ns: int) -> Segment:
    """Parse segment bytes; `DataError` when they are not a valid segment."""
    try:
        table = pa.ipc.open_file(pa.py_buffer(data)).read_all()
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as e:
        raise DataError(f"{path}: not a readable Arrow IPC file: {e}") from e
    if not table.schema.remove_metadata().equals(SCHEMA):
        raise DataError(f"{path}: unexpected columns {table.schema.names}")
    meta = table.schema.metadata or {}
    try:
        cumulative = {
            tuple(json.loads(k)): (int(v[0]), int(v[1]))
            for k, v in json.loads(meta[b"nexus_sre.cumulative"]).items()
        }
        widths = {
            tuple(json.loads(k)): int(v)
            for k, v in json.loads(meta[b"nexus_sre.bucket_seconds"]).items()
        }
        digest = meta.get(b"nexus_sre.browser_errors")
        browser_errors = json.loads(digest) if digest is not None else None
    except (KeyError, ValueError, TypeError, IndexError) as e:
        raise DataError(f"{path}: missing or malformed metadata: {e}") from e
    return Segment(path, table, cumulative, widths, written_ns, browser_errors)


def write_segment(directory: Path, data: bytes, *, keep: int = 3) -> Path:
    """Write segment bytes atomically (temp name, fsync, rename, fsync the directory),
    then delete all but the newest `keep` segments."""
    directory.mkdir(parents=True, exist_ok=True)
    now_ns = time.time_ns()
    crc = zlib.crc32(data)
    final = directory / f"segment-{now_ns:020d}-{os.getpid()}-{crc:08x}.arrow"
    tmp = directory / f".tmp-{final.name}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    _fsync_dir(directory)
    prune(directory, keep=keep)
    return final


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def list_segments(directory: Path) -> list[tuple[int, Path, int]]:
    """(written ns, path, crc) of every segment, newest first."""
    if not directory.is_dir():
        return []
    found = []
    for p in directory.iterdir():
        m = SEGMENT_RE.match(p.name)
        if m:
            found.append((int(m.group(1)), p, int(m.group(3), 16)))
    found.sort(key=lambda t: (t[0], t[1].name), reverse=True)
    return found


def prune(directory: Path, *, keep: int) -> None:
    for _, path, _ in list_segments(directory)[max(keep, 1) :]:
        path.unlink(missing_ok=True)
    for p in directory.glob(".tmp-segment-*"):
        # A temp file older than a minute belongs to a writer that died mid-write.
        try:
            if time.time_ns() - p.stat().st_mtime_ns > 60 * 10**9:
                p.unlink(missing_ok=True)
        except OSError:
            pass


def read_segment(path: Path, written_ns: int = 0, crc: int | None = None) -> Segment:
    """Read and check one segment; `DataError` if damaged."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"{path}: cannot read: {e}") from e
    if crc is not None and zlib.crc32(data) != crc:
        raise DataError(f"{path}: checksum mismatch (damaged or partial segment)")
    return decode_segment(data, path, written_ns)


def latest_segment(directory: str | os.PathLike[str]) -> Segment | None:
    """The newest segment that checks out; damaged ones are skipped with a warning."""
    for written_ns, path, crc in list_segments(Path(directory)):
        try:
            return read_segment(path, written_ns, crc)
        except DataError as e:
            log.warning("nexus-sre: skipping segment: %s", e)
    return None


def load_store(directory: str | os.PathLike[str]) -> dict[tuple[str, str], pa.Table]:
    """The persisted windows of an embedded store, per (service, slo id): tables of
    `bucket_start`, `good`, `total` (the shape `WindowedCounter.load_arrow` takes), from the
    newest valid segment in `directory`. Empty when there is none."""
    seg = latest_segment(directory)
    if seg is None:
        return {}
    return split_segment(seg)


def split_segment(seg: Segment) -> dict[tuple[str, str], pa.Table]:
    out: dict[tuple[str, str], pa.Table] = {}
    t = seg.table
    keys = set(seg.cumulative) | set(
        zip(t.column("service").to_pylist(), t.column("slo").to_pylist(), strict=True)
    )
    for service, slo in sorted(keys):
        mask = pc.and_(pc.equal(t["service"], service), pc.equal(t["slo"], slo))
        rows = t.filter(mask).select(["bucket_start", "good", "total"])
        width = seg.bucket_seconds.get((service, slo))
        if width is not None:
            rows = rows.replace_schema_metadata({"nexus_sre.bucket_seconds": str(width)})
        out[(service, slo)] = rows
    return out
