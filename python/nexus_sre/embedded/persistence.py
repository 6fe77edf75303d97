"""Persistence of an embedded store: a consistent cut of its counters, written as snapshot
segments (`snapshots.py`) with the browser error digest, restored at start, and the
flusher thread that writes one every `flush_interval` seconds at a fixed rate.

**Consistency.** Counters are read one after another while requests keep coming, so a
plain read of a service's availability counter and then its latency counter sees more
requests in the second. A service's recorder feeds its counters in a fixed order, so
reading them in the *reverse* order, each request seen in a later-fed counter has
already been counted in the earlier-fed ones read after it. The cut is therefore the
first read (the last-fed counter): from each earlier-fed counter the requests recorded
while the cut was being read are taken back out, bucket by bucket, bounded by what that
counter gained during the read (so events it gets from elsewhere, such as browser
errors into availability counters, are kept). Every SLO fed by the recorder then has the
same total after a restore; the good counts of the few requests taken out are
apportioned by the goods the counter gained meanwhile.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .. import _core
from . import snapshots

if TYPE_CHECKING:
    from .store import EmbeddedStore, SloEntry

log = logging.getLogger("nexus_sre.embedded")

Buckets = dict[int, tuple[int, int]]  # bucket start -> (good, total)


def _buckets(counter: _core.WindowedCounter) -> Buckets:
    t = counter.to_arrow()
    starts = pc.cast(t.column("bucket_start"), pa.int64()).to_pylist()
    return dict(
        zip(
            starts,
            zip(t.column("good").to_pylist(), t.column("total").to_pylist(), strict=True),
            strict=True,
        )
    )


def trimmed(mine: Buckets, before: Buckets, reference: Buckets) -> tuple[Buckets, int, int]:
    """`mine` without the events it got while `reference` (fed after it, read before it)
    was read: per bucket at most what it has over the reference, and at most what it
    gained since `before`. Returns (buckets, good taken out, total taken out). Pure."""
    out: Buckets = {}
    taken_good = taken_total = 0
    for start, (good, total) in mine.items():
        g0, t0 = before.get(start, (0, 0))
        extra = min(total - reference.get(start, (0, 0))[1], total - t0)
        if extra > 0:
            gained_t, gained_g = total - t0, max(good - g0, 0)
            # Apportion the goods of the events taken out by what was gained meanwhile.
            g = round(extra * gained_g / gained_t)
            g = min(max(g, extra - (gained_t - gained_g), 0), extra, gained_g)
            good, total = good - g, total - extra
            taken_good += g
            taken_total += extra
        if total > 0:
            out[start] = (good, total)
    return out, taken_good, taken_total


def _group_cut(
    entries: Sequence[SloEntry],
) -> list[tuple[SloEntry, Buckets, tuple[int, int]]]:
    """A consistent read of counters fed in this order: (entry, buckets, cumulative)."""
    before = [_buckets(e.counter) for e in entries[:-1]]
    read: list[tuple[SloEntry, Buckets, tuple[int, int]]] = []
    for e in reversed(entries):
        cumulative = e.counter.cumulative()
        read.append((e, _buckets(e.counter), cumulative))
    read.reverse()
    reference = read[-1][1]
    out = []
    for i, (e, buckets, (cg, ct)) in enumerate(read):
        if i < len(before):
            buckets, tg, tt = trimmed(buckets, before[i], reference)
            window_good = sum(g for g, _ in buckets.values())
            window_total = sum(t for _, t in buckets.values())
            cg, ct = max(cg - tg, window_good), max(ct - tt, window_total)
        out.append((e, buckets, (cg, ct)))
    return out


def consistent_read(store: EmbeddedStore) -> list[tuple[SloEntry, Buckets, tuple[int, int]]]:
    """Every counter of the store, cut consistently per service (see the module text)."""
    out = []
    for service in store.services():
        entries = store.entries(service)
        fed = [e for e in entries if e.sli != "ratio"]  # in the recorder's order
        out.extend(_group_cut(fed) if fed else [])
        for e in entries:
            if e.sli == "ratio":  # fed on its own
                out.extend(_group_cut([e]))
    return out


def _table(service: str, slo: str, buckets: Buckets) -> pa.Table:
    starts = sorted(buckets)
    return pa.table(
        {
            "service": pa.array([service] * len(starts), pa.string()),
            "slo": pa.array([slo] * len(starts), pa.string()),
            "bucket_start": pa.array(starts, pa.int64()).cast(pa.timestamp("s", tz="UTC")),
            "good": pa.array([buckets[s][0] for s in starts], pa.uint64()),
            "total": pa.array([buckets[s][1] for s in starts], pa.uint64()),
        },
        schema=snapshots.SCHEMA,
    )


def snapshot_table(store: EmbeddedStore) -> pa.Table:
    """The consistent cut as one table in the segment layout."""
    parts = [_table(e.service, e.slo, b) for e, b, _ in consistent_read(store)]
    return pa.concat_tables(parts) if parts else snapshots.SCHEMA.empty_table()


def encode(store: EmbeddedStore) -> bytes:
    """The store's whole state (consistent cut and browser error digest) as segment bytes."""
    cut = consistent_read(store)
    parts = [_table(e.service, e.slo, b) for e, b, _ in cut]
    return snapshots.encode_segment(
        pa.concat_tables(parts) if parts else snapshots.SCHEMA.empty_table(),
        {(e.service, e.slo): cum for e, _, cum in cut},
        {(e.service, e.slo): e.counter.bucket_seconds for e, _, _ in cut},
        browser_errors=store.browser_digest.to_json(),
    )


def save(store: EmbeddedStore, directory: Path) -> Path:
    return snapshots.write_segment(directory, encode(store), keep=store.keep_segments)


def load(store: EmbeddedStore, directory: str | os.PathLike[str]) -> int:
    """Add the newest valid segment in `directory` to the store's counters, and its browser
    error digest to the store's (reports read both)."""
    seg = snapshots.latest_segment(directory)
    if seg is None:
        return 0
    _merge_digest(store, seg)
    loaded = 0
    for (service, slo_id), table in snapshots.split_segment(seg).items():
        try:
            entry = store.entry(service, slo_id)
        except KeyError:
            log.info("%s: snapshot has %s/%s, not in this store", directory, service, slo_id)
            continue
        entry.counter.load_arrow(table)
        loaded += int(pc.sum(table.column("total")).as_py() or 0)
    return loaded


def flush(store: EmbeddedStore) -> Path | None:
    """Write a snapshot to `persist_dir`; in a shared store one worker at a time (the
    others skip: they would write the same rings)."""
    if store.persist_dir is None:
        return None
    store.persist_dir.mkdir(parents=True, exist_ok=True)
    with open(store.persist_dir / ".flush.lock", "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        return save(store, store.persist_dir)


def restore(store: EmbeddedStore) -> int:
    """Load the newest valid segment in `persist_dir` into counters this process created,
    with their cumulative totals, and the browser error digest; returns events restored."""
    if store.persist_dir is None:
        return 0
    seg = snapshots.latest_segment(store.persist_dir)
    if seg is None:
        return 0
    tables = snapshots.split_segment(seg)
    restored = 0
    now = time.time()
    for e in store.entries():
        key = (e.service, e.slo)
        if not e.created or key not in tables:
            continue
        width = seg.bucket_seconds.get(key, e.counter.bucket_seconds)
        if width != e.counter.bucket_seconds:
            log.warning(
                "nexus-sre: not restoring %s/%s: snapshot has %s-second buckets, not %s",
                e.service,
                e.slo,
                width,
                e.counter.bucket_seconds,
            )
            continue
        rows = _inside_horizon(tables[key], now, e.counter)
        refused = e.counter.load_arrow(rows)
        good = sum(rows.column("good").to_pylist())
        total = sum(rows.column("total").to_pylist()) - refused
        cg, ct = seg.cumulative.get(key, (0, 0))
        # The loaded buckets already count toward the cumulative totals; add the rest.
        extra_t = max(ct - total, 0)
        e.counter.add_cumulative(min(max(cg - good, 0), extra_t), extra_t)
        restored += total
    _merge_digest(store, seg)
    log.info("nexus-sre: restored %d events from %s", restored, seg.path)
    return restored


def _merge_digest(store: EmbeddedStore, seg: snapshots.Segment) -> None:
    """Add the segment's browser error digest to the store's; a damaged one is skipped
    with a warning (the counters still load)."""
    if seg.browser_errors:
        try:
            store.browser_digest.merge_json(seg.browser_errors)
        except (ValueError, TypeError, AttributeError) as err:
            log.warning("nexus-sre: %s: browser error digest not loaded: %s", seg.path, err)


def _inside_horizon(rows: pa.Table, now: float, counter: _core.WindowedCounter) -> pa.Table:
    """Rows the counter can still hold: older buckets would only be refused."""
    oldest = int(now) - counter.horizon_seconds + counter.bucket_seconds
    starts = pc.cast(rows.column("bucket_start"), pa.int64())
    return rows.filter(pc.greater_equal(starts, oldest))


class Flusher:
    """Calls `flush` every `interval` seconds at a fixed rate, until stopped.

    Each snapshot holds what was recorded up to the moment it was read, and is safe only
    once written, so the flusher starts each one early by the last one's duration: a
    snapshot is then on disk about `interval` after the one before it, and a crash loses
    at most `interval` seconds of recording (waiting `interval` after each write, as a
    plain loop would, lets the gap grow by the write time)."""

    def __init__(self, flush: Callable[[], object], interval: float) -> None:
        self.flush = flush
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nexus-sre-flush", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        clock = time.monotonic
        took = [0.0, 0.0]  # the last two durations: the smaller is the estimate
        due = clock() + self.interval  # when the next snapshot should be on disk
        while not self._stop.wait(max(due - min(took) - clock(), 0.0)):
            began = clock()
            try:
                self.flush()
            except Exception:
                log.warning("nexus-sre: flush failed", exc_info=True)
            # At most half an interval early, so a slow disk cannot make it spin.
            took = [took[1], min(clock() - began, self.interval / 2)]
            due = max(due + self.interval, clock())

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
