"""The PromQL of calendar windows (`rules/calendar.py`) on a real Prometheus, at instants
around every kind of boundary, against Python's zoneinfo (`TimeWindow.bounds`, the reports'
definition): which month or week an instant is in, and how long that period really is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from nexus_sre.config.model import TimeWindow
from nexus_sre.errors import InvalidInputError
from nexus_sre.rules.calendar import CLASSES, EPOCH_MONDAY, WEEK, CalendarPromQL

pytestmark = pytest.mark.prometheus

ZONES = [
    "UTC",
    "Europe/Berlin",  # summer time from the last Sunday of March to that of October
    "America/New_York",  # second Sunday of March to first Sunday of November
    "Asia/Kolkata",  # +05:30 all year
    "Australia/Lord_Howe",  # a 30-minute shift, in the southern summer
    "America/Santiago",  # southern hemisphere, changes at midnight on Saturdays
]


def _expected(tw: TimeWindow, at: datetime) -> tuple[int, int]:
    """(period class, real length) of the period holding `at`, from zoneinfo."""
    start, end = tw.bounds(at)
    length = int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())
    if tw.calendar == "month":
        return start.month % CLASSES, length
    naive = start.replace(tzinfo=None).replace(tzinfo=UTC).timestamp()  # local midnight as UTC
    return int((naive - EPOCH_MONDAY) // WEEK) % CLASSES, length


STEP = 1800  # every boundary here falls on whole half hours (UTC offsets of whole half hours)
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def _range(
    client: httpx.Client, url: str, expr: str, start: float, end: float, step: int = STEP
) -> list[dict]:
    params = {"query": expr, "start": start, "end": end, "step": step}
    r = client.get(f"{url}/api/v1/query_range", params=params)
    assert r.status_code == 200, r.text
    return r.json()["data"]["result"]


def _boundaries(tw: TimeWindow) -> list[datetime]:
    out, at = [], YEAR[0]
    while at < YEAR[1]:
        _, end = tw.bounds(at)
        out.append(end.astimezone(UTC))
        at = end.astimezone(UTC) + timedelta(hours=1)
    return out


@pytest.mark.parametrize("unit", ["month", "week"])
def test_period_of_an_instant_matches_zoneinfo(start_prometheus, unit: str) -> None:
    """`shifted()` names the right period (by its class) from two hours before each
    boundary of 2026 to two hours after it, every half hour (the values change only on
    that grid), and at random instants in between."""
    prom = start_prometheus()
    rng = random.Random(13)
    with httpx.Client(timeout=60) as client:
        for zone in ZONES:
            tw = TimeWindow.calendar_aligned(unit, zone)  # type: ignore[arg-type]
            cal = CalendarPromQL(tw)
            expr = cal.class_vector(f"({cal.shifted()})")
            spans = [(b - timedelta(hours=2), b + timedelta(hours=2)) for b in _boundaries(tw)]
            some = [YEAR[0] + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(20)]
            spans += [(t, t) for t in some]
            for a, b in spans:
                got: dict[float, str] = {}
                for series in _range(client, prom.url, expr, a.timestamp(), b.timestamp()):
                    assert {v for _, v in series["values"]} == {"1"}
                    for ts, _ in series["values"]:
                        assert ts not in got, f"{zone} {unit}: two classes at {ts}"
                        got[ts] = series["metric"]["period_class"]
                assert len(got) == int((b - a).total_seconds()) // STEP + 1
                for ts, cls in got.items():
                    at = datetime.fromtimestamp(ts, UTC)
                    assert cls == str(_expected(tw, at)[0]), f"{zone} {unit} at {at}"


@pytest.mark.parametrize("unit", ["month", "week"])
def test_real_length_matches_zoneinfo(start_prometheus, unit: str) -> None:
    """`length_seconds` of an instant's local wall-clock time (the instant plus the zone's
    offset then, from zoneinfo) is its period's real length, every hour of 2026 (it depends
    on the period only; that `shifted()` finds the period to the minute is tested above)."""
    prom = start_prometheus()
    with httpx.Client(timeout=120) as client:
        for zone in ZONES:
            tw = TimeWindow.calendar_aligned(unit, zone)  # type: ignore[arg-type]
            cal = CalendarPromQL(tw)
            tz = ZoneInfo(zone)
            for offset in sorted({cal.lo, cal.hi}):
                expr = cal.length_seconds(f"vector(time() + {offset})")
                (series,) = _range(
                    client, prom.url, expr, YEAR[0].timestamp(), YEAR[1].timestamp(), step=3600
                )
                values = series["values"]
                checked = 0
                for ts, value in values:
                    at = datetime.fromtimestamp(ts, UTC)
                    if at.astimezone(tz).utcoffset() != timedelta(seconds=offset):
                        continue  # the other offset's query covers this instant
                    checked += 1
                    assert float(value) == _expected(tw, at)[1], f"{zone} {unit} at {at}"
                assert checked > 500


def test_lengths_and_range() -> None:
    berlin = CalendarPromQL(TimeWindow.calendar_aligned("month", "Europe/Berlin"))
    assert berlin.lengths[0] == 28 * 86400 and berlin.lengths[-1] == 31 * 86400 + 3600
    assert berlin.range == "31d1h" and berlin.corrections == {(3, 1): -3600, (10, 1): 3600}
    utc_week = CalendarPromQL(TimeWindow.calendar_aligned("week", "UTC"))
    assert utc_week.range == "7d" and utc_week.lengths_text() == "168 hours"
    assert utc_week.shifted() == "vector(time())"
    kolkata = CalendarPromQL(TimeWindow.calendar_aligned("month", "Asia/Kolkata"))
    assert kolkata.shifted() == "vector(time() + 19800)"
    assert kolkata.lengths_text() == "28 to 31 days"


def test_a_zone_whose_rules_are_not_yearly_is_refused() -> None:
    # Morocco suspends summer time during Ramadan, which moves through the year.
    with pytest.raises(InvalidInputError, match="Casablanca"):
        CalendarPromQL(TimeWindow.calendar_aligned("week", "Africa/Casablanca"))
    with pytest.raises(ValueError, match="rolling"):
        CalendarPromQL(TimeWindow.rolling(86400))
