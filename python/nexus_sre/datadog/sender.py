"""Sending the embedded store's counters to Datadog, periodically and at shutdown.

The store keeps monotonic cumulative totals per SLO (what /metrics exposes). The sender
remembers the totals Datadog last acknowledged and sends the difference as counts
(`nexus_sre.requests`, `nexus_sre.requests.good`, tagged `service` and `slo`): a failed
send changes nothing, so its events go out with the next one, and nothing is counted twice.
A total that went down (a counter recreated) counts from zero again. Run one sender per
store: two senders of one shared store would each send every event.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from typing import Protocol

from ..embedded import EmbeddedStore
from ..embedded.metrics import read_state
from ..errors import InvalidInputError
from .export import tag_value
from .queries import GOOD_METRIC, TOTAL_METRIC
from .transports import Count, SendError

log = logging.getLogger(__name__)


class Transport(Protocol):
    def send(self, counts: list[Count]) -> None: ...

    def close(self) -> None: ...


class CounterSender:
    """`send()` once, or `start()` to send every `interval` seconds and at exit/`close()`."""

    def __init__(self, store: EmbeddedStore, transport: Transport, *, interval: float = 10.0):
        if not interval > 0:
            raise InvalidInputError(f"interval: must be positive seconds, got {interval!r}")
        self.store = store
        self.transport = transport
        self.interval = interval
        self.acked: dict[tuple[str, str], tuple[int, int]] = {}  # (service, slo) -> good, total
        self.failures = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def pending(self) -> tuple[list[Count], dict[tuple[str, str], tuple[int, int]]]:
        """The counts not yet acknowledged, and the totals they bring Datadog to."""
        counts: list[Count] = []
        totals: dict[tuple[str, str], tuple[int, int]] = {}
        for entry in self.store.entries():
            state = read_state(entry, gauges=False)
            key = (state.service, state.slo)
            good, total = state.good_total, state.total
            sent_good, sent_total = self.acked.get(key, (0, 0))
            if total < sent_total or good < sent_good:  # recreated: counts from zero again
                sent_good, sent_total = 0, 0
            totals[key] = (good, total)
            tags = (f"service:{tag_value(state.service)}", f"slo:{tag_value(state.slo)}")
            if total > sent_total:
                counts.append(Count(TOTAL_METRIC, total - sent_total, tags))
            if good > sent_good:
                counts.append(Count(GOOD_METRIC, good - sent_good, tags))
        return counts, totals

    def send(self) -> bool:
        """Send what is pending; False (and everything kept) when it did not go out."""
        with self._lock:
            counts, totals = self.pending()
            if counts:
                try:
                    self.transport.send(counts)
                except SendError as exc:
                    self.failures += 1
                    log.warning("nexus-sre: %s", exc)
                    return False
            self.acked.update(totals)
            return True

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="nexus-sre-datadog", daemon=True)
        self._thread.start()
        ref = weakref.ref(self)
        atexit.register(_close_ref, ref)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.send()

    def close(self) -> bool:
        """Stop sending periodically, send what is left, and close the transport. Returns
        whether that last send went out."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=10)
        delivered = self.send()
        self.transport.close()
        return delivered

    def __enter__(self) -> CounterSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close_ref(ref: weakref.ref[CounterSender]) -> None:
    sender = ref()
    if sender is not None and sender._thread is not None:
        sender.close()
