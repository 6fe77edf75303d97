"""Markdown for pull-request comments: a summary line, a status table, recommendations.

Names from config or data are escaped so they can neither break the table (`|`) nor
inject markup, links or HTML.
"""

from __future__ import annotations

from typing import Any

from ..common.figures import fmt_number
from ..common.markdown import md_escape
from .model import coverage_note
from .status import STATUS_LABEL, STATUS_SYMBOL, TYPE_SYMBOL

#: Characters of browser text shown per table cell (JSON and HTML keep it all).
CELL_CHARS = 200


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{fmt_number(value)} %"


def _num(value: float | None) -> str:
    return "—" if value is None else fmt_number(value)


def _first_window(burn: dict[str, float | None]) -> tuple[str, float | None]:
    """The burn rate the table shows: over 1h (the Workbook's fast page window) when there
    is one, a 5-minute window being too jumpy for a summary; else the first window."""
    if not burn:
        return "", None
    window = "1h" if "1h" in burn else next(iter(burn))
    return window, burn[window]


def _cell(text: str | None, limit: int = CELL_CHARS) -> str:
    """Browser text for a table cell: clipped, then escaped (pipes, newlines, markup)."""
    if text is None:
        return "—"
    return md_escape(text if len(text) <= limit else text[: limit - 1] + "…")


def _browser_errors(report: dict[str, Any]) -> list[str]:
    """One table of every service's most counted browser errors ([] when none)."""
    rows = [
        f"| {md_escape(svc['name'])} | {_cell(b['message'])} | {_cell(b['component'])} "
        f"| {b['count']} | {md_escape(b['lastSeen'])} |"
        for svc in report["services"]
        for b in svc.get("browserErrors", ())
    ]
    if not rows:
        return []
    return [
        "",
        "#### Browser errors",
        "",
        "| Service | Message | Component | Count | Last seen |",
        "| --- | --- | --- | ---: | --- |",
        *rows,
    ]


def render_markdown(report: dict[str, Any]) -> str:
    meta, summary = report["metadata"], report["summary"]
    lines: list[str] = []
    period = meta["period"]
    lines.append(f"### SLO report {period['start']} → {period['end']}")
    lines.append("")
    compliance = summary["overallCompliance"]
    head = (
        f"**Compliance {_pct(compliance)}**: {summary['slosMeetingTarget']} of "
        f"{summary['slosWithData']} SLOs with data met their target"
        if compliance is not None
        else "**Compliance —**: no SLO had data"
    )
    if summary["slosWithoutData"]:
        head += f"; {summary['slosWithoutData']} without data"
    head += f" ({summary['totalSLOs']} SLOs in total)."
    if summary["servicesAtRisk"]:
        head += " At risk: " + ", ".join(md_escape(s) for s in summary["servicesAtRisk"]) + "."
    lines.append(head)
    lines.append("")
    lines.append("| Status | Service | SLO | Target | Actual | Budget left | Burn rate | Alerts |")
    lines.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for svc in report["services"]:
        for slo in svc["slos"]:
            st = slo["status"]
            window, rate = _first_window(slo["burnRate"])
            burn = f"{_num(rate)} ({md_escape(window)})" if window else "—"
            lines.append(
                f"| {STATUS_SYMBOL[st]} {STATUS_LABEL[st]} | {md_escape(svc['name'])} "
                f"| {md_escape(slo['name'])} | {_pct(slo['target'])} "
                f"| {_pct(slo['actualValue'])} "
                f"| {_pct(slo['errorBudget']['remainingPercent'])} | {burn} "
                f"| {len(slo['alerts'])} |"
            )
    notes = [
        f"- {md_escape(svc['name'])} / {md_escape(slo['name'])}: {md_escape(note)}"
        for svc in report["services"]
        for slo in svc["slos"]
        if (note := coverage_note(slo))
    ]
    if notes:
        lines += ["", *notes]
    lines += _browser_errors(report)
    recs = report["recommendations"]
    if recs:
        lines.append("")
        lines.append("#### Recommendations")
        lines.append("")
        for r in recs:
            where = "/".join(md_escape(x) for x in (r["service"], r["slo"]) if x)
            where = f" ({where})" if where else ""
            lines.append(
                f"- {TYPE_SYMBOL[r['type']]} **{r['type']}**: **{md_escape(r['title'])}**"
                f"{where}: {md_escape(r['description'])}"
            )
            lines.extend(f"  - {md_escape(a)}" for a in r["actions"])
    lines.append("")
    lines.append(
        f"<sub>report {md_escape(meta['reportId'])} · config {md_escape(meta['configHash'])}"
        f" · source {md_escape(meta['source'])} · nexus-sre {md_escape(meta['toolVersion'])}</sub>"
    )
    return "\n".join(lines) + "\n"
