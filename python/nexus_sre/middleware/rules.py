"""Pure decisions of the recording middleware: which requests to skip, which are good, and
where each one is recorded. No I/O, no framework imports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..errors import InvalidInputError

log = logging.getLogger("nexus_sre.middleware")

DEFAULT_SKIP_PATHS = frozenset({"/health", "/healthz", "/ready", "/readyz", "/livez"})
#: Set to True in the ASGI scope or WSGI environ of a request that the recording
#: middleware must leave out (the browser error intake marks its own requests so).
SKIP_RECORDING = "nexus_sre.skip_recording"

#: Decides from the HTTP status whether a request was good.
Classifier = Callable[[int], bool]


def default_classifier(status: int) -> bool:
    """Good unless the server failed: client errors (4xx) do not spend the budget."""
    return status < 500


class Recorder(Protocol):
    def record(self, ok: bool, duration_ms: float) -> None: ...


@dataclass(frozen=True)
class RecordingRules:
    """What the middleware records and where.

    * `skip_paths`: exact paths never recorded (health checks); `skip` a further predicate.
    * `classifier`: status -> good.
    * `route_recorders`: per-route SLOs, keyed by the route *template* (`/items/{id}`), so
      raw paths never become keys; a request on such a route feeds that recorder as well.
    """

    recorder: Recorder
    classifier: Classifier = default_classifier
    skip_paths: Collection[str] = DEFAULT_SKIP_PATHS
    skip: Callable[[str], bool] | None = None
    route_recorders: Mapping[str, Recorder] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not callable(getattr(self.recorder, "record", None)):
            raise InvalidInputError(
                "recorder: expected a ServiceRecorder (with .record), "
                f"got {type(self.recorder).__name__}"
            )
        if not callable(self.classifier):
            raise InvalidInputError("classifier: must be a callable taking the status code")
        object.__setattr__(self, "skip_paths", frozenset(self.skip_paths))

    def skipped(self, path: str) -> bool:
        return path in self.skip_paths or (self.skip is not None and self.skip(path))

    def is_good(self, status: int | None) -> bool:
        """Good by the classifier; no status (no response) or a failing classifier: bad."""
        if not status:
            return False
        try:
            return bool(self.classifier(status))
        except Exception:
            log.warning("nexus-sre: classifier failed for status %s; counting it bad", status)
            return False

    def record_status(self, status: int, duration_ms: float, route: str | None) -> None:
        """Record a request by its status (0: no response, a failure); never raises."""
        self.record(self.is_good(status), duration_ms, route)

    def record(self, ok: bool, duration_ms: float, route: str | None) -> None:
        """Record into the service's recorder (and the route's); never raises."""
        try:
            self.recorder.record(ok, duration_ms)
            if route is not None:
                rr = self.route_recorders.get(route)
                if rr is not None:
                    rr.record(ok, duration_ms)
        except Exception:
            # Recording must never break the request it measures.
            log.warning("nexus-sre: recording a request failed", exc_info=True)
