"""One parser and one formatter of times (`nexus_sre.common.times`), used by the manager,
the backfill, the browser-error intake and every output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from nexus_sre.backfill.engine import _epoch as backfill_epoch
from nexus_sre.common.times import epoch, iso, parse_iso
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
