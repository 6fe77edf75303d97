"""The periodic evaluation: a daemon thread that runs one callable every interval until
stopped (SLOManager uses it to evaluate budgets and alerts every
`budget_calculation_interval` minutes)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..errors import InvalidInputError

log = logging.getLogger(__name__)


class PeriodicEvaluator:
    """Calls `evaluate()` at once, then every `interval_seconds`; a failing call is logged
    and the next one still happens."""

    def __init__(self, evaluate: Callable[[], object], name: str = "nexus-sre-evaluator"):
        self._evaluate = evaluate
        self._name = name
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self, interval_seconds: float) -> None:
        if not interval_seconds > 0:
            raise InvalidInputError(
                f"interval_seconds: must be a positive number of seconds, got {interval_seconds}"
            )
        with self._lock:
            if self._thread is not None:
                return
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, args=(interval_seconds,), name=self._name, daemon=True
            )
            self._thread.start()

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self._evaluate()
            except Exception:
                log.exception("periodic SLO evaluation failed")
            self._stop.wait(interval)

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    @property
    def running(self) -> bool:
        return self._thread is not None
