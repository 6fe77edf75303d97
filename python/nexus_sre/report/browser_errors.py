"""The report's browser errors: per service, the most counted messages of the embedded
store's browser error digest that were seen in the report's period (docs/report.md).

Pure: takes digest entries (anything with the fields of `embedded.digest.BrowserError`),
returns JSON-ready dicts. The texts come from browsers and are kept as they are here;
every renderer escapes them for its format.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..common.times import iso

#: Messages shown per service, most counted first.
BROWSER_ERRORS_SHOWN = 10


def browser_errors_section(
    entries: Iterable[Any],
    period_start: datetime,
    period_end: datetime,
    limit: int = BROWSER_ERRORS_SHOWN,
) -> list[dict[str, Any]]:
    """The `limit` most counted entries seen in [period_start, period_end) (last seen at or
    after the start, first seen before the end), most counted first, then most recent."""
    start, end = period_start.timestamp(), period_end.timestamp()
    seen = [e for e in entries if e.last_seen >= start and e.first_seen < end]
    seen.sort(key=lambda e: (-e.count, -e.last_seen, e.message))
    return [
        {
            "message": e.message,
            "component": e.component,
            "url": e.url,
            "count": e.count,
            "firstSeen": iso(e.first_seen),
            "lastSeen": iso(e.last_seen),
        }
        for e in seen[:limit]
    ]
