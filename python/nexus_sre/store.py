"""The embedded store: one windowed counter per SLO, and a bound recorder per service.

Counters live in memory; `save`/`load` keep them across restarts as one Arrow IPC file per
SLO (`<dir>/<service>/<slo id>.arrow`), written to a temporary name, fsynced and renamed,
so a crash mid-write leaves the previous file intact.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from . import _core
from .config import SLO, Config, Service
from .errors import UnknownSLOError

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
    ):
        self.bucket_seconds = bucket_seconds
        self.clock = clock
        self._now = now
        self._counters: dict[str, _core.WindowedCounter] = {}
        self._services: dict[str, list[str]] = {}
        self._recorders: dict[str, _core.ServiceRecorder] = {}
        self._slos: dict[str, SLO] = {}
        for service, slo in config.slos():
            self.add(service, slo)

    def add(self, service: Service, slo: SLO) -> _core.WindowedCounter:
        counter = _core.WindowedCounter(
            bucket_seconds=self.bucket_seconds,
            horizon_seconds=horizon_for(slo, self.bucket_seconds),
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
        """The bound recorder feeding every SLO of `service` in one call."""
        rec = self._recorders.get(service)
        if rec is None:
            ids = self.slo_ids(service)
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

    def save(self, directory: str | os.PathLike[str]) -> None:
        root = Path(directory)
        for service, ids in self._services.items():
            for slo_id in ids:
                _write_atomic(root / service / f"{slo_id}.arrow", self._counters[slo_id].to_arrow())

    def load(self, directory: str | os.PathLike[str]) -> list[str]:
        """Add saved buckets to the counters; returns warnings for files that were skipped."""
        root = Path(directory)
        warnings = []
        for service, ids in self._services.items():
            for slo_id in ids:
                path = root / service / f"{slo_id}.arrow"
                if not path.exists():
                    continue
                try:
                    with pa.memory_map(str(path)) as source:
                        table = ipc.open_file(source).read_all()
                    self._counters[slo_id].load_arrow(table)
                except Exception as exc:  # a corrupt file must not stop the service
                    msg = f"{path}: skipped unreadable store segment ({exc})"
                    log.warning(msg)
                    warnings.append(msg)
        return warnings


def _write_atomic(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with ipc.new_file(f, table.schema) as writer:
                writer.write_table(table)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
