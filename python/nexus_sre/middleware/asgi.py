"""ASGI recording middleware (Starlette, FastAPI, any ASGI 3 app) and a /metrics app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, MutableMapping
from time import perf_counter
from typing import Any

from .rules import (
    DEFAULT_SKIP_PATHS,
    SKIP_RECORDING,
    Classifier,
    Recorder,
    RecordingRules,
    default_classifier,
    log,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _route_template(scope: Scope) -> str | None:
    # Starlette and FastAPI put the matched route in the scope once routing ran.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


class SLOMiddleware:
    """Records every HTTP request through a bound `ServiceRecorder`.

    The request is recorded just before the last body chunk is sent, so any request a
    client got an answer for is already counted (a worker killed afterwards loses nothing
    in a shared store). An exception from the app counts as a failure and is re-raised.
    With `store=`, the store's last snapshot is written at lifespan shutdown.

        app.add_middleware(SLOMiddleware, recorder=store.recorder("checkout"))
    """

    def __init__(
        self,
        app: ASGIApp,
        recorder: Recorder,
        *,
        classifier: Classifier = default_classifier,
        skip_paths: Collection[str] = DEFAULT_SKIP_PATHS,
        skip: Callable[[str], bool] | None = None,
        route_recorders: Mapping[str, Recorder] | None = None,
        store: Any = None,
    ) -> None:
        self.app = app
        self.rules = RecordingRules(
            recorder, classifier, skip_paths, skip, dict(route_recorders or {})
        )
        self.store = store
        self._plain = classifier is default_classifier and not route_recorders

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "lifespan" and self.store is not None:
                send = self._closing_store(send)
            await self.app(scope, receive, send)
            return
        rules = self.rules
        path = scope["path"]
        if path in rules.skip_paths or (rules.skip is not None and rules.skip(path)):
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        status = 0  # 0 until the response starts
        recorded = False

        # A plain function returning send's awaitable: one coroutine per message, not two.
        def send_and_record(message: Message) -> Awaitable[None]:
            nonlocal status, recorded
            if not recorded:
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif not message.get("more_body", False):
                    # The last body message (or a pathsend): record before it leaves.
                    recorded = True
                    self._record(status, start, scope)
            return send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except BaseException:
            if not recorded:
                recorded = True
                self._record(0, start, scope)
            raise
        if not recorded:  # the app returned without finishing a response
            self._record(0, start, scope)

    def _record(self, status: int, start: float, scope: Scope) -> None:
        if SKIP_RECORDING in scope:  # the error intake's own requests
            return
        ms = (perf_counter() - start) * 1000.0
        rules = self.rules
        if self._plain:
            # The common case inlined: default classifier, no per-route SLOs.
            try:
                rules.recorder.record(0 < status < 500, ms)
            except Exception:
                log.warning("nexus-sre: recording a request failed", exc_info=True)
            return
        route = _route_template(scope) if rules.route_recorders else None
        rules.record_status(status, ms, route)

    def _closing_store(self, send: Send) -> Send:
        """Write the store's last snapshot when the server shuts the app down: uvicorn
        re-raises SIGTERM after a graceful shutdown, so atexit handlers never run there."""
        store = self.store

        async def send_after_close(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                store.close()
            await send(message)

        return send_after_close


class MetricsApp:
    """A bare ASGI app serving the store's /metrics (Prometheus text, or OpenMetrics when
    the scraper asks for it). An object rather than a function, so that Starlette's
    `Route("/metrics", MetricsApp(store))` treats it as an ASGI app, not as an endpoint."""

    def __init__(self, store: Any, *, gauges: bool = True) -> None:
        self.store = store
        self.gauges = gauges

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from ..embedded.metrics import exposition

        accept = None
        for k, v in scope.get("headers", []):
            if k == b"accept":
                accept = v.decode("latin-1")
        body, ctype = exposition(self.store, accept, gauges=self.gauges)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", ctype.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def metrics_app(store: Any, *, gauges: bool = True) -> MetricsApp:
    """`Route("/metrics", metrics_app(store))`, or FastAPI's `app.add_route("/metrics", ...)`.
    `gauges=False` serves the counters only (cheapest scrape)."""
    return MetricsApp(store, gauges=gauges)
