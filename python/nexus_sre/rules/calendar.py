"""PromQL for calendar windows: which month or week of the SLO's time zone an instant is in,
and how long that month or week really is, as expressions of `time()`.

PromQL's date functions (`month()`, `days_in_month()`, `day_of_week()`) work in UTC and
range selectors take fixed durations, so a calendar window is built from two facts:

* A period (month or ISO week) starts at local midnight, i.e. at the UTC instant
  `C - off`, where C is that midnight read as UTC and `off` the zone's UTC offset then.
  Where every period starts at the same offset (UTC, Asia/Kolkata), the period of an
  instant `u` is the UTC-calendar period of `u + off`. Where periods start at one of two
  offsets LO < HI (zones with summer time), it is the UTC-calendar period of `u + HI` if
  that period starts at HI, else that of `u + LO` (either is right away from a boundary;
  within HI - LO before one, the boundary's own offset decides). Which periods start at HI
  is read from the zone's rules for 28 years (every weekday and leap-year pattern) and
  must be the same every year, as it is for rules like "last Sunday of March".
* The length of a period is its days times 86,400 plus the difference between its start's
  and the next start's offsets (-3,600 for a Berlin March), again a function of the period
  (of its month, or of its Monday's date).

`CalendarPromQL.shifted()` is that instant-vector `u + off`; the rest derives from it.
"""

from __future__ import annotations

import calendar as _calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from ..common.figures import fmt_number
from ..config.model import TimeWindow
from ..errors import InvalidInputError

#: Years whose period starts are read from the zone's rules (28: every calendar pattern).
YEARS = range(2026, 2054)
WEEK = 7 * 86400
EPOCH_MONDAY = -3 * 86400  # 1969-12-29, a Monday: week indices from then are >= 0
#: Periods told apart by their index modulo this: a period and the two before it differ,
#: and any period three back ended more than a month (three weeks) earlier.
CLASSES = 3


@dataclass(frozen=True)
class _Start:
    key: tuple[int, int]  # (month, day) of the local start date
    offset: int  # seconds east of UTC at the start
    length: int  # seconds until the next start
    base: int  # its length without offset changes: days x 86,400


def _starts(tw: TimeWindow) -> list[_Start]:
    """Every period start in YEARS, with its offset and real length (`TimeWindow.bounds`,
    the reports' definition)."""
    out = []
    if tw.calendar == "month":
        probes: Iterable[datetime] = (
            datetime(y, m, 15, tzinfo=UTC) for y in YEARS for m in range(1, 13)
        )
    else:
        first = datetime(YEARS.start, 1, 4, 12, tzinfo=UTC)
        probes = (first + timedelta(weeks=k) for k in range(52 * len(YEARS)))
    for probe in probes:
        start, end = tw.bounds(probe)
        utc = start.astimezone(UTC)
        offset = int((start.replace(tzinfo=None) - utc.replace(tzinfo=None)).total_seconds())
        length = int((end.astimezone(UTC) - utc).total_seconds())
        days = _calendar.monthrange(start.year, start.month)[1] if tw.calendar == "month" else 7
        out.append(_Start((start.month, start.day), offset, length, days * 86400))
    return out


def _consistent(pairs: Iterable[tuple[tuple[int, int], int]], what: str, tw: TimeWindow) -> dict:
    seen: dict[tuple[int, int], set[int]] = defaultdict(set)
    for key, value in pairs:
        seen[key].add(value)
    unstable = sorted(k for k, v in seen.items() if len(v) > 1)
    if unstable:
        m, d = unstable[0]
        raise InvalidInputError(
            f"timeWindow: the {what} of a calendar {tw.calendar} starting on {m:02d}-{d:02d} "
            f"in {tw.timezone} changes from year to year; Prometheus rules cannot follow "
            "it: use UTC (or a zone without such changes) for this SLO's window"
        )
    return {k: next(iter(v)) for k, v in seen.items()}


def _vector_time(offset: int) -> str:
    if offset == 0:
        return "vector(time())"
    sign = "+" if offset > 0 else "-"
    return f"vector(time() {sign} {abs(offset)})"


def _runs(values: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted values as (first, last) runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for v in sorted(set(values)):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _in_runs(expr: str, runs: list[tuple[int, int]]) -> list[str]:
    return [f"({expr} == {a})" if a == b else f"({expr} >= {a} and {expr} <= {b})" for a, b in runs]


class CalendarPromQL:
    """PromQL for one calendar `TimeWindow` (see the module's docstring)."""

    def __init__(self, tw: TimeWindow):
        if tw.calendar is None:
            raise ValueError("CalendarPromQL: a rolling window")
        self.tw = tw
        starts = _starts(tw)
        offsets = _consistent(((s.key, s.offset) for s in starts), "UTC offset", tw)
        corrections = _consistent(((s.key, s.length - s.base) for s in starts), "length", tw)
        distinct = sorted(set(offsets.values()))
        if len(distinct) > 2:
            raise InvalidInputError(
                f"timeWindow: calendar {tw.calendar}s in {tw.timezone} start at "
                f"{len(distinct)} different UTC offsets; Prometheus rules follow at most two"
            )
        self.lo, self.hi = distinct[0], distinct[-1]
        self.hi_starts = sorted(k for k, v in offsets.items() if v == self.hi)
        self.corrections = {k: v for k, v in corrections.items() if v}
        self.lengths = sorted({s.length for s in starts})
        self._days = defaultdict(set)  # month -> days on which periods start
        for st in starts:
            self._days[st.key[0]].add(st.key[1])

    # -- the shifted instant ------------------------------------------------------------

    def _start_date(self, x: str) -> tuple[str, str]:
        """(month, day of month) of the start of x's UTC-calendar period."""
        if self.tw.calendar == "month":
            return f"month({x})", "1"
        monday = f"({x} - ((day_of_week({x}) + 6) % 7) * 86400 - {x} % 86400)"
        return f"month({monday})", f"day_of_month({monday})"

    def _date_condition(self, x: str, keys: list[tuple[int, int]]) -> str:
        """A filter on instant vector x, non-empty when x's UTC-calendar period starts on
        one of `keys` (month, day)."""
        month, day = self._start_date(x)
        by_month: dict[int, set[int]] = defaultdict(set)
        for m, d in keys:
            by_month[m].add(d)
        whole = [m for m, days in by_month.items() if days == self._days[m]]
        parts = _in_runs(month, _runs(whole))
        for m in sorted(set(by_month) - set(whole)):
            possible = self._days[m]
            for a, b in _runs(by_month[m]):
                bounds = [f"{day} >= {a}"] if a > min(possible) else []
                bounds += [f"{day} <= {b}"] if b < max(possible) else []
                parts.append(f"({month} == {m} and {' and '.join(bounds)})")
        return " or ".join(parts) if parts else "vector(1) < 0"

    def shifted(self) -> str:
        """An instant vector (no labels): `time()` shifted so that its UTC-calendar month
        or week is the SLO's current one in its zone."""
        lo = _vector_time(self.lo)
        if self.lo == self.hi:
            return lo
        hi = _vector_time(self.hi)
        return f"({hi} and on() ({self._date_condition(hi, self.hi_starts)}))\nor {lo}"

    # -- what derives from it (t: an instant vector holding `shifted()`) ----------------

    def period_class(self, t: str) -> str:
        """The current period's index modulo CLASSES (0, 1 or 2): consecutive periods
        differ, and one three periods back has long ended."""
        if self.tw.calendar == "month":
            return f"month({t}) % {CLASSES}"
        return f"floor(({t} + {-EPOCH_MONDAY}) / {WEEK}) % {CLASSES}"

    def class_vector(self, t: str) -> str:
        """t's sample with value 1, labelled `period_class` with the current class."""
        cls = self.period_class(t)
        return "\nor ".join(
            f'(label_replace({cls}, "period_class", "{k}", "", "") == {k}) * 0 + 1'
            for k in range(CLASSES)
        )

    def length_seconds(self, t: str) -> str:
        """The current period's real length in seconds (an instant vector)."""
        base = f"days_in_month({t}) * 86400" if self.tw.calendar == "month" else f"{t} * 0 + {WEEK}"
        if not self.corrections:
            return base
        by_value: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for key, value in self.corrections.items():
            by_value[value].append(key)
        terms = [
            f"({t} * 0 {'-' if value < 0 else '+'} {abs(value)} and on() "
            f"({self._date_condition(t, keys)}))"
            for value, keys in sorted(by_value.items())
        ]
        return f"{base}\n+ on() ({' or '.join(terms)} or {t} * 0)"

    @property
    def range(self) -> str:
        """A range that holds the longest period: every slice of the current one."""
        hours = self.range_seconds // 3600
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"

    @property
    def range_seconds(self) -> int:
        return -(-max(self.lengths) // 3600) * 3600

    def lengths_text(self) -> str:
        """The shortest and longest period, for annotations: "28 to 31 days"."""
        lo, hi = self.lengths[0], self.lengths[-1]
        unit, size = ("days", 86400) if self.tw.calendar == "month" else ("hours", 3600)
        a, b = fmt_number(Decimal(lo) / size), fmt_number(Decimal(hi) / size)
        return f"{a} {unit}" if lo == hi else f"{a} to {b} {unit}"


@lru_cache(maxsize=256)
def calendar_promql(tw: TimeWindow) -> CalendarPromQL:
    """`CalendarPromQL(tw)`, once per window (SLOs share few windows; each reads 28 years)."""
    return CalendarPromQL(tw)
