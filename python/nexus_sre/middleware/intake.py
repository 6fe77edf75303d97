"""The browser error intake: takes error beacons over HTTP (from `window.onerror`, an
unhandled rejection, a React error boundary) and records each as a failure of the
frontend's availability SLOs, with its message in the store's browser error digest.

`BrowserErrorIntake.handle` decides everything (limits, origin, size, parsing, time) and
holds no framework code; `error_intake_route` (Starlette/FastAPI) and `error_intake_wsgi`
(Flask, Django, any WSGI) are its shells. Both mark the request so that the recording
middleware leaves it out of the API's own SLOs. Answers: 204 recorded; 403 origin not
allowed; 413 too large; 415 wrong Content-Type; 422 bad beacon, or its time outside what
the store keeps (counted as dropped); 429 over a rate limit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInputError
from .beacon import MAX_BEACON_BYTES, ErrorBeacon, IntakeLimits, parse_beacon, record_error
from .rules import SKIP_RECORDING

log = logging.getLogger("nexus_sre.middleware")


@dataclass(frozen=True)
class Answer:
    status: int
    error: str | None = None


@dataclass(frozen=True)
class BeaconRequest:
    """What the intake looks at in a request (header values, or None when absent)."""

    body: bytes
    client: str
    content_type: str | None = None
    origin: str | None = None
    referer: str | None = None
    host: str | None = None


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def origin_problem(
    req: BeaconRequest, allowed_origins: Collection[str] | None
) -> tuple[int, str] | None:
    """(status, why) when the request's origin or Content-Type is not acceptable.

    With `allowed_origins`, the Origin (or the Referer's origin) must be one of them ("*"
    accepts any) and the body may be `application/json` or `text/plain` (what
    `navigator.sendBeacon` sends for a string, without a CORS preflight). Without it, only
    `application/json` from the same origin: a cross-site page cannot send that type
    without a preflight the intake never grants, and an HTML form cannot send it at all."""
    ctype = (req.content_type or "").split(";", 1)[0].strip().lower()
    source = req.origin or (_origin_of(req.referer) if req.referer else None)
    if allowed_origins is not None:
        if ctype not in ("application/json", "text/plain"):
            return 415, f"Content-Type must be application/json or text/plain, not {ctype!r}"
        if "*" in allowed_origins:
            return None
        if source is None:
            return 403, "no Origin or Referer header; this intake accepts listed origins only"
        if source not in allowed_origins:
            return 403, f"origin {source[:200]!r} is not in allowed_origins"
        return None
    if ctype != "application/json":
        return 415, f"Content-Type must be application/json, not {ctype[:100]!r}"
    if source is not None and (source == "null" or urlsplit(source).netloc != req.host):
        return 403, (
            f"cross-origin beacon from {source[:200]!r}; list the page's origin in "
            "allowed_origins to accept it"
        )
    return None


class BrowserErrorIntake:
    """The intake's decisions, framework-free.

    `target`: an `EmbeddedStore` with `service` (records into the service's availability
    SLOs and its browser error digest), or what `record_error` takes (counters only).
    Events are recorded at server time; the beacon's own `timestamp` is kept only as
    information. `client_time=True` records at the client's time instead, when it is within
    `max_skew_seconds` of the server's (else 422, counted as dropped)."""

    def __init__(
        self,
        target: Any,
        *,
        service: str | None = None,
        max_bytes: int = MAX_BEACON_BYTES,
        rate: float = 5.0,
        burst: float = 20.0,
        total_rate: float = 50.0,
        total_burst: float = 200.0,
        allowed_origins: Collection[str] | None = None,
        client_time: bool = False,
        max_skew_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        store_like = hasattr(target, "record_browser_error")
        if store_like and service is None:
            raise InvalidInputError("error intake: pass service= with a store")
        if store_like:
            target.availability_counters(service)  # unknown service: fail now, not per beacon
        self.target = target
        self.service = service if store_like else None
        self.max_bytes = max_bytes
        self.limits = IntakeLimits(rate, burst, total_rate, total_burst)
        self.allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)
        self.client_time = client_time
        self.max_skew_seconds = max_skew_seconds
        self.clock = clock
        self.wall_clock = wall_clock
        self.dropped = 0  # beacons refused for their time (also in the digest's figure)

    def admit(self, client: str) -> Answer | None:
        """The rate limits, checked before the body is read."""
        refused = self.limits.take(client, self.clock())
        if refused is not None:
            return Answer(429, f"rate limited ({refused})")
        return None

    def handle(self, req: BeaconRequest) -> Answer:
        """Everything after `admit`: origin, size, parsing, time, recording."""
        problem = origin_problem(req, self.allowed_origins)
        if problem is not None:
            return Answer(*problem)
        if len(req.body) > self.max_bytes:
            return Answer(413, f"over {self.max_bytes} bytes")
        try:
            beacon = parse_beacon(req.body, max_bytes=self.max_bytes)
        except InvalidInputError as e:
            return Answer(422, str(e))
        now = self.wall_clock()
        at = None
        if self.client_time and beacon.timestamp is not None:
            if abs(beacon.timestamp - now) > self.max_skew_seconds:
                self._drop(beacon, now)
                return Answer(
                    422,
                    f"beacon.timestamp: {beacon.timestamp:.0f} is more than "
                    f"{self.max_skew_seconds:g} s from the server's time; not recorded",
                )
            at = beacon.timestamp
        try:
            kept = self._record(beacon, at, now)
        except Exception:
            log.warning("nexus-sre: recording a browser error failed", exc_info=True)
            return Answer(500, "recording failed")
        if not kept:
            self.dropped += 1
            return Answer(422, "beacon.timestamp: outside the store's horizon; not recorded")
        return Answer(204)

    def _record(self, beacon: ErrorBeacon, at: float | None, now: float) -> bool:
        if self.service is not None:
            return bool(
                self.target.record_browser_error(
                    self.service, beacon.message, beacon.component, beacon.url, timestamp=at
                )
            )
        return record_error(self.target, timestamp=at)

    def _drop(self, beacon: ErrorBeacon, now: float) -> None:
        self.dropped += 1
        if self.service is not None:
            self.target.browser_digest.add(
                self.service, beacon.message, beacon.component, beacon.url, now, recorded=False
            )


def error_intake_route(target: Any, path: str = "/errors", **options: Any) -> Any:
    """A Starlette `Route` (POST) for `BrowserErrorIntake(target, **options)`:

        error_intake_route(store, "/errors", service="web-frontend")

    `client_key(request) -> str` (an option) replaces the client address as the per-client
    rate limit's key."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    client_key: Callable[[Any], str] | None = options.pop("client_key", None)
    core = BrowserErrorIntake(target, **options)
    limit = core.max_bytes

    def answer(a: Answer) -> Response:
        if a.status == 204:
            return Response(status_code=204)
        return JSONResponse({"error": a.error}, status_code=a.status)

    async def intake(request: Request) -> Response:
        request.scope[SKIP_RECORDING] = True
        key = client_key(request) if client_key else (request.client or ("unknown",))[0]
        refused = core.admit(key)
        if refused is not None:
            return answer(refused)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return answer(Answer(413, f"over {limit} bytes"))
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return answer(Answer(413, f"over {limit} bytes"))
        h = request.headers
        req = BeaconRequest(
            bytes(body),
            key,
            h.get("content-type"),
            h.get("origin"),
            h.get("referer"),
            h.get("host"),
        )
        return answer(core.handle(req))

    route = Route(path, intake, methods=["POST"])
    route.intake = core  # type: ignore[attr-defined]  # for tests and /metrics
    return route


def error_intake_wsgi(target: Any, **options: Any) -> Callable[..., Any]:
    """A WSGI app for `BrowserErrorIntake(target, **options)`; mount it on a POST route
    (e.g. with werkzeug's `DispatcherMiddleware`, or call it from a Flask view)."""
    core = BrowserErrorIntake(target, **options)
    reasons = {204: "No Content", 403: "Forbidden", 405: "Method Not Allowed"}
    reasons |= {413: "Content Too Large", 415: "Unsupported Media Type"}
    reasons |= {422: "Unprocessable Content", 429: "Too Many Requests", 500: "Error"}

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        import json

        environ[SKIP_RECORDING] = True
        a = core.admit(environ.get("REMOTE_ADDR") or "unknown")
        if a is None and environ.get("REQUEST_METHOD") != "POST":
            a = Answer(405, "POST only")
        if a is None:
            length = environ.get("CONTENT_LENGTH") or "0"
            n = int(length) if length.isdigit() else 0
            if n > core.max_bytes:
                a = Answer(413, f"over {core.max_bytes} bytes")
            else:
                body = environ["wsgi.input"].read(n) if n else b""
                a = core.handle(
                    BeaconRequest(
                        body,
                        environ.get("REMOTE_ADDR") or "unknown",
                        environ.get("CONTENT_TYPE"),
                        environ.get("HTTP_ORIGIN"),
                        environ.get("HTTP_REFERER"),
                        environ.get("HTTP_HOST"),
                    )
                )
        if a.status == 204:
            start_response("204 No Content", [])
            return []
        out = json.dumps({"error": a.error}).encode()
        start_response(
            f"{a.status} {reasons.get(a.status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(out)))],
        )
        return [out]

    app.intake = core  # type: ignore[attr-defined]
    return app
