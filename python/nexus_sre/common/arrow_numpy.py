"""numpy <-> Arrow without pyarrow's `to_numpy` and `pa.array`, which import pandas (0.3 s)
on first use: the backfill and the evaluation would pay that on every run for conversions
that are views."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

_NUMPY = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint8(): np.uint8,
    pa.uint16(): np.uint16,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
}
_ARROW = {np.dtype(n): a for a, n in _NUMPY.items()}


def to_numpy(array: Any) -> np.ndarray:
    """A read-only view of a null-free integer or float Arrow array (a chunked array of one
    chunk too; more chunks are combined first); anything else through `to_numpy`."""
    if isinstance(array, pa.ChunkedArray):
        array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    elif not isinstance(array, pa.Array):
        array = pa.array(array)  # another Arrow producer
    dtype = _NUMPY.get(array.type)
    if dtype is None or array.null_count:
        return np.asarray(array.to_numpy(zero_copy_only=False))
    data = array.buffers()[1]
    if data is None:  # an empty array may have no data buffer
        return np.zeros(0, dtype)
    itemsize = np.dtype(dtype).itemsize
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * itemsize)


def from_numpy(values: np.ndarray) -> pa.Array:
    """A null-free Arrow array over a 1-d integer or float numpy array (no copy when it is
    contiguous)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(_ARROW[values.dtype], len(values), [None, pa.py_buffer(values)])


def strings(values: Sequence[str]) -> pa.Array:
    """A null-free Arrow string array."""
    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [None, pa.py_buffer(offsets), data])
