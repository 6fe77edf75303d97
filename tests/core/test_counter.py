"""WindowedCounter against the naive reference (tests/core/reference.py), by property."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexus_sre._core import WindowedCounter
from nexus_sre.errors import WindowError

from .reference import RefCounter

T0 = 1_700_000_000.0
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Spec:
    bucket_seconds: int
    horizon_seconds: int
    future_skew_seconds: int

    @property
    def horizon_buckets(self) -> int:
        return self.horizon_seconds // self.bucket_seconds


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    width = draw(st.sampled_from([1, 5, 10, 60]))
    n = draw(st.integers(1, 40))
    skew = draw(st.integers(0, n * width))
    return Spec(width, n * width, skew)


def make(spec: Spec, clock: str = "manual", now: float = T0) -> WindowedCounter:
    return WindowedCounter(
        spec.bucket_seconds,
        spec.horizon_seconds,
        spec.future_skew_seconds,
        clock=clock,
        now=now if clock == "manual" else None,
    )


def make_ref(spec: Spec, clock: str = "manual", now: float = T0) -> RefCounter:
    return RefCounter(
        spec.bucket_seconds, spec.horizon_seconds, spec.future_skew_seconds, clock, now
    )


def offsets(spec: Spec, future: bool = True) -> st.SearchStrategy[float]:
    """Times around now: some too old, some too far ahead (unless not `future`), most inside."""
    lo = -1.5 * spec.horizon_seconds - spec.bucket_seconds
    hi = 1.5 * spec.future_skew_seconds + 2 * spec.bucket_seconds if future else 0.0
    whole = st.integers(math.floor(lo), math.ceil(hi)).map(float)
    return st.one_of(whole, st.floats(lo, hi, allow_nan=False).map(lambda x: round(x, 3)))


# One operation: ("add", good, total, offset|None) or ("advance", seconds).
@st.composite
def ops(draw: st.DrawFn, spec: Spec, advance: bool = True, future: bool = True) -> list[tuple]:
    out: list[tuple] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["add", "record", "advance"] if advance else ["add", "record"]))
        if kind == "advance":
            out.append(("advance", draw(st.floats(0, spec.horizon_seconds / 2).map(round))))
            continue
        off = draw(st.one_of(st.none(), offsets(spec, future)))
        if kind == "record":
            out.append(("add", int(draw(st.booleans())), 1, off))
        else:
            total = draw(st.integers(0, 1000))
            out.append(("add", draw(st.integers(0, total)), total, off))
    return out


def apply(counter: WindowedCounter, ref: RefCounter, program: list[tuple]) -> None:
    for op in program:
        if op[0] == "advance":
            ref.set_time(ref.now + op[1])
            counter.set_time(ref.now)
            continue
        _, good, total, off = op
        ts = None if off is None else ref.now + off
        expected = ref.add(good, total, ts)
        if total == 1 and ts is not None:
            got = counter.record(bool(good), ts)
        else:
            got = counter.add(good, total, ts)
        # A timestamp-less event is "now" and is never refused.
        assert got == expected, (op, ref.now)


def valid_windows(spec: Spec) -> list[int]:
    return [k * spec.bucket_seconds for k in range(1, spec.horizon_buckets + 1)]


def safe_ends(spec: Spec, ref: RefCounter, seconds: int) -> list[float | None]:
    """Window ends (None: now) at and around the edges of what the counter keeps."""
    oldest = ref.oldest_kept()
    assert oldest is not None
    w = spec.bucket_seconds
    first_end = (oldest * w) + seconds  # the earliest end whose window starts at `oldest`
    latest = ref.now + spec.future_skew_seconds + 2 * w
    candidates = [None, first_end, first_end + 0.5, ref.now, ref.now - 0.25 * w, latest]
    return candidates


def rows_of(table: pa.Table) -> list[tuple[int, int, int]]:
    starts = table.column("bucket_start").cast(pa.int64()).to_pylist()
    good, total = table.column("good").to_pylist(), table.column("total").to_pylist()
    return list(zip(starts, good, total, strict=True))


def ref_rows(spec: Spec, ref: RefCounter) -> list[tuple[int, int, int]]:
    return [(b * spec.bucket_seconds, g, t) for b, (g, t) in ref.kept().items()]


@SETTINGS
@given(data=st.data())
def test_any_stream_matches_reference(data: st.DataObject) -> None:
    spec = data.draw(specs())
    counter, ref = make(spec), make_ref(spec)
    apply(counter, ref, data.draw(ops(spec)))
    assert counter.dropped == ref.dropped
    assert counter.now() == ref.now_seconds()
    assert rows_of(counter.to_arrow()) == ref_rows(spec, ref)
    for seconds in valid_windows(spec):
        for end in safe_ends(spec, ref, seconds):
            got = counter.window(seconds, end=end)
            assert (got.good, got.total) == ref.window(seconds, end), (seconds, end)


@SETTINGS
@given(data=st.data())
def test_batches_equal_single_records(data: st.DataObject) -> None:
    """Recording events one by one equals adding them in per-bucket batches, any split."""
    spec = data.draw(specs())
    events = data.draw(st.lists(st.tuples(st.booleans(), offsets(spec, future=False)), max_size=60))
    one_by_one, batched = make(spec), make(spec)
    for good, off in events:
        one_by_one.record(good, T0 + off)
    # Split the stream into arbitrary consecutive chunks, then batch each chunk per bucket.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(events)), max_size=6)))
    chunks = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    for chunk in chunks:
        per_bucket: dict[int, list[int]] = {}
        for good, off in chunk:
            b = math.floor((T0 + off) / spec.bucket_seconds)
            cell = per_bucket.setdefault(b, [0, 0])
            cell[0] += good
            cell[1] += 1
        for b, (g, t) in per_bucket.items():
            batched.add(g, t, float(b * spec.bucket_seconds))
    assert batched.dropped == one_by_one.dropped
    assert rows_of(batched.to_arrow()) == rows_of(one_by_one.to_arrow())
    ws = valid_windows(spec)
    assert batched.windows(ws) == one_by_one.windows(ws)


@SETTINGS
@given(data=st.data())
def test_windows_equals_separate_window_calls(data: st.DataObject) -> None:
    spec = data.draw(specs())
    counter, ref = make(spec), make_ref(spec)
    apply(counter, ref, data.draw(ops(spec)))
    seconds = data.draw(st.lists(st.sampled_from(valid_windows(spec)), min_size=1, max_size=8))
    end = data.draw(st.sampled_from(safe_ends(spec, ref, max(seconds))))
    many = counter.windows(seconds, end=end)
    assert len(many) == len(seconds)
    for s, got in zip(seconds, many, strict=True):
        one = counter.window(s, end=end)
        assert (got.good, got.total, got.error_ratio, got.has_data) == (
            one.good,
            one.total,
            one.error_ratio,
            one.has_data,
        )


@SETTINGS
@given(data=st.data())
def test_merge_of_split_streams_equals_union(data: st.DataObject) -> None:
    spec = data.draw(specs())
    program = data.draw(ops(spec, advance=False, future=False))
    sides = data.draw(st.lists(st.booleans(), min_size=len(program), max_size=len(program)))
    union, a, b = make(spec), make(spec), make(spec)
    ref = make_ref(spec)
    apply(union, ref, program)
    for side, op in zip(sides, program, strict=True):
        _, good, total, off = op
        (a if side else b).add(good, total, None if off is None else T0 + off)
    a.merge(b)
    assert a.dropped == union.dropped == ref.dropped
    assert rows_of(a.to_arrow()) == rows_of(union.to_arrow())
    ws = valid_windows(spec)
    assert a.windows(ws) == union.windows(ws)


@SETTINGS
@given(data=st.data())
def test_event_time_clock(data: st.DataObject) -> None:
    """Now is the newest event; older than the horizon behind it is dropped, never too new."""
    spec = data.draw(specs())
    counter, ref = make(spec, clock="event"), make_ref(spec, clock="event")
    assert counter.clock == "event"
    stream = data.draw(
        st.lists(
            st.tuples(st.booleans(), st.floats(0, 5 * spec.horizon_seconds).map(round)),
            min_size=1,
            max_size=80,
        )
    )
    for good, off in stream:
        assert counter.record(good, T0 + off) == ref.record(good, T0 + off)
    assert counter.dropped == ref.dropped
    assert counter.now() == ref.now_seconds()
    assert rows_of(counter.to_arrow()) == ref_rows(spec, ref)
    for seconds in valid_windows(spec):
        got = counter.window(seconds)
        assert (got.good, got.total) == ref.window(seconds)


def test_event_time_hand_worked() -> None:
    c = WindowedCounter(60, 600, 0, clock="event")
    assert c.record(True, 10_000.0)  # bucket 166, now = 167 * 60 = 10020
    assert c.now() == 10_020.0
    assert c.record(False, 100_000.0)  # far ahead: accepted, now jumps
    assert c.now() == 100_020.0
    assert not c.record(True, 10_000.0)  # now older than the horizon
    assert c.dropped == 1
    assert c.record(True, 100_000.0 - 540.0)  # the oldest bucket still inside 600 s
    assert not c.record(True, 100_000.0 - 600.0)
    w = c.window(600)
    assert (w.good, w.total, w.bad) == (1, 2, 1)


def test_manual_clock_drops_old_and_skewed() -> None:
    c = WindowedCounter(60, 3600, 120, clock="manual", now=10_000.0)
    assert c.clock == "manual"
    assert not c.record(True, 10_000.0 - 3600.0 - 60.0)  # older than the horizon
    assert not c.add(3, 4, 10_000.0 + 180.0)  # past the 120 s skew: bucket 10_140 // 60
    assert c.add(2, 2, 10_000.0 + 100.0)  # inside the skew
    assert c.record(False, 10_000.0 - 3540.0)  # the oldest bucket kept
    assert c.dropped == 5
    assert c.window(3600) == c.window(3600, end=10_000.0)
    # The window ending now, [6400, 10 000) in whole buckets [6420, 10 020), excludes the
    # future bucket [10 080, 10 140); one ending at 10 200 covers [6600, 10 200): the future
    # bucket, but no longer the old one.
    assert (c.window(3600).good, c.window(3600).total) == (0, 1)
    later = c.window(3600, end=10_200.0)
    assert (later.good, later.total) == (2, 2)
    with pytest.raises(WindowError, match="3660 s is longer than the counter's horizon"):
        c.window(3660, end=10_200.0)
    # Time moves on: the old bucket leaves the horizon, the future one is now the past.
    c.set_time(10_000.0 + 300.0)
    w = c.window(3600)
    assert (w.good, w.total) == (2, 2)


def test_zero_traffic_gives_no_nan() -> None:
    c = WindowedCounter(60, 3600, clock="manual", now=T0)
    for w in c.windows([60, 600, 3600]):
        assert (w.good, w.total, w.bad, w.error_ratio, w.has_data) == (0, 0, 0, 0.0, False)
    assert c.burn_rate(3600, 99.9) == 0.0
    assert c.to_arrow().num_rows == 0
    c.add(0, 0, T0)
    assert c.window(3600, end=T0 + 60).error_ratio == 0.0


def test_timestampless_records_use_the_clock() -> None:
    c = WindowedCounter(60, 3600, clock="manual", now=T0 + 30.0)
    c.record(False)
    c.add(5, 9)
    assert rows_of(c.to_arrow()) == [(int(T0) // 60 * 60, 5, 10)]


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (1000.0 + 7200.0, 1000.0),  # a window ending long before the horizon
        (990.0 + 3600.0 - 30.0, None),  # a full-horizon window at a bucket-aligned now
    ],
)
def test_window_never_reads_buckets_outside_the_horizon(now: float, end: float | None) -> None:
    c = WindowedCounter(60, 3600, 60, clock="manual", now=1000.0)
    assert c.record(False, 990.0)  # bucket [960, 1020)
    c.set_time(now)
    assert c.to_arrow().num_rows == 0  # the counter no longer keeps that bucket...
    assert not c.record(False, 990.0)  # ...and refuses new events for it...
    assert c.window(3600, end=end).total == 0  # ...but the window reads it


def test_to_arrow_keeps_every_bucket_inside_the_horizon() -> None:
    c = WindowedCounter(60, 600, 120, clock="manual", now=6000.0)
    assert c.record(False, 5460.0)  # the oldest bucket kept: [5460, 5520)
    assert c.record(True, 6060.0)  # one bucket ahead, inside the 120 s skew
    assert c.window(600).total == 1  # [5400, 6000) holds the old bucket
    assert c.window(60, end=6120.0).total == 1  # [6060, 6120) holds the new one
    starts = c.to_arrow().column("bucket_start").cast(pa.int64()).to_pylist()
    assert starts == [5460, 6060]
