"""The embedded store: one windowed counter per (service, SLO), in this process or shared
by every worker of a pre-fork server through memory-mapped files, snapshotted to disk and
exposed on /metrics. `SLOManager` keeps its counters in one; a service's middleware
records into one.

* In-process (`shared_dir=None`): counters on the heap, on the system clock or, for tests
  and replays, a manual or event clock; snapshots are what keep them across restarts.
* Shared (`shared_dir=...`): each counter's ring is the file
  `<shared_dir>/<service>--<slo>.ring`; every worker maps it and adds to the same atomics,
  so the combined state is just that file, and a worker killed mid-request loses nothing
  it had recorded. The file itself outlives the processes; put it on tmpfs (/dev/shm) for
  speed. Persistence snapshots the shared rings; on start a ring is restored from the
  newest snapshot only when its file did not exist (first start, or after a reboot cleared
  /dev/shm), since an existing file already holds everything. `from_config` holds a lock
  on `<shared_dir>/.startup.lock` while it opens and restores, so a worker starting beside
  the restoring one never answers from a ring not yet restored.

Snapshots (`persistence.py`, in the segments of `snapshots.py`): `save(dir)`/`load(dir)`
write and read them anywhere, `flush()`/`restore()` (and the flusher thread of `start()`)
keep `persist_dir`. The store also keeps a digest of recent browser errors per service
(`digest.py`), filled by the error intake and saved with the snapshots.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload
from urllib.parse import quote

import pyarrow as pa

from .. import _core
from ..errors import InvalidInputError, UnknownSLOError
from ..slo.windows import window_so_far
from . import persistence
from .digest import BrowserError, BrowserErrorDigest

if TYPE_CHECKING:
    from ..config import SLO, Config, TimeWindow

log = logging.getLogger("nexus_sre.embedded")

#: Burn-rate windows exposed for an SLO registered without alert windows (5m .. 3d).
DEFAULT_BURN_WINDOWS = (300, 1800, 3600, 21600, 86400, 259200)
SLI_TYPES = ("availability", "latency", "ratio")
# Calendar months are up to 31 days; keep the longest so a whole month fits.
_CALENDAR_HORIZON = {"month": 31 * 86400, "week": 7 * 86400}


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
    sli: str = "availability"  # "latency" or "ratio": a ratio SLO is not fed by recorder()
    calendar: TimeWindow | None = None  # a calendar-aligned window (None: rolling)

    def window_so_far(self, now: float) -> int:
        """The SLO window ending at `now`: `window_seconds`, or for a calendar window the
        month or week so far, in its time zone (whole buckets)."""
        if self.calendar is None:
            return self.window_seconds
        return window_so_far(self.calendar, now, self.counter.bucket_seconds)

    @property
    def budget_fraction(self) -> float:
        # Exact decimal complement: 99.9 leaves 0.001, not 0.0009999999999999432.
        return _core.budget_fraction(self.target)


def ring_file_name(service: str, slo: str) -> str:
    """A file name for any service and SLO id (percent-encoded, so never a path)."""
    return f"{quote(service, safe='')}--{quote(slo, safe='')}.ring"


def _round_up(seconds: int, width: int) -> int:
    return -(-seconds // width) * width


class EmbeddedStore:
    """Counters for a set of SLOs, keyed by (service, SLO id).

    Build one from a config with `EmbeddedStore.from_config(config, ...)`, or empty and add
    SLOs with `add(service, slo)` (a config `SLO`) or `add_slo(service, slo_id, target=...,
    window_seconds=...)`. Record with `recorder(service)`; read with `counter(slo_id)` or
    `counter(service, slo_id)` and `entries()`.

    `clock`: "system" (default), "event" (now is the newest recorded timestamp: replays,
    reports) or "manual" (tests: starts at `now`, moved by `set_time`). Counters shared
    through `shared_dir` run on the system clock.

    `flush_interval` (seconds) bounds what a crash loses when `persist_dir` is set: after
    `start()` a background thread writes a snapshot that often, and one more is written by
    `close()` (called at ASGI lifespan shutdown by `SLOMiddleware(store=...)`, and at
    interpreter exit). Nothing is lost by a clean stop; at most `flush_interval` seconds by
    a crash of an in-process store (a shared store loses nothing to a worker crash: the ring
    is in the mapped file).
    """

    def __init__(
        self,
        *,
        bucket_seconds: int = 60,
        clock: str = "system",
        now: float | None = None,
        shared_dir: str | os.PathLike[str] | None = None,
        persist_dir: str | os.PathLike[str] | None = None,
        flush_interval: float = 5.0,
        keep_segments: int = 3,
    ) -> None:
        if bucket_seconds <= 0:
            raise InvalidInputError(f"bucket_seconds: must be positive, got {bucket_seconds}")
        if not flush_interval > 0:
            raise InvalidInputError(f"flush_interval: must be positive, got {flush_interval}")
        if keep_segments < 1:
            raise InvalidInputError(f"keep_segments: must be at least 1, got {keep_segments}")
        if shared_dir is not None and clock != "system":
            raise InvalidInputError(
                f"shared_dir: counters shared between processes run on the system clock, "
                f"not clock={clock!r}"
            )
        self.bucket_seconds = bucket_seconds
        self.clock = clock
        self._now = now
        self.shared_dir = Path(shared_dir) if shared_dir is not None else None
        self.persist_dir = Path(persist_dir) if persist_dir is not None else None
        self.flush_interval = float(flush_interval)
        self.keep_segments = keep_segments
        # service -> SLO id -> entry, in registration order (grouped by service).
        self._services: dict[str, dict[str, SloEntry]] = {}
        self._recorders: dict[str, _core.ServiceRecorder] = {}
        self._lock = threading.Lock()
        self._flusher: persistence.Flusher | None = None
        #: Recent browser errors per service (`record_browser_error`, `browser_errors`).
        self.browser_digest = BrowserErrorDigest()
        if self.shared_dir is not None:
            self.shared_dir.mkdir(parents=True, exist_ok=True)

    # -- registration ---------------------------------------------------------------

    @classmethod
    def from_config(
        cls, config: Config, *, services: Iterable[str] | None = None, **kwargs: Any
    ) -> EmbeddedStore:
        """A store with every SLO of `config` (or of the named services) registered and,
        when `persist_dir` is given, restored and flushing (`start()`). `kwargs` are the
        constructor's."""
        store = cls(**kwargs)
        wanted = set(services) if services is not None else None
        # Workers of one server start together: the one that creates the rings restores
        # them before any other can open (and answer from) a ring still empty.
        with _startup_lock(store.shared_dir if store.persist_dir is not None else None):
            for service, slo in config.slos():
                if wanted is None or service.name in wanted:
                    store.add(service.name, slo)
            if store.persist_dir is not None:
                store.start()
        return store

    def add(self, service: str, slo: SLO) -> SloEntry:
        """Register an SLO of a config: its window, latency threshold and alert windows,
        with history for a whole calendar month or week when the SLO is calendar-aligned."""
        windows = sorted(
            {w for a in slo.alerting.burn_rate for w in (a.long_window, a.short_window)}
        )
        tw = slo.time_window
        return self.add_slo(
            service,
            slo.id,
            target=slo.target,
            window_seconds=tw.seconds,
            threshold_ms=slo.sli.threshold_ms if slo.sli.type == "latency" else None,
            burn_windows=windows or DEFAULT_BURN_WINDOWS,
            sli=slo.sli.type,
            horizon_seconds=_CALENDAR_HORIZON[tw.calendar] if tw.calendar else None,
            calendar=tw if tw.calendar else None,
        )

    def add_slo(
        self,
        service: str,
        slo: str,
        *,
        target: float | Decimal,
        window_seconds: int,
        threshold_ms: float | None = None,
        burn_windows: Sequence[int] = DEFAULT_BURN_WINDOWS,
        sli: str | None = None,
        horizon_seconds: int | None = None,
        calendar: TimeWindow | None = None,
    ) -> SloEntry:
        """Register an SLO from plain values and open (or create) its counter.

        `sli`: "availability", "latency" (needs `threshold_ms`; the default when it is
        given) or "ratio" (counts something other than requests: not fed by `recorder()`,
        feed `counter(...).add(good, total)`). The counter keeps the SLO window and every
        burn window, and at least `horizon_seconds` when given. `calendar`: the SLO's
        calendar-aligned window, whose budget gauge reads the month or week so far."""
        target_f = float(target)
        if not 0 < target_f < 100:
            raise InvalidInputError(f"target: must be between 0 and 100 percent, got {target}")
        if window_seconds <= 0:
            raise InvalidInputError(f"window_seconds: must be positive, got {window_seconds}")
        if any(s <= 0 for s in burn_windows):
            raise InvalidInputError(f"burn_windows: must be positive, got {list(burn_windows)}")
        if horizon_seconds is not None and horizon_seconds <= 0:
            raise InvalidInputError(f"horizon_seconds: must be positive, got {horizon_seconds}")
        if sli is None:
            sli = "availability" if threshold_ms is None else "latency"
        if sli not in SLI_TYPES or (sli == "latency") != (threshold_ms is not None):
            raise InvalidInputError(
                f"sli: one of {', '.join(SLI_TYPES)}, with threshold_ms for latency only; "
                f"got {sli!r} with threshold_ms={threshold_ms}"
            )
        w = self.bucket_seconds
        window = _round_up(window_seconds, w)
        if burn_windows is DEFAULT_BURN_WINDOWS:
            # Defaults are a menu: those that fit the SLO window.
            windows = tuple(sorted({_round_up(s, w) for s in burn_windows if s <= window}))
        else:
            # Configured alert windows are all kept, even one longer than the SLO window.
            windows = tuple(sorted({_round_up(s, w) for s in burn_windows}))
        horizon = max(window, *windows, _round_up(horizon_seconds or 0, w))
        with self._lock:
            if slo in self._services.get(service, {}):
                raise InvalidInputError(f"SLO {slo!r} of service {service!r} is already registered")
            counter, created = self._open_counter(service, slo, horizon)
            entry = SloEntry(
                service,
                slo,
                target_f,
                window,
                threshold_ms,
                windows,
                counter,
                created,
                sli,
                calendar if calendar is not None and calendar.calendar else None,
            )
            self._services.setdefault(service, {})[slo] = entry
            self._recorders.pop(service, None)  # rebuilt with the new SLO on next use
        return entry

    def _open_counter(
        self, service: str, slo: str, horizon: int
    ) -> tuple[_core.WindowedCounter, bool]:
        """(counter, created): a mapped ring file in `shared_dir`, else a heap counter."""
        w = self.bucket_seconds
        if self.shared_dir is not None:
            return _core.WindowedCounter.open_shared(
                str(self.shared_dir / ring_file_name(service, slo)),
                bucket_seconds=w,
                horizon_seconds=horizon,
                future_skew_seconds=w,
            )
        counter = _core.WindowedCounter(
            bucket_seconds=w,
            horizon_seconds=horizon,
            future_skew_seconds=w,
            clock=self.clock,
            now=self._now,
        )
        return counter, True

    # -- lookup ---------------------------------------------------------------------

    def services(self) -> list[str]:
        """The services with SLOs in the store, in registration order."""
        with self._lock:
            return list(self._services)

    def entries(self, service: str | None = None) -> list[SloEntry]:
        """Every SLO of the store, or of one service (`UnknownSLOError` if it has none)."""
        with self._lock:
            if service is None:
                return [e for slos in self._services.values() for e in slos.values()]
            slos = self._services.get(service)
            if not slos:
                known = ", ".join(self._services) or "none"
                raise UnknownSLOError(f"unknown service {service!r}; known: {known}")
            return list(slos.values())

    @overload
    def entry(self, slo_id: str, /) -> SloEntry: ...
    @overload
    def entry(self, service: str, slo_id: str, /) -> SloEntry: ...
    def entry(self, *key: str) -> SloEntry:
        """`entry(service, slo_id)`, or `entry(slo_id)` when the id names one SLO in the
        store (SLO ids are unique in a config)."""
        if len(key) == 2:
            try:
                return self._services[key[0]][key[1]]
            except KeyError:
                raise UnknownSLOError(f"no SLO {key[1]!r} for service {key[0]!r}") from None
        if len(key) != 1:
            raise TypeError(f"entry: expected (slo_id) or (service, slo_id), got {key!r}")
        with self._lock:  # SLOManager looks up while another thread may register
            found = [slos[key[0]] for slos in self._services.values() if key[0] in slos]
        if len(found) == 1:
            return found[0]
        if found:
            services = ", ".join(e.service for e in found)
            raise UnknownSLOError(
                f"SLO id {key[0]!r} is in several services ({services}); name the service"
            )
        known = ", ".join(e.slo for e in self.entries()) or "none"
        raise UnknownSLOError(f"unknown SLO id {key[0]!r}; known: {known}")

    @overload
    def counter(self, slo_id: str, /) -> _core.WindowedCounter: ...
    @overload
    def counter(self, service: str, slo_id: str, /) -> _core.WindowedCounter: ...
    def counter(self, *key: str) -> _core.WindowedCounter:
        """The counter of `counter(service, slo_id)` or `counter(slo_id)` (see `entry`)."""
        return self.entry(*key).counter

    def availability_counters(self, service: str) -> list[_core.WindowedCounter]:
        """Counters of the service's availability SLOs: where browser errors count."""
        found = [e.counter for e in self.entries(service) if e.sli == "availability"]
        if not found:
            raise UnknownSLOError(f"no availability SLO registered for service {service!r}")
        return found

    def recorder(self, service: str) -> _core.ServiceRecorder:
        """The bound recorder feeding the availability and latency SLOs of `service` in one
        call. A ratio SLO counts something other than requests (jobs, index updates): feed
        its counter directly, `store.counter(slo_id).add(good, total)`."""
        rec = self._recorders.get(service)
        if rec is None:
            rec = _core.ServiceRecorder(
                [(e.counter, e.threshold_ms) for e in self.entries(service) if e.sli != "ratio"]
            )
            self._recorders[service] = rec
        return rec

    def set_time(self, now: float) -> None:
        """Advance every counter of a store made with clock='manual'."""
        for e in self.entries():
            e.counter.set_time(now)

    # -- browser errors ---------------------------------------------------------------

    def record_browser_error(
        self,
        service: str,
        message: str,
        component: str | None = None,
        url: str | None = None,
        *,
        timestamp: float | None = None,
    ) -> bool:
        """Count one browser error as a failed event of every availability SLO of
        `service` (at `timestamp`, or now) and add it to the service's digest. False when
        a counter refused it as outside its horizon: then it counts as dropped."""
        counters = self.availability_counters(service)
        kept = all([c.record(False, timestamp) for c in counters])
        at = time.time() if timestamp is None else timestamp
        self.browser_digest.add(service, message, component, url, at, recorded=kept)
        return kept

    def browser_errors(self, service: str, limit: int | None = 10) -> list[BrowserError]:
        """The most frequent recent browser errors of `service`, most first: message, count,
        last component and URL, first and last seen (kept across restarts)."""
        self.entries(service)  # unknown service: the usual error
        return self.browser_digest.top(service, limit)

    # -- snapshots and persistence (persistence.py) ------------------------------------

    def snapshot(self) -> pa.Table:
        """Every counter's non-empty buckets as one table (the segment layout), cut
        consistently across the counters of each service."""
        return persistence.snapshot_table(self)

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write every counter as one snapshot segment in `directory` (the newest
        `keep_segments` are kept): what `flush()` writes, what reports and `load` read."""
        return persistence.save(self, Path(directory))

    def load(self, directory: str | os.PathLike[str]) -> int:
        """Add the newest valid snapshot segment in `directory` to the counters and its
        browser error digest to the store's (damaged segments are skipped with a warning).
        Returns the number of events loaded."""
        return persistence.load(self, directory)

    def flush(self) -> Path | None:
        """Write a snapshot to `persist_dir` now. In a shared store only one worker writes at
        a time (the others skip: they would write the same rings)."""
        return persistence.flush(self)

    def restore(self) -> int:
        """Load the newest valid snapshot in `persist_dir` into counters this process
        created, with their cumulative totals, and the browser error digest; returns the
        events restored. Damaged segments are skipped with a warning."""
        return persistence.restore(self)

    def start(self) -> None:
        """Restore, then flush every `flush_interval` seconds (fixed rate) and at exit."""
        if self.persist_dir is None or self._flusher is not None:
            return
        try:
            self.restore()
        except Exception:  # a bad snapshot must never stop the service
            log.warning("nexus-sre: restore failed; starting empty", exc_info=True)
        self._flusher = persistence.Flusher(self.flush, self.flush_interval)
        self._flusher.start()
        ref = weakref.ref(self)
        atexit.register(_close_ref, ref)

    def close(self) -> None:
        """Stop the flusher and write a last snapshot."""
        flusher, self._flusher = self._flusher, None
        if flusher is None:
            return
        flusher.stop()
        try:
            self.flush()
        except Exception:
            log.warning("nexus-sre: flush to %s failed", self.persist_dir, exc_info=True)

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _startup_lock(shared_dir: Path | None) -> Iterator[None]:
    """Exclusive among the processes sharing `shared_dir` (none without one)."""
    if shared_dir is None:
        yield
        return
    with open(shared_dir / ".startup.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _close_ref(ref: weakref.ref[EmbeddedStore]) -> None:
    store = ref()
    if store is not None:
        store.close()
