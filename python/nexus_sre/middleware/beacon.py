"""Browser error intake: JSON beacons from a frontend (a React error boundary's
`componentDidCatch`, `window.onerror`) recorded as failures of the frontend's availability
SLO. Validation and rate limiting are pure; `error_intake_route` is the Starlette shell."""

from __future__ import annotations

import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..common.times import parse_iso
from ..errors import InvalidInputError

log = logging.getLogger("nexus_sre.middleware")

MAX_BEACON_BYTES = 16 * 1024
#: Longest accepted text per field (characters).
FIELD_LIMITS = {"message": 2000, "stack": 12000, "component": 200, "url": 2000}


@dataclass(frozen=True)
class ErrorBeacon:
    message: str
    stack: str | None
    component: str | None
    url: str | None
    timestamp: float | None  # seconds since the epoch


def parse_beacon(body: bytes, *, max_bytes: int = MAX_BEACON_BYTES) -> ErrorBeacon:
    """Validate one beacon; `InvalidInputError` names what is wrong."""
    if len(body) > max_bytes:
        raise InvalidInputError(f"beacon: {len(body)} bytes is over the {max_bytes}-byte limit")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise InvalidInputError(f"beacon: not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"beacon: expected a JSON object, got {type(data).__name__}")
    fields: dict[str, str | None] = {}
    for name, limit in FIELD_LIMITS.items():
        v = data.get(name)
        if v is None:
            fields[name] = None
            continue
        if not isinstance(v, str):
            raise InvalidInputError(f"beacon.{name}: expected a string, got {type(v).__name__}")
        if len(v) > limit:
            raise InvalidInputError(f"beacon.{name}: {len(v)} characters, over {limit}")
        fields[name] = v
    if not fields["message"]:
        raise InvalidInputError("beacon.message: required, a non-empty string")
    ts = _timestamp(data.get("timestamp"))
    return ErrorBeacon(
        fields["message"] or "", fields["stack"], fields["component"], fields["url"], ts
    )


def _timestamp(v: Any) -> float | None:
    """Seconds since the epoch from seconds, milliseconds (Date.now()) or ISO 8601."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise InvalidInputError("beacon.timestamp: expected a number or ISO 8601 string")
    if isinstance(v, int | float):
        if not math.isfinite(v) or v <= 0:
            raise InvalidInputError(f"beacon.timestamp: out of range: {v}")
        return v / 1000.0 if v > 1e11 else float(v)
    if isinstance(v, str):
        return parse_iso(v, "beacon.timestamp", naive_utc=False).timestamp()
    raise InvalidInputError("beacon.timestamp: expected a number or ISO 8601 string")


class TokenBucket:
    """Per-client token buckets: `rate` beacons a second, bursts of `burst`. At most
    `max_clients` buckets are kept (least recently seen evicted), so memory is bounded."""

    def __init__(self, rate: float, burst: float, *, max_clients: int = 10_000) -> None:
        if not (rate > 0 and burst >= 1):
            raise InvalidInputError(
                f"rate limit: need rate > 0 and burst >= 1, got {rate}, {burst}"
            )
        self.rate = float(rate)
        self.burst = float(burst)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str, now: float) -> bool:
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + max(now - last, 0.0) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return allowed


def record_error(target: Any, *, timestamp: float | None = None) -> bool:
    """Record one failed event against availability SLOs. `target` is a `WindowedCounter`
    (one SLO), a list of them (e.g. `store.availability_counters("frontend")`), or a
    `ServiceRecorder` (every SLO of the service; a latency SLO sees a 0 ms event, i.e.
    good, so prefer counters when the service has latency SLOs). With `timestamp`
    (seconds) the event lands in its own bucket. False if any counter dropped it as
    outside its horizon or skew."""
    if isinstance(target, list | tuple):
        if not target:
            raise InvalidInputError("record_error: no counters given")
        return all([record_error(t, timestamp=timestamp) for t in target])
    if hasattr(target, "record_at") and hasattr(target, "__len__"):  # ServiceRecorder
        if timestamp is None:
            target.record(False, 0.0)
            return True
        return bool(target.record_at(False, 0.0, timestamp))
    if hasattr(target, "window") and hasattr(target, "record"):  # WindowedCounter
        return bool(target.record(False, timestamp))
    raise InvalidInputError(
        "record_error: expected a ServiceRecorder or WindowedCounter(s), "
        f"got {type(target).__name__}"
    )


def error_intake_route(
    target: Any,
    path: str = "/errors",
    *,
    max_bytes: int = MAX_BEACON_BYTES,
    rate: float = 5.0,
    burst: float = 20.0,
    client_key: Callable[[Any], str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """A Starlette `Route` (POST) taking error beacons and recording each with
    `record_error(target)`. Answers 204 when recorded, 400/422 for bad beacons, 413 when
    over `max_bytes`, 429 over the per-client rate (`rate`/s, bursts of `burst`)."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    limiter = TokenBucket(rate, burst)

    def key_of(request: Request) -> str:
        if client_key is not None:
            return client_key(request)
        return request.client.host if request.client else "unknown"

    async def intake(request: Request) -> Response:
        if not limiter.take(key_of(request), clock()):
            return JSONResponse({"error": "rate limited"}, status_code=429)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            return JSONResponse({"error": f"over {max_bytes} bytes"}, status_code=413)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                return JSONResponse({"error": f"over {max_bytes} bytes"}, status_code=413)
        try:
            beacon = parse_beacon(bytes(body), max_bytes=max_bytes)
        except InvalidInputError as e:
            return JSONResponse({"error": str(e)}, status_code=422)
        try:
            record_error(target, timestamp=beacon.timestamp)
        except Exception:
            log.warning("nexus-sre: recording a browser error failed", exc_info=True)
        return Response(status_code=204)

    return Route(path, intake, methods=["POST"])
