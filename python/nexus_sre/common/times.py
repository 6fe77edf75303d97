"""Points in time, one way: parse datetimes / ISO text / epoch seconds, format ISO 8601 UTC."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from ..errors import InvalidInputError


def parse_iso(text: str, name: str = "time", *, naive_utc: bool = True) -> datetime:
    """An aware datetime from ISO 8601 text ("Z" accepted). Without a zone it is UTC, or an
    error when `naive_utc` is False. InvalidInputError names `name`."""
    try:
        t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInputError(
            f"{name}: {text[:40]!r} is not an ISO 8601 time such as 2026-11-01 or "
            "2026-11-01T12:00:00Z"
        ) from None
    if t.tzinfo is None:
        if not naive_utc:
            raise InvalidInputError(f"{name}: needs a time zone (e.g. a trailing Z)")
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
    return datetime.fromtimestamp(seconds, UTC)


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
