"""Parsing single config values (windows, targets, thresholds) with messages a user can act on.

Shared by the file-format models (spec.py) and the cross-field checks (checks.py). Every
parser raises `ValueProblem(message, sub_path)`; `sub_path` locates the problem inside the
value (e.g. a bad `timezone` inside a calendar window).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..common.durations import parse_duration
from ..common.figures import fmt_number, to_decimal
from ..common.status_codes import FORMS, CodeRanges, code_range
from ..errors import InvalidInputError, WindowError
from .model import CALENDAR_SECONDS, TimeWindow


class ValueProblem(ValueError):
    def __init__(self, message: str, sub: tuple[str | int, ...] = ()):
        super().__init__(message)
        self.message = message
        self.sub = sub


def describe(value: Any) -> str:
    """How a value reads in a message: "the string '99.9'", "the number 0.999", "a list"."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, Decimal) and value.is_finite():
        return f"the number {value:f}"  # as written: 1.0 stays 1.0
    if isinstance(value, int | float | Decimal):
        return f"the number {fmt_number(value) if _finite(value) else value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _finite(value: int | float | Decimal) -> bool:
    return Decimal(value).is_finite() if not isinstance(value, float) else value == value


def one_of(options: Iterable[str]) -> str:
    opts = [str(o) for o in options]
    return opts[0] if len(opts) == 1 else ", ".join(opts[:-1]) + " or " + opts[-1]


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """' (did you mean 'latency'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def choice(value: Any, what: str, options: Iterable[str]) -> str:
    opts = list(options)
    if not isinstance(value, str):
        raise ValueProblem(f"expected {what} ({one_of(opts)}), got {describe(value)}")
    if value not in opts:
        lowered = value.lower()
        hint = f"; did you mean {lowered!r}?" if lowered in opts else did_you_mean(value, opts)
        raise ValueProblem(f"unknown {what} {value!r}; expected {one_of(opts)}{hint}")
    return value


def number(value: Any, what: str = "a number") -> Decimal:
    """An exact Decimal from a YAML number; strings and booleans are type errors."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        quoted = isinstance(value, str) and _looks_numeric(value)
        hint = " (remove the quotes)" if quoted else ""
        raise ValueProblem(f"expected {what}, got {describe(value)}{hint}")
    if isinstance(value, float | Decimal) and not _finite(value):
        raise ValueProblem(f"expected {what}, got {value}")
    return to_decimal(value)


def _looks_numeric(text: str) -> bool:
    return re.fullmatch(r"\s*-?\d+(\.\d+)?\s*%?\s*", text) is not None


def target(value: Any) -> Decimal:
    """An SLO target in percent, strictly between 0 and 100."""
    t = number(value, "a target in percent such as 99.9")
    if t <= 0 or t >= 100:
        extra = " (100 would leave no error budget)" if t == 100 else ""
        raise ValueProblem(
            f"target must be between 0 and 100 (exclusive), got {fmt_number(t)}{extra}"
        )
    if t < 1:
        raise ValueProblem(
            f"target {fmt_number(t)} looks like a fraction, but targets are percentages; "
            f"did you mean {fmt_number(t * 100)}?"
        )
    return t


def duration(value: Any, name: str = "window") -> int:
    """Whole seconds from "5m", "1h", "30d", "4w" or an integer number of seconds."""
    if isinstance(value, Decimal):
        value = float(value)
    try:
        return parse_duration(value, name=name)
    except WindowError as exc:
        raise ValueProblem(str(exc).removeprefix(f"{name}: ")) from None


def time_window(value: Any) -> TimeWindow:
    """A rolling window ("30d") or a calendar one ({calendar: month, timezone: Europe/Berlin})."""
    if not isinstance(value, dict):
        if isinstance(value, str) and value.strip().lower() in CALENDAR_SECONDS:
            unit = value.strip().lower()
            raise ValueProblem(
                f"{value!r} is not a duration; for a calendar window write "
                f"{{calendar: {unit}, timezone: UTC}}"
            )
        return TimeWindow.rolling(duration(value, "timeWindow"))
    for key in value:
        if key not in ("calendar", "timezone"):
            hint = did_you_mean(key, ["calendar", "timezone"])
            raise ValueProblem(
                f"unknown key {key!r} in a calendar window; expected calendar, timezone{hint}",
                (key,),
            )
    if "calendar" not in value:
        raise ValueProblem("a calendar window needs 'calendar: month' or 'calendar: week'")
    try:
        unit = choice(value["calendar"], "calendar period", list(CALENDAR_SECONDS))
    except ValueProblem as exc:
        raise ValueProblem(exc.message, ("calendar",)) from None
    zone = value.get("timezone", "UTC")
    if not isinstance(zone, str) or not zone:
        raise ValueProblem(f"expected an IANA time zone name, got {describe(zone)}", ("timezone",))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueProblem(
            f"unknown time zone {zone!r}; use an IANA name such as 'UTC' or 'Europe/Berlin'",
            ("timezone",),
        ) from None
    return TimeWindow.calendar_aligned(unit, zone)  # type: ignore[arg-type]


_LATENCY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")


def latency_ms(value: Any) -> float:
    """A latency threshold in milliseconds from "300ms", "0.3s" or a bare number of ms."""
    if isinstance(value, str):
        m = _LATENCY.match(value)
        if not m:
            raise ValueProblem(
                f"{value!r} is not a latency; write a number with ms or s, e.g. '300ms' or '0.3s'"
            )
        ms = Decimal(m.group(1)) * (1000 if m.group(2) == "s" else 1)
    else:
        ms = number(value, "a latency such as '300ms' or '0.3s'")
    if ms <= 0:
        raise ValueProblem(f"latency threshold must be positive, got {value}")
    return float(ms)


def failure_codes(value: Any) -> CodeRanges:
    """Status codes counted as failures: one item or a list of them, each a code (429), a
    range ("500-599"), a class ("5xx") or several of these joined by commas ("5xx,429")."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueProblem(f"needs at least one item: {FORMS}")
    out: list[tuple[int, int]] = []
    for i, item in enumerate(items):
        sub = (i,) if isinstance(value, list) else ()
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise ValueProblem(f"expected {FORMS}, got {describe(item)}", sub)
        parts = item.split(",") if isinstance(item, str) else [item]
        try:
            out.extend(code_range(part) for part in parts)
        except InvalidInputError as exc:
            raise ValueProblem(str(exc), sub) from None
    return tuple(out)
