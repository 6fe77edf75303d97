"""The service-side store: one windowed counter per (service, SLO), in this process or
shared by every worker of a pre-fork server through memory-mapped files, snapshotted to disk
and exposed on /metrics. (`nexus_sre.store.EmbeddedStore` is SLOManager's in-process store;
this one is what middleware in multi-worker services records into.)

* In-process (`shared_dir=None`): counters on the heap; persistence is what keeps them
  across restarts.
* Shared (`shared_dir=...`): each counter's ring is the file
  `<shared_dir>/<service>--<slo>.ring`; every worker maps it and adds to the same atomics,
  so the combined state is just that file, and a worker killed mid-request loses nothing
  it had recorded. The file itself outlives the processes; put it on tmpfs (/dev/shm) for
  speed. Persistence snapshots the shared rings; on start a ring is restored from the
  newest snapshot only when its file did not exist (first start, or after a reboot cleared
  /dev/shm), since an existing file already holds everything.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.compute as pc

from .. import _core
from ..errors import InvalidInputError, UnknownSLOError
from . import persist

if TYPE_CHECKING:
    from ..config import Config

log = logging.getLogger("nexus_sre.embedded")

#: Burn-rate windows exposed for an SLO registered without alert windows (5m .. 3d).
DEFAULT_BURN_WINDOWS = (300, 1800, 3600, 21600, 86400, 259200)


@dataclass(frozen=True)
class SloEntry:
    """One SLO of the store and its counter."""

    service: str
    slo: str
    target: float  # percent
    window_seconds: int
    threshold_ms: float | None
    burn_windows: tuple[int, ...]
    counter: _core.WindowedCounter = field(repr=False, compare=False)
    created: bool = True  # False when a shared file already existed

    @property
    def budget_fraction(self) -> float:
        # Exact decimal complement: 99.9 leaves 0.001, not 0.0009999999999999432.
        return _core.budget_fraction(self.target)


def ring_file_name(service: str, slo: str) -> str:
    """A file name for any service and SLO id (percent-encoded, so never a path)."""
    return f"{quote(service, safe='')}--{quote(slo, safe='')}.ring"


def _round_up(seconds: int, width: int) -> int:
    return -(-seconds // width) * width


class SharedStore:
    """Counters for the SLOs of the services this process serves.

    `flush_interval` (seconds) bounds what a crash loses when `persist_dir` is set: a
    background thread writes a snapshot that often, and one more is written by `close()`
    (called at ASGI lifespan shutdown by `SLOMiddleware(store=...)`, and at interpreter
    exit). Nothing is lost by a clean stop; at most `flush_interval` seconds by a crash of
    an in-process store (a shared store loses nothing to a worker crash: the ring is in
    the mapped file).
    """

    def __init__(
        self,
        *,
        shared_dir: str | os.PathLike[str] | None = None,
        persist_dir: str | os.PathLike[str] | None = None,
        flush_interval: float = 5.0,
        bucket_seconds: int = 60,
        keep_segments: int = 3,
    ) -> None:
        if bucket_seconds <= 0:
            raise InvalidInputError(f"bucket_seconds: must be positive, got {bucket_seconds}")
        if not flush_interval > 0:
            raise InvalidInputError(f"flush_interval: must be positive, got {flush_interval}")
        if keep_segments < 1:
            raise InvalidInputError(f"keep_segments: must be at least 1, got {keep_segments}")
        self.bucket_seconds = bucket_seconds
        self.shared_dir = Path(shared_dir) if shared_dir is not None else None
        self.persist_dir = Path(persist_dir) if persist_dir is not None else None
        self.flush_interval = float(flush_interval)
        self.keep_segments = keep_segments
        self._entries: dict[tuple[str, str], SloEntry] = {}
        self._recorders: dict[str, _core.ServiceRecorder] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self.shared_dir is not None:
            self.shared_dir.mkdir(parents=True, exist_ok=True)

    # -- registration ---------------------------------------------------------------

    @classmethod
    def from_config(
        cls, config: Config, *, services: Iterable[str] | None = None, **kwargs: Any
    ) -> SharedStore:
        """A store with every SLO of `config` (or of the named services) registered and,
        when `persist_dir` is given, restored and flushing."""
        store = cls(**kwargs)
        wanted = set(services) if services is not None else None
        for service, slo in config.slos():
            if wanted is not None and service.name not in wanted:
                continue
            windows = sorted(
                {w for a in slo.alerting.burn_rate for w in (a.long_window, a.short_window)}
            )
            store.add_slo(
                service.name,
                slo.id,
                target=slo.target,
                window_seconds=slo.time_window.seconds,
                threshold_ms=slo.sli.threshold_ms if slo.sli.type == "latency" else None,
                burn_windows=windows or DEFAULT_BURN_WINDOWS,
            )
        if store.persist_dir is not None:
            store.start()
        return store

    def add_slo(
        self,
        service: str,
        slo: str,
        *,
        target: float | Decimal,
        window_seconds: int,
        threshold_ms: float | None = None,
        burn_windows: Sequence[int] = DEFAULT_BURN_WINDOWS,
    ) -> SloEntry:
        """Register an SLO and open (or create) its counter."""
        target_f = float(target)
        if not 0 < target_f < 100:
            raise InvalidInputError(f"target: must be between 0 and 100 percent, got {target}")
        if window_seconds <= 0:
            raise InvalidInputError(f"window_seconds: must be positive, got {window_seconds}")
        if any(s <= 0 for s in burn_windows):
            raise InvalidInputError(f"burn_windows: must be positive, got {list(burn_windows)}")
        w = self.bucket_seconds
        window = _round_up(window_seconds, w)
        if burn_windows is DEFAULT_BURN_WINDOWS:
            # Defaults are a menu: those that fit the SLO window.
            windows = tuple(sorted({_round_up(s, w) for s in burn_windows if s <= window}))
        else:
            # Configured alert windows are all kept, even one longer than the SLO window.
            windows = tuple(sorted({_round_up(s, w) for s in burn_windows}))
        horizon = max(window, *windows) if windows else window
        key = (service, slo)
        with self._lock:
            if key in self._entries:
                raise InvalidInputError(f"SLO {slo!r} of service {service!r} is already registered")
            if self.shared_dir is not None:
                counter, created = _core.open_shared_counter(
                    str(self.shared_dir / ring_file_name(service, slo)),
                    bucket_seconds=w,
                    horizon_seconds=horizon,
                    future_skew_seconds=w,
                )
            else:
                counter = _core.WindowedCounter(
                    bucket_seconds=w, horizon_seconds=horizon, future_skew_seconds=w
                )
                created = True
            entry = SloEntry(
                service, slo, target_f, window, threshold_ms, windows, counter, created
            )
            self._entries[key] = entry
            self._recorders.pop(service, None)
        return entry

    # -- lookup ---------------------------------------------------------------------

    def entries(self) -> list[SloEntry]:
        with self._lock:
            return list(self._entries.values())

    def entry(self, service: str, slo: str) -> SloEntry:
        try:
            return self._entries[(service, slo)]
        except KeyError:
            raise UnknownSLOError(f"no SLO {slo!r} for service {service!r}") from None

    def counter(self, service: str, slo: str) -> _core.WindowedCounter:
        return self.entry(service, slo).counter

    def availability_counters(self, service: str) -> list[_core.WindowedCounter]:
        """Counters of the service's non-latency SLOs: where browser errors count."""
        found = [
            e.counter for e in self.entries() if e.service == service and e.threshold_ms is None
        ]
        if not found:
            raise UnknownSLOError(f"no availability SLO registered for service {service!r}")
        return found

    def recorder(self, service: str) -> _core.ServiceRecorder:
        """The bound recorder feeding every SLO of `service` in one call."""
        rec = self._recorders.get(service)
        if rec is None:
            slos = [(e.counter, e.threshold_ms) for e in self.entries() if e.service == service]
            if not slos:
                raise UnknownSLOError(f"no SLOs registered for service {service!r}")
            rec = _core.ServiceRecorder(slos)
            self._recorders[service] = rec
        return rec

    # -- snapshots and persistence --------------------------------------------------

    def snapshot(self) -> pa.Table:
        """Every counter's non-empty buckets as one table (the segment layout)."""
        return persist.counters_table((e.service, e.slo, e.counter) for e in self.entries())

    def flush(self) -> Path | None:
        """Write a snapshot now. In a shared store only one worker writes at a time (the
        others skip: they would write the same rings)."""
        if self.persist_dir is None:
            return None
        self.persist_dir.mkdir(parents=True, exist_ok=True)
        with open(self.persist_dir / ".flush.lock", "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None
            data = persist.encode_counters((e.service, e.slo, e.counter) for e in self.entries())
            return persist.write_segment(self.persist_dir, data, keep=self.keep_segments)

    def restore(self) -> int:
        """Load the newest valid snapshot into counters this process created; returns the
        events restored. Damaged segments are skipped with a warning."""
        if self.persist_dir is None:
            return 0
        seg = persist.latest_segment(self.persist_dir)
        if seg is None:
            return 0
        tables = persist.split_segment(seg)
        restored = 0
        now = time.time()
        for e in self.entries():
            key = (e.service, e.slo)
            if not e.created or key not in tables:
                continue
            if seg.bucket_seconds.get(key, e.counter.bucket_seconds) != e.counter.bucket_seconds:
                log.warning(
                    "nexus-sre: not restoring %s/%s: snapshot has %s-second buckets, not %s",
                    e.service,
                    e.slo,
                    seg.bucket_seconds[key],
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
            _core.add_cumulative(e.counter, min(max(cg - good, 0), extra_t), extra_t)
            restored += total
        log.info("nexus-sre: restored %d events from %s", restored, seg.path)
        return restored

    def start(self) -> None:
        """Restore, then flush every `flush_interval` seconds and at exit."""
        if self.persist_dir is None or self._thread is not None:
            return
        try:
            self.restore()
        except Exception:  # a bad snapshot must never stop the service
            log.warning("nexus-sre: restore failed; starting empty", exc_info=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="nexus-sre-flush", daemon=True)
        self._thread.start()
        ref = weakref.ref(self)
        atexit.register(_close_ref, ref)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            self._safe_flush()

    def _safe_flush(self) -> None:
        try:
            self.flush()
        except Exception:
            log.warning("nexus-sre: flush to %s failed", self.persist_dir, exc_info=True)

    def close(self) -> None:
        """Stop the flusher and write a last snapshot."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=10)
        self._safe_flush()

    def __enter__(self) -> SharedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_ref(ref: weakref.ref[SharedStore]) -> None:
    store = ref()
    if store is not None:
        store.close()


def _inside_horizon(rows: pa.Table, now: float, counter: _core.WindowedCounter) -> pa.Table:
    """Rows the counter can still hold: older buckets would only be refused."""
    oldest = int(now) - counter.horizon_seconds + counter.bucket_seconds
    starts = pc.cast(rows.column("bucket_start"), pa.int64())
    return rows.filter(pc.greater_equal(starts, oldest))
