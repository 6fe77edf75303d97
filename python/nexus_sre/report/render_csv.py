"""CSV: one row per SLO (RFC 4180), for spreadsheets.

Text cells that start with `=`, `+`, `-`, `@`, tab or CR
get a leading `'`, so a spreadsheet never runs them as a formula. Numeric columns are
written by us from numbers and are never guarded, so negative figures (an overspent
budget) stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from ..common.durations import parse_duration
from ..common.figures import fmt_number

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "reportId",
    "periodStart",
    "periodEnd",
    "service",
    "tier",
    "owner",
    "serviceStatus",
    "sloId",
    "sloName",
    "sliType",
    "target",
    "actualValue",
    "targetMet",
    "status",
    "eventsCount",
    "goodEvents",
    "badEvents",
    "budgetTotalMinutes",
    "budgetConsumedMinutes",
    "budgetRemainingMinutes",
    "budgetTotalEvents",
    "budgetConsumedEvents",
    "budgetRemainingEvents",
    "budgetConsumedPercent",
    "budgetRemainingPercent",
    "budgetStatus",
    "timeToExhaustionHours",
]


def guard_text(value: str) -> str:
    """Neutralise spreadsheet formula injection in a text cell."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return fmt_number(value)
    # Every text cell is guarded: our own words never start with a formula character.
    return guard_text(str(value))


def _windows(slos: Iterable[dict[str, Any]]) -> list[str]:
    labels = {w for s in slos for w in s["burnRate"]}

    def seconds(label: str) -> tuple[int, str]:
        try:
            return parse_duration(label), label
        except ValueError:
            return 0, label

    return sorted(labels, key=seconds)


def render_csv(report: dict[str, Any]) -> str:
    meta = report["metadata"]
    slos = [(svc, slo) for svc in report["services"] for slo in svc["slos"]]
    windows = _windows(slo for _, slo in slos)
    header = [*COLUMNS, *(f"burnRate{w}" for w in windows), "alertsFired", "alertNames"]
    # Browser errors are per service, like tier and owner: on each of its SLOs' rows, and
    # only in reports that have them (the embedded source).
    with_browser = any(svc.get("browserErrors") for svc in report["services"])
    if with_browser:
        header += ["browserErrors", "topBrowserError"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for svc, slo in slos:
        b = slo["errorBudget"]
        row: dict[str, Any] = {
            "reportId": meta["reportId"],
            "periodStart": meta["period"]["start"],
            "periodEnd": meta["period"]["end"],
            "service": svc["name"],
            "tier": svc["tier"],
            "owner": svc["owner"],
            "serviceStatus": svc["status"],
            "sloId": slo["id"],
            "sloName": slo["name"],
            "sliType": slo["sliType"],
            "target": slo["target"],
            "actualValue": slo["actualValue"],
            "targetMet": slo["targetMet"],
            "status": slo["status"],
            "eventsCount": slo["eventsCount"],
            "goodEvents": slo["goodEvents"],
            "badEvents": slo["badEvents"],
            "budgetTotalMinutes": b["totalMinutes"],
            "budgetConsumedMinutes": b["consumedMinutes"],
            "budgetRemainingMinutes": b["remainingMinutes"],
            "budgetTotalEvents": b["totalEvents"],
            "budgetConsumedEvents": b["consumedEvents"],
            "budgetRemainingEvents": b["remainingEvents"],
            "budgetConsumedPercent": b["consumedPercent"],
            "budgetRemainingPercent": b["remainingPercent"],
            "budgetStatus": b["status"],
            "timeToExhaustionHours": b["timeToExhaustionHours"],
            "alertsFired": len(slo["alerts"]),
            "alertNames": ";".join(a["name"] for a in slo["alerts"]),
        }
        for w in windows:
            row[f"burnRate{w}"] = slo["burnRate"].get(w)
        if with_browser:
            errors = svc.get("browserErrors") or []
            row["browserErrors"] = sum(b["count"] for b in errors)
            row["topBrowserError"] = errors[0]["message"] if errors else None
        writer.writerow([_cell(row[c]) for c in header])
    return buf.getvalue()
