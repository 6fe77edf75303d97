"""Status codes that count as failures: a class "5xx", a range "500-599", a code "429".

One parser for the command line (`--failure-codes 5xx,429`) and the config file
(`backfill.columns.failureCodes`), so both accept exactly the same spellings.
"""

from __future__ import annotations

import re

from ..errors import InvalidInputError

CodeRanges = tuple[tuple[int, int], ...]  # inclusive (first, last) pairs

FORMS = "a code such as 429, a range such as 500-599, or a class such as 5xx"
_RANGE = re.compile(r"^(\d{3})(?:\s*-\s*(\d{3}))?$")
_CLASS = re.compile(r"^[1-5]xx$")


def code_range(item: str | int) -> tuple[int, int]:
    """'5xx' -> (500, 599), '500-504' -> (500, 504), '429' or 429 -> (429, 429)."""
    if isinstance(item, str):
        item = item.strip()
    part = str(item).lower()
    if _CLASS.match(part):
        base = int(part[0]) * 100
        return base, base + 99
    m = _RANGE.match(part)
    if not m:
        raise InvalidInputError(f"{item!r} is not {FORMS}")
    lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
    if lo > hi:
        raise InvalidInputError(f"{item!r} is an empty range: {lo} is above {hi}")
    return lo, hi


def parse_failure_codes(text: str) -> CodeRanges:
    """'500-599,429' -> ((500, 599), (429, 429)); '5xx' is 500-599."""
    try:
        return tuple(code_range(part) for part in text.split(","))
    except InvalidInputError as exc:
        raise InvalidInputError(f"failure codes: {exc}") from None
