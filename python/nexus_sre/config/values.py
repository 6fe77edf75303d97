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

from ..common.durations import format_duration, parse_duration
from ..common.figures import fmt_number, to_decimal
from ..common.status_codes import FORMS, CodeRanges, code_range
from ..errors import InvalidInputError, WindowError
from .model import CALENDAR_SECONDS, TimeWindow

# The longest window or duration a config may give: a leap year, the longest history a
# counter of the core keeps (its horizon limit, 31,622,400 s).
MAX_SECONDS = 366 * 86400
MIN_WINDOW = 60  # one bucket: an SLO window shorter than this has no complete bucket
# The tightest target: a budget of 0.000001 % (100 - target), still exact as a float.
MIN_BUDGET_PERCENT = Decimal("0.000001")
MAX_FACTOR = Decimal(1_000_000)  # a burn rate beyond the tightest target's 1/budget
MAX_COUNT = 2**53  # event counts: exact in a float, far inside the core's u64


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
        text = f"{value:f}"  # as written: 1.0 stays 1.0
        return f"the number {text if len(text) <= 24 else f'{value:.3e}'}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**24:
        return f"the number {value:.3e}"
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
    if Decimal(100) - t < MIN_BUDGET_PERCENT:
        raise ValueProblem(
            f"target {fmt_number(t)} leaves an error budget under {MIN_BUDGET_PERCENT:f} %; "
            "the tightest supported target is 99.999999"
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
    if isinstance(value, int | float) and not isinstance(value, bool) and value > MAX_SECONDS:
        raise ValueProblem(_too_long(f"{value:g} s" if isinstance(value, float) else f"{value} s"))
    if isinstance(value, str) and len(value) > 64:
        raise ValueProblem(f"{describe(value)} is not a duration such as '5m' or '30d'")
    try:
        seconds = parse_duration(value, name=name)
    except WindowError as exc:
        raise ValueProblem(str(exc).removeprefix(f"{name}: ")) from None
    if seconds > MAX_SECONDS:
        raise ValueProblem(_too_long(repr(value)))
    return seconds


def _too_long(given: str) -> str:
    return f"{given} is longer than the longest supported duration, 366d"


def time_window(value: Any) -> TimeWindow:
    """A rolling window ("30d") or a calendar one ({calendar: month, timezone: Europe/Berlin})."""
    if not isinstance(value, dict):
        if isinstance(value, str) and value.strip().lower() in CALENDAR_SECONDS:
            unit = value.strip().lower()
            raise ValueProblem(
                f"{value!r} is not a duration; for a calendar window write "
                f"{{calendar: {unit}, timezone: UTC}}"
            )
        seconds = duration(value, "timeWindow")
        if seconds < MIN_WINDOW:
            raise ValueProblem(
                f"a time window of {format_duration(seconds)} is shorter than one bucket (1m); "
                "SLO windows are minutes to days, e.g. '30d'"
            )
        return TimeWindow.rolling(seconds)
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
    if ms > MAX_SECONDS * 1000:
        raise ValueProblem(f"latency threshold {value} is longer than 366d")
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


def http_url(value: Any) -> str:
    """An absolute http(s) URL. Runbook links end up in rule annotations, alerts and reports,
    where `javascript:` or `data:` would run in whoever clicks them."""
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        raise ValueProblem(f"expected an http(s) URL, got {describe(value)}")
    shown = describe(value).removeprefix("the string ")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueProblem(f"{shown} is not a URL: it holds spaces or control characters")
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueProblem(
            f"{shown} is not an http(s) URL; write https://host/path (other schemes such as "
            "javascript: or data: are refused: the link lands in alerts and reports)"
        )
    return value
