"""Results do not depend on batch split, row order or partitioning, and equal the
independent numpy reference on random data."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_sre.backfill import Columns, backfill, backfill_partial, finish

from .conftest import make_rows, rows_table
from .helpers import assert_matches_reference, assert_same
from .reference import reference

COLS = Columns(success="success")


def _split(table: pa.Table, cuts: list[int]) -> pa.Table:
    """The same rows as batches cut at `cuts`."""
    edges = sorted({0, table.num_rows, *(c % (table.num_rows + 1) for c in cuts)})
    batches = [
        b for lo, hi in itertools.pairwise(edges) for b in table.slice(lo, hi - lo).to_batches()
    ]
    return pa.Table.from_batches(batches, schema=table.schema)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    parts=st.integers(1, 5),
    dictionary=st.booleans(),
)
def test_split_order_partition_invariant_and_equal_to_reference(
    small_config, seed, n, cuts, parts, dictionary
):
    rng = np.random.default_rng(seed)
    rows = make_rows(rng, n)
    table = rows_table(rows, dictionary=dictionary)
    whole = backfill(small_config, table, columns=COLS)

    ref = reference(small_config, rows["ts"], rows["service"].tolist(), rows["ok"], rows["latency"])
    assert_matches_reference(whole, ref)

    assert_same(whole, backfill(small_config, _split(table, cuts), columns=COLS))
    perm = rng.permutation(n)
    assert_same(whole, backfill(small_config, table.take(perm), columns=COLS))

    # Partition at random, build states independently, merge in a random order.
    owner = rng.integers(0, parts, n)
    states = [
        backfill_partial(small_config, table.filter(pa.array(owner == k)), columns=COLS)
        for k in range(parts)
    ]
    order = rng.permutation(parts)
    merged = functools.reduce(lambda a, b: a.merge(b), [states[i] for i in order])
    assert_same(whole, finish(merged, small_config))


def test_large_batches_use_threads_and_still_match(small_config):
    # Above the threading cutoff (16,384 rows a batch): both cores, same numbers.
    rng = np.random.default_rng(7)
    rows = make_rows(rng, 60_000, span_s=2 * 3600)
    table = rows_table(rows, dictionary=True)
    got = backfill(small_config, table, columns=COLS)
    one_batch = backfill(small_config, table.combine_chunks(), columns=COLS)
    assert_same(got, one_batch)
    ts, svc = rows["ts"], rows["service"]
    # The reference loops in Python: check it on a slice of time, bucket by bucket.
    for s in got.slos:
        name = "web" if s.slo_id == "web-avail" else "api"
        mask = svc == name
        counts = np.bincount((ts[mask] // 60) - s.first_bucket, minlength=len(s.total))
        np.testing.assert_array_equal(s.total, counts)
    assert got.rows_read == 60_000


def test_merge_is_commutative_and_associative(small_config):
    rng = np.random.default_rng(3)
    rows = make_rows(rng, 900)
    table = rows_table(rows)
    a, b, c = (
        backfill_partial(small_config, table.slice(i * 300, 300), columns=COLS) for i in range(3)
    )
    left = finish(a.merge(b).merge(c), small_config)
    right = finish(a.merge(b.merge(c)), small_config)
    swapped = finish(c.merge(a).merge(b), small_config)
    assert_same(left, right)
    assert_same(left, swapped)
    assert a.merge(b).rows_read == 600


def test_partial_state_pickles_and_rejects_mismatches(small_config):
    import pickle

    import pytest

    from nexus_sre.errors import InvalidInputError

    table = rows_table(make_rows(np.random.default_rng(5), 500))
    state = backfill_partial(small_config, table, columns=COLS)
    again = pickle.loads(pickle.dumps(state))
    assert_same(finish(state, small_config), finish(again, small_config))
    other = backfill_partial(small_config, table, columns=COLS, bucket_seconds=120)
    with pytest.raises(InvalidInputError, match="bucket widths"):
        state.merge(other)
    ranged = backfill_partial(small_config, table, columns=COLS, start=0, end=2_000_000_000)
    with pytest.raises(InvalidInputError, match="start/--end"):
        state.merge(ranged)


# Counts on both sides of every width the IPC form narrows to (u8, u16, u32, u64).
_EDGES = [0, 1, 255, 256, 65_535, 65_536, 2**32 - 1, 2**32, 2**61]


@st.composite
def _states(draw, slos: int = 2) -> list:
    from nexus_sre.backfill.state import PartialState

    keys = tuple(("svc", f"slo-{i}") for i in range(slos))
    out = []
    for _ in range(draw(st.integers(1, 5))):
        bases, good, total = [], [], []
        for _ in range(slos):
            n = draw(st.integers(0, 6))
            t = np.array(draw(st.lists(st.sampled_from(_EDGES), min_size=n, max_size=n)), np.uint64)
            bases.append(draw(st.integers(0, 10)))
            total.append(t)
            good.append(t // np.uint64(2))
        out.append(PartialState(60, keys, bases, good, total, rows_read=int(sum(map(len, total)))))
    return out


def _by_bucket(states: list, slo: int, which: str) -> dict[int, int]:
    """The reference: Python integers per absolute bucket, zero buckets left out."""
    sums: dict[int, int] = {}
    for s in states:
        for i, v in enumerate(getattr(s, which)[slo].tolist()):
            sums[s.bases[slo] + i] = sums.get(s.bases[slo] + i, 0) + v
    return {b: v for b, v in sums.items() if v}


@settings(max_examples=60, deadline=None)
@given(states=_states())
def test_merging_many_states_and_their_ipc_form_equal_python_sums(states):
    from nexus_sre.backfill.distributed import merge_states
    from nexus_sre.backfill.state import PartialState, merge_all

    merged = merge_all(states)
    shipped = PartialState.from_ipc(merge_states(*(s.to_ipc() for s in states)))
    pairwise = functools.reduce(lambda a, b: a.merge(b), states)
    for got in (merged, shipped, pairwise):
        assert got.rows_read == sum(s.rows_read for s in states)
        for slo in range(2):
            assert got.good[slo].dtype == got.total[slo].dtype == np.uint64
            for which in ("good", "total"):
                assert _by_bucket([got], slo, which) == _by_bucket(states, slo, which)
    # One state through IPC and back: the same arrays, widened to uint64.
    again = PartialState.from_ipc(states[0].to_ipc())
    for a, b in zip(again.total + again.good, states[0].total + states[0].good, strict=True):
        assert a.dtype == np.uint64
        np.testing.assert_array_equal(a, b)
