"""The mergeable state of a backfill: per-SLO good/total by bucket, plus row counts.

States of disjoint parts of the data merge by addition (associative and commutative), so any
split of a dataset — row groups, files, machines — gives the same answer. A state travels
between processes as Arrow IPC (`to_ipc`/`from_ipc`): O(SLOs x buckets), never the rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .. import _core
from ..common.arrow_numpy import from_numpy, strings, to_numpy
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
        return merge_all([self, other])

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
        # Counts in the smallest unsigned type that holds them (a task's are mostly under
        # 256): an eighth of the bytes to compress, send and read back. Read back as uint64.
        flat_good = _narrow(self.good)
        flat_total = _narrow(self.total)
        off = from_numpy(offsets)
        table = pa.table(
            {
                "service": strings([k[0] for k in self.slo_keys]),
                "slo_id": strings([k[1] for k in self.slo_keys]),
                "base": from_numpy(np.array(self.bases, np.int64)),
                "good": pa.LargeListArray.from_arrays(off, from_numpy(flat_good)),
                "total": pa.LargeListArray.from_arrays(off, from_numpy(flat_total)),
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
        """A state from `to_ipc` bytes (counts as uint64)."""
        state = cls._read_ipc(data)
        state.good = [g.astype(np.uint64, copy=False) for g in state.good]
        state.total = [t.astype(np.uint64, copy=False) for t in state.total]
        return state

    @classmethod
    def _read_ipc(cls, data: bytes) -> PartialState:
        """`from_ipc` with the counts left in the type they were sent in (for `merge_all`,
        which adds them into uint64 itself)."""
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
            values = to_numpy(column.values)
            if values.dtype.kind != "u":
                raise InvalidInputError(f"not a nexus-sre partial state: {name} is {values.dtype}")
            offsets = to_numpy(column.offsets)
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


def merge_all(states: Sequence[PartialState]) -> PartialState:
    """The state of all the parts together (no input is changed): each SLO's counts are
    added into one uint64 array over the union of the parts' buckets, allocated once."""
    first = states[0]
    for other in states[1:]:
        if (first.bucket_seconds, first.slo_keys) != (other.bucket_seconds, other.slo_keys):
            raise InvalidInputError(
                "merge: states come from different configs or bucket widths "
                f"({first.bucket_seconds} s vs {other.bucket_seconds} s)"
            )
        if (first.start, first.end) != (other.start, other.end):
            raise InvalidInputError("merge: states were built over different --start/--end")
    bases, good, total = [], [], []
    for i in range(len(first.slo_keys)):
        parts = [(s.bases[i], s.good[i], s.total[i]) for s in states if len(s.total[i])]
        b, g, t = _add(parts)
        bases.append(b)
        good.append(g)
        total.append(t)
    return PartialState(
        first.bucket_seconds,
        first.slo_keys,
        bases,
        good,
        total,
        sum(s.rows_read for s in states),
        sum(s.rows_outside for s in states),
        {r: sum(s.skipped.get(r, 0) for s in states) for r in reasons()},
        first.start,
        first.end,
        {path: why for s in states for path, why in s.bad_files.items()},
    )


def _add(parts: list[SparseCounts]) -> SparseCounts:
    if not parts:
        return 0, np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    if len(parts) == 1:
        base, g, t = parts[0]
        return base, g.astype(np.uint64, copy=False), t.astype(np.uint64, copy=False)
    lo = min(base for base, _, _ in parts)
    hi = max(base + len(t) for base, _, t in parts)
    good = np.zeros(hi - lo, dtype=np.uint64)
    total = np.zeros(hi - lo, dtype=np.uint64)
    for base, g, t in parts:
        np.add(good[base - lo : base - lo + len(g)], g, out=good[base - lo : base - lo + len(g)])
        np.add(total[base - lo : base - lo + len(t)], t, out=total[base - lo : base - lo + len(t)])
    return lo, good, total


def _narrow(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The arrays end to end, in the smallest unsigned type that holds their largest value."""
    if not arrays:
        return np.zeros(0, np.uint8)
    peak = max((int(a.max()) for a in arrays if len(a)), default=0)
    kind = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if peak <= np.iinfo(t).max)
    return np.concatenate(arrays, dtype=kind, casting="unsafe")  # every value fits: checked
