"""Prometheus-style durations: "30s", "5m", "1h", "6h", "30d", "4w", and compounds like "1h30m"."""

from __future__ import annotations

import re

from ..errors import WindowError

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_WHOLE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")


def parse_duration(text: str | int | float, *, name: str = "duration") -> int:
    """Parse a duration into whole seconds. `name` is used in the error message.

    Integers are taken as seconds. Sub-second remainders are rejected: windows are whole seconds.
    """
    if isinstance(text, bool):
        raise WindowError(f"{name}: expected a duration such as '5m' or '30d', got {text!r}")
    if isinstance(text, int | float):
        if text <= 0 or int(text) != text:
            raise WindowError(f"{name}: must be a positive whole number of seconds, got {text!r}")
        return int(text)
    if not isinstance(text, str):
        raise WindowError(f"{name}: expected a duration such as '5m' or '30d', got {text!r}")
    s = text.strip()
    if not _WHOLE.match(s):
        raise WindowError(
            f"{name}: {text!r} is not a duration; use a number and a unit "
            "(ms, s, m, h, d, w, y), e.g. '5m', '1h', '30d'"
        )
    total = 0.0
    for value, unit in _PART.findall(s):
        total += int(value) * _UNITS[unit]
    if total <= 0:
        raise WindowError(f"{name}: must be positive, got {text!r}")
    if total != int(total):
        raise WindowError(f"{name}: {text!r} is not a whole number of seconds")
    return int(total)


def format_duration(seconds: int) -> str:
    """The shortest Prometheus spelling of whole seconds: 3600 -> "1h", 5400 -> "90m"."""
    if seconds <= 0:
        raise WindowError(f"duration: must be positive, got {seconds}")
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
