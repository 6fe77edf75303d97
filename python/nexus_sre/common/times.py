"""Points in time, one way: parse datetimes / ISO text / epoch seconds, format ISO 8601 UTC,
align to buckets, and the valid time range (the Rust core's)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from .. import _core
from ..errors import InvalidInputError

# Times outside 1990..2200 are bad data (almost always a unit mix-up): request and bucket
# times, beacons. The range is the Rust core's (clock::VALID_TIME_RANGE), [from, to).
VALID_FROM, VALID_TO = _core.VALID_TIME_RANGE


def valid_years() -> str:
    """The valid range as a reader writes it: "1990..2200"."""
    return f"{from_epoch(VALID_FROM).year}..{from_epoch(VALID_TO).year}"


def parse_iso(text: str, name: str = "time", *, naive_utc: bool = True) -> datetime:
    """An aware datetime from ISO 8601 text ("Z" accepted). Without a zone it is UTC, or an
    error when `naive_utc` is False. InvalidInputError names `name` (when given)."""
    prefix = f"{name}: " if name else ""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"{prefix}{text[:40]!r} is not an ISO 8601 time such as 2026-11-01 or "
            "2026-11-01T12:00:00Z"
        ) from None
    if t.tzinfo is None:
        if not naive_utc:
            raise InvalidInputError(f"{prefix}needs a time zone (e.g. a trailing Z)")
        t = t.replace(tzinfo=UTC)
    return t


def aware(t: datetime) -> datetime:
    """`t` with UTC attached when it has no zone (naive datetimes are UTC throughout)."""
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def epoch(value: datetime | str | float | int, name: str = "time") -> float:
    """Epoch seconds from a datetime (naive = UTC), ISO 8601 text or a number."""
    if isinstance(value, str):
        value = parse_iso(value, name)
    if isinstance(value, datetime):
        return aware(value).timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(f"{name}: expected a datetime, ISO text or epoch seconds")
    if not math.isfinite(value):
        raise InvalidInputError(f"{name}: not a finite number: {value!r}")
    return float(value)


def from_epoch(seconds: float) -> datetime:
    """The aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(seconds, UTC)


def align(t: datetime, bucket_seconds: int, *, up: bool = False) -> datetime:
    """`t` on a bucket boundary (a multiple of `bucket_seconds` since the epoch): the one at
    or before it, or with `up` the one at or after it. Naive datetimes are UTC."""
    ts = aware(t).timestamp()
    k = -(-ts // bucket_seconds) if up else ts // bucket_seconds
    return from_epoch(k * bucket_seconds)


def iso(ts: datetime | float | int) -> str:
    """RFC 3339 in UTC with a `Z`, whole seconds: the one timestamp spelling of outputs.
    A naive datetime is refused (it is ambiguous in output)."""
    if not isinstance(ts, datetime):
        try:
            ts = from_epoch(ts)
        except (ValueError, OverflowError, OSError):
            return f"{ts} s since the epoch"
    if ts.tzinfo is None:
        raise InvalidInputError(f"timestamp {ts!r} has no timezone; pass an aware datetime")
    return ts.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def minute_text(ts: datetime | float) -> str:
    """A UTC time to the minute for people (chart axes, captions): "2026-11-01 12:00"."""
    t = ts if isinstance(ts, datetime) else from_epoch(ts)
    return aware(t).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
