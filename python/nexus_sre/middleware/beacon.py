"""Browser error beacons: parsing and validating one (bounded in size, depth and time),
the intake's rate limits, and recording one as a failure of availability SLOs. Pure; the
HTTP shells are in `intake.py`."""

from __future__ import annotations

import json
import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..common.times import VALID_FROM, VALID_TO, parse_iso, valid_years
from ..errors import InvalidInputError

log = logging.getLogger("nexus_sre.middleware")

MAX_BEACON_BYTES = 16 * 1024
#: Deepest JSON nesting accepted: a beacon is a flat object (a little room for extras).
MAX_BEACON_DEPTH = 8
#: Longest accepted text per field (characters).
FIELD_LIMITS = {"message": 2000, "stack": 12000, "component": 200, "url": 2000}


@dataclass(frozen=True)
class ErrorBeacon:
    message: str
    stack: str | None
    component: str | None
    url: str | None
    timestamp: float | None  # seconds since the epoch, as the client said


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body`, found by one linear scan that
    skips strings (so no recursion, whatever the input). Not a validator: text that is
    not JSON gets some number, and the JSON parser rejects it afterwards."""
    if body.count(b"[") + body.count(b"{") <= 1:
        return 1  # the common case: one flat object
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def parse_beacon(
    body: bytes, *, max_bytes: int = MAX_BEACON_BYTES, max_depth: int = MAX_BEACON_DEPTH
) -> ErrorBeacon:
    """Validate one beacon; `InvalidInputError` names what is wrong (and nothing else is
    raised: size and nesting are checked before the JSON parser, which recurses)."""
    if len(body) > max_bytes:
        raise InvalidInputError(f"beacon: {len(body)} bytes is over the {max_bytes}-byte limit")
    depth = json_depth(body)
    if depth > max_depth:
        raise InvalidInputError(f"beacon: JSON nested {depth} levels deep, over {max_depth}")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
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
        try:
            seconds = v / 1000.0 if v > 1e11 else float(v)
        except OverflowError:  # an integer too large for a float
            raise InvalidInputError("beacon.timestamp: out of range") from None
    elif isinstance(v, str):
        seconds = parse_iso(v, "beacon.timestamp", naive_utc=False).timestamp()
    else:
        raise InvalidInputError("beacon.timestamp: expected a number or ISO 8601 string")
    if not (math.isfinite(seconds) and VALID_FROM <= seconds < VALID_TO):
        raise InvalidInputError(f"beacon.timestamp: {v!r} is outside {valid_years()}")
    return seconds


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


class IntakeLimits:
    """The intake's rate limits: per client (`rate`/s, bursts of `burst`) and, on top, for
    the whole intake (`total_rate`/s, bursts of `total_burst`), so that clients who each
    look new (spoofed `X-Forwarded-For` behind a trusted proxy, or more clients than the
    per-client table keeps) still cannot record more than the total."""

    def __init__(
        self,
        rate: float,
        burst: float,
        total_rate: float,
        total_burst: float,
        *,
        max_clients: int = 10_000,
    ) -> None:
        self.per_client = TokenBucket(rate, burst, max_clients=max_clients)
        self.total = TokenBucket(total_rate, total_burst, max_clients=1)

    def take(self, client: str, now: float) -> str | None:
        """None when allowed, else which limit refused (the global one is only spent by
        beacons the per-client one let through)."""
        if not self.per_client.take(client, now):
            return "per-client"
        if not self.total.take("", now):
            return "total"
        return None


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
