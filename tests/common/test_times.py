"""One parser and one formatter of times (`nexus_sre.common.times`), used by the manager,
the backfill, the browser-error intake and every output."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta, timezone

import pytest

from nexus_sre import _core
from nexus_sre.backfill.options import whole_seconds as backfill_epoch
from nexus_sre.cli.common import parse_time
from nexus_sre.common.times import VALID_FROM, VALID_TO, align, epoch, iso, parse_iso, valid_years
from nexus_sre.errors import InvalidInputError
from nexus_sre.middleware.beacon import parse_beacon

JAN1 = 1_767_225_600  # 2026-01-01T00:00:00Z, worked out: 56 years + 14 leap days


def test_every_spelling_is_the_same_instant() -> None:
    plus2 = timezone(timedelta(hours=2))
    for value in (
        "2026-01-01T00:00:00Z",
        "2026-01-01T02:00:00+02:00",
        "2026-01-01",
        datetime(2026, 1, 1),
        datetime(2026, 1, 1, 2, tzinfo=plus2),
        JAN1,
        float(JAN1),
    ):
        assert epoch(value) == JAN1, value
        assert backfill_epoch(value, "start") == JAN1
    assert iso(JAN1) == iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"


def test_errors_name_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"--start: 'yesterday' is not an ISO 8601"):
        epoch("yesterday", "--start")
    with pytest.raises(InvalidInputError, match=r"beacon\.timestamp: needs a time zone"):
        parse_iso("2026-01-01T00:00:00", "beacon.timestamp", naive_utc=False)
    with pytest.raises(InvalidInputError, match=r"beacon\.timestamp: needs a time zone"):
        parse_beacon(b'{"message": "x", "timestamp": "2026-01-01T00:00:00"}')
    with pytest.raises(InvalidInputError, match="not a finite number"):
        epoch(float("nan"))
    with pytest.raises(InvalidInputError, match="has no timezone"):
        iso(datetime(2026, 1, 1))


def test_the_command_line_reads_times_as_the_library_does() -> None:
    """`report --start` had a parser of its own that refused what `backfill --start` (the
    library's) takes, such as a time with spaces around it from a shell variable."""
    for text in ("2026-01-01", " 2026-01-01T00:00:00Z ", "2026-01-01T02:00:00+02:00"):
        assert parse_time(text) == parse_iso(text), text
        assert parse_time(text).timestamp() == JAN1
    with pytest.raises(argparse.ArgumentTypeError, match=r"^'yesterday' is not an ISO 8601"):
        parse_time("yesterday")


def test_bucket_alignment() -> None:
    t = datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    assert align(t, 60) == datetime(2026, 1, 1, 0, 1, tzinfo=UTC)
    assert align(t, 60, up=True) == datetime(2026, 1, 1, 0, 2, tzinfo=UTC)
    on = datetime(2026, 1, 1, tzinfo=UTC)
    assert align(on, 300) == align(on, 300, up=True) == on
    assert align(datetime(2026, 1, 1, 0, 0, 1), 60, up=True).timestamp() == JAN1 + 60  # naive: UTC


def test_the_valid_time_range_is_the_cores() -> None:
    assert (VALID_FROM, VALID_TO) == _core.VALID_TIME_RANGE == (631152000, 7258118400)
    assert valid_years() == "1990..2200"
