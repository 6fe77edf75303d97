"""The embedded store of `SLOManager`: one windowed counter per SLO, a bound recorder per
service.

Counters live in memory; `save`/`load` keep them as snapshot segments in the format of
`embedded/persist.py` (written to a temporary name, fsynced, renamed), the same files a
service's `SharedStore` flushes, so the report's embedded source reads either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute

from . import _core
from .config import SLO, Config, Service
from .embedded import persist
from .embedded.store import ring_file_name
from .errors import InvalidInputError, UnknownSLOError

log = logging.getLogger(__name__)

DEFAULT_BUCKET_SECONDS = 60
# Calendar months are up to 31 days; keep the longest so a whole month fits.
_CALENDAR_HORIZON = {"month": 31 * 86400, "week": 7 * 86400}


def horizon_for(slo: SLO, bucket_seconds: int) -> int:
    """Seconds a counter must keep: the SLO period and every alert window, bucket-aligned."""
    longest = slo.time_window.seconds
    if slo.time_window.calendar is not None:
        longest = _CALENDAR_HORIZON[slo.time_window.calendar]
    for alert in slo.alerting.burn_rate:
        longest = max(longest, alert.long_window)
    return -(-longest // bucket_seconds) * bucket_seconds


def latency_threshold(slo: SLO) -> float | None:
    return slo.sli.threshold_ms if slo.sli.type == "latency" else None


class EmbeddedStore:
    """Counters for every SLO of a config."""

    def __init__(
        self,
        config: Config,
        *,
        bucket_seconds: int = DEFAULT_BUCKET_SECONDS,
        clock: str = "system",
        now: float | None = None,
        shared_dir: str | os.PathLike[str] | None = None,
    ):
        if shared_dir is not None and clock != "system":
            raise InvalidInputError(
                f"shared_dir: counters shared between processes run on the system clock, "
                f"not clock={clock!r}"
            )
        self.bucket_seconds = bucket_seconds
        # With a shared directory every SLO's ring is a memory-mapped file there, so all the
        # worker processes of a service (gunicorn, uvicorn --workers) count into the same
        # atomics (see embedded/store.py and docs/embedding.md).
        self.shared_dir = Path(shared_dir) if shared_dir is not None else None
        self.clock = clock
        self._now = now
        self._counters: dict[str, _core.WindowedCounter] = {}
        self._services: dict[str, list[str]] = {}
        self._recorders: dict[str, _core.ServiceRecorder] = {}
        self._slos: dict[str, SLO] = {}
        for service, slo in config.slos():
            self.add(service, slo)

    def add(self, service: Service, slo: SLO) -> _core.WindowedCounter:
        horizon = horizon_for(slo, self.bucket_seconds)
        if self.shared_dir is not None:
            self.shared_dir.mkdir(parents=True, exist_ok=True)
            counter, _ = _core.open_shared_counter(
                self.shared_dir / ring_file_name(service.name, slo.id),
                bucket_seconds=self.bucket_seconds,
                horizon_seconds=horizon,
                future_skew_seconds=self.bucket_seconds,  # as SharedStore opens its rings
            )
        else:
            counter = _core.WindowedCounter(
                bucket_seconds=self.bucket_seconds,
                horizon_seconds=horizon,
                clock=self.clock,
                now=self._now,
            )
        self._counters[slo.id] = counter
        self._services.setdefault(service.name, []).append(slo.id)
        self._slos[slo.id] = slo
        self._recorders.pop(service.name, None)  # rebuilt with the new SLO on next use
        return counter

    def counter(self, slo_id: str) -> _core.WindowedCounter:
        try:
            return self._counters[slo_id]
        except KeyError:
            known = ", ".join(self._counters) or "none"
            raise UnknownSLOError(f"unknown SLO id {slo_id!r}; known: {known}") from None

    def counters(self) -> Iterator[tuple[str, _core.WindowedCounter]]:
        yield from self._counters.items()

    def slo_ids(self, service: str) -> list[str]:
        try:
            return self._services[service]
        except KeyError:
            known = ", ".join(self._services) or "none"
            raise UnknownSLOError(f"unknown service {service!r}; known: {known}") from None

    def recorder(self, service: str) -> _core.ServiceRecorder:
        """The bound recorder feeding the availability and latency SLOs of `service` in one
        call. A ratio SLO counts something other than requests (jobs, index updates): feed its
        counter directly, `store.counter(slo_id).add(good, total)`."""
        rec = self._recorders.get(service)
        if rec is None:
            ids = [i for i in self.slo_ids(service) if self._slos[i].sli.type != "ratio"]
            rec = _core.ServiceRecorder(
                [(self._counters[i], latency_threshold(self._slos[i])) for i in ids]
            )
            self._recorders[service] = rec
        return rec

    def set_time(self, now: float) -> None:
        """Advance every counter of a store made with clock='manual'."""
        for _, c in self.counters():
            c.set_time(now)

    # Persistence -----------------------------------------------------------------------

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write every counter as one snapshot segment in `directory`: the same format a
        service's `SharedStore` flushes (see embedded/persist.py), so reports read both."""
        data = persist.encode_counters(
            (service, slo_id, self._counters[slo_id])
            for service, ids in self._services.items()
            for slo_id in ids
        )
        return persist.write_segment(Path(directory), data)

    def load(self, directory: str | os.PathLike[str]) -> int:
        """Add the newest valid snapshot segment in `directory` to the counters (damaged
        segments are skipped with a warning). Returns the number of events loaded."""
        loaded = 0
        for (service, slo_id), table in persist.load_store(directory).items():
            if slo_id not in self._counters or slo_id not in self._services.get(service, []):
                log.info("%s: snapshot has %s/%s, not in this config", directory, service, slo_id)
                continue
            self._counters[slo_id].load_arrow(table)
            loaded += int(pa.compute.sum(table.column("total")).as_py() or 0)
        return loaded
