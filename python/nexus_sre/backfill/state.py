"""The mergeable state of a backfill: per-SLO good/total by bucket, plus row counts.

States of disjoint parts of the data merge by addition (associative and commutative), so any
split of a dataset — row groups, files, machines — gives the same answer. A state travels
between processes as Arrow IPC (`to_ipc`/`from_ipc`): O(SLOs x buckets), never the rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .. import _core
from ..errors import InvalidInputError

SparseCounts = tuple[int, np.ndarray, np.ndarray]  # (first bucket index, good, total)
_META = b"nexus_sre.partial_state"


def reasons() -> tuple[str, ...]:
    """Why a row can be skipped, in the kernel's order (defined once, in the Rust core)."""
    return tuple(_core.BACKFILL_REASONS)


@dataclass
class PartialState:
    """Per-SLO good/total by bucket index (epoch seconds // bucket_seconds) plus row counts.

    Plain data (numpy arrays): it pickles, and `to_ipc` gives a compact Arrow form.
    """

    bucket_seconds: int
    slo_keys: tuple[tuple[str, str], ...]  # (service, slo id) per SLO, in config order
    bases: list[int]
    good: list[np.ndarray]
    total: list[np.ndarray]
    rows_read: int = 0
    rows_outside: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    start: int | None = None
    end: int | None = None
    # Files left out with on_bad_file="skip": path -> why.
    bad_files: dict[str, str] = field(default_factory=dict)

    def merge(self, other: PartialState) -> PartialState:
        """The state of both parts together (neither input is changed)."""
        if (self.bucket_seconds, self.slo_keys) != (other.bucket_seconds, other.slo_keys):
            raise InvalidInputError(
                "merge: states come from different configs or bucket widths "
                f"({self.bucket_seconds} s vs {other.bucket_seconds} s)"
            )
        if (self.start, self.end) != (other.start, other.end):
            raise InvalidInputError("merge: states were built over different --start/--end")
        bases, good, total = [], [], []
        for i in range(len(self.slo_keys)):
            b, g, t = _add(
                (self.bases[i], self.good[i], self.total[i]),
                (other.bases[i], other.good[i], other.total[i]),
            )
            bases.append(b)
            good.append(g)
            total.append(t)
        skipped = {r: self.skipped.get(r, 0) + other.skipped.get(r, 0) for r in reasons()}
        return PartialState(
            self.bucket_seconds,
            self.slo_keys,
            bases,
            good,
            total,
            self.rows_read + other.rows_read,
            self.rows_outside + other.rows_outside,
            skipped,
            self.start,
            self.end,
            {**self.bad_files, **other.bad_files},
        )

    @classmethod
    def empty(
        cls,
        bucket_seconds: int,
        slo_keys: tuple[tuple[str, str], ...],
        start: int | None = None,
        end: int | None = None,
    ) -> PartialState:
        """No rows: the identity of `merge`."""
        none = np.zeros(0, np.uint64)
        n = len(slo_keys)
        return cls(bucket_seconds, slo_keys, [0] * n, [none] * n, [none] * n, start=start, end=end)

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    def dense(self, slo: int, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Good and total of SLO number `slo` over bucket indices [first, last]."""
        from .counts import SloCounts

        return SloCounts(self.bases[slo], self.good[slo], self.total[slo]).dense(first, last)

    # -- Arrow IPC ---------------------------------------------------------------------

    def to_ipc(self) -> bytes:
        """One row per SLO (service, slo_id, base, good, total as lists); the row counts
        and settings in the schema metadata. Arrow IPC stream bytes, zstd-compressed."""
        offsets = np.zeros(len(self.good) + 1, np.int64)
        np.cumsum([len(g) for g in self.good], out=offsets[1:])
        flat_good = np.concatenate(self.good) if self.good else np.zeros(0, np.uint64)
        flat_total = np.concatenate(self.total) if self.total else np.zeros(0, np.uint64)
        off = pa.array(offsets, pa.int64())
        table = pa.table(
            {
                "service": pa.array([k[0] for k in self.slo_keys], pa.string()),
                "slo_id": pa.array([k[1] for k in self.slo_keys], pa.string()),
                "base": pa.array(self.bases, pa.int64()),
                "good": pa.LargeListArray.from_arrays(off, pa.array(flat_good, pa.uint64())),
                "total": pa.LargeListArray.from_arrays(off, pa.array(flat_total, pa.uint64())),
            }
        )
        meta = {
            "bucket_seconds": self.bucket_seconds,
            "rows_read": self.rows_read,
            "rows_outside": self.rows_outside,
            "skipped": self.skipped,
            "start": self.start,
            "end": self.end,
            "bad_files": self.bad_files,
        }
        table = table.replace_schema_metadata({_META: json.dumps(meta).encode()})
        sink = pa.BufferOutputStream()
        # Counts over a long range are mostly zeros and small numbers: zstd makes the state
        # several times smaller for about a millisecond per MB.
        options = pa.ipc.IpcWriteOptions(compression="zstd")
        with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
            writer.write_table(table)
        return bytes(sink.getvalue())

    @classmethod
    def from_ipc(cls, data: bytes) -> PartialState:
        try:
            table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
            meta = json.loads((table.schema.metadata or {})[_META])
        except (pa.ArrowInvalid, KeyError, ValueError) as exc:
            raise InvalidInputError(f"not a nexus-sre partial state: {exc}") from None
        keys = tuple(zip(table["service"].to_pylist(), table["slo_id"].to_pylist(), strict=True))
        good: list[np.ndarray] = []
        total: list[np.ndarray] = []
        for name, out in (("good", good), ("total", total)):
            column = table[name].combine_chunks()
            values = column.values.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
            offsets = column.offsets.to_numpy()
            out.extend(values[offsets[i] : offsets[i + 1]] for i in range(len(keys)))
        return cls(
            bucket_seconds=int(meta["bucket_seconds"]),
            slo_keys=keys,
            bases=[int(b) for b in table["base"].to_pylist()],
            good=good,
            total=total,
            rows_read=int(meta["rows_read"]),
            rows_outside=int(meta["rows_outside"]),
            skipped={str(k): int(v) for k, v in meta["skipped"].items()},
            start=meta["start"],
            end=meta["end"],
            bad_files=dict(meta.get("bad_files") or {}),
        )


def _add(a: SparseCounts, b: SparseCounts) -> SparseCounts:
    if len(a[2]) == 0:
        return b
    if len(b[2]) == 0:
        return a
    lo = min(a[0], b[0])
    hi = max(a[0] + len(a[2]), b[0] + len(b[2]))
    good = np.zeros(hi - lo, dtype=np.uint64)
    total = np.zeros(hi - lo, dtype=np.uint64)
    for base, g, t in (a, b):
        good[base - lo : base - lo + len(g)] += g
        total[base - lo : base - lo + len(t)] += t
    return lo, good, total
