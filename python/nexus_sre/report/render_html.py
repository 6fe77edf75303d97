"""HTML: one self-contained page (no script, no external resource) with inline SVG charts.

Every string from config or data goes through `html.escape`; a Content-Security-Policy
forbids scripts and remote loads as a second line of defence.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import Any

import numpy as np

from ..common.figures import fmt_number
from ..common.times import epoch, minute_text
from .model import coverage_note
from .status import HTML_SYMBOL, SERVICE_LABEL, STATUS_LABEL
from .svg import HLine, Line, legend_swatch, line_chart

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1b1f24;
  background: #fff; margin: 0 auto; max-width: 1240px; padding: 24px; font-size: 14px;
  line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; border-bottom: 2px solid #d0d7de; padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 16px; margin: 24px 0 8px; }
h4 { font-size: 15px; margin: 0 0 6px; }
.muted { color: #57606a; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.meta dt { color: #57606a; } dl.meta dd { margin: 0; font-family: monospace; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 16px; min-width: 180px; }
.card .big { font-size: 26px; font-weight: bold; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.status { white-space: nowrap; font-weight: bold; }
.st-healthy { color: #1a7f37; } .st-at-risk { color: #9a6700; }
.st-violated { color: #cf222e; } .st-no-data { color: #57606a; }
.recs > li { margin-bottom: 10px; }
.tag { display: inline-block; border: 1px solid currentColor; border-radius: 4px;
  padding: 0 6px; font-size: 12px; font-weight: bold; text-transform: uppercase; }
.t-critical { color: #cf222e; } .t-warning { color: #9a6700; } .t-info { color: #0969da; }
.slo { border: 1px solid #d0d7de; border-radius: 6px; padding: 12px; margin: 12px 0;
  break-inside: avoid; page-break-inside: avoid; }
.figs { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 4px 0 8px; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
.slo table { margin-top: 8px; }
table.browser-errors { margin: 4px 0 12px; font-size: 13px; }
table.browser-errors caption { text-align: left; font-weight: bold; padding: 2px 0; }
td.msg { word-break: break-word; max-width: 480px; } td.time { white-space: nowrap; }
figcaption { font-weight: bold; font-size: 13px; }
.legend { list-style: none; padding: 0; margin: 2px 0 0; display: flex; flex-wrap: wrap;
  gap: 2px 12px; font-size: 12px; }
svg.chart { max-width: 100%; height: auto; }
svg.chart text { font-size: 10px; fill: #57606a; font-family: inherit; }
svg .plot { fill: #fff; stroke: #d0d7de; }
svg .grid { stroke: #eaeef2; stroke-width: 1; }
svg .series { fill: none; stroke-width: 2; stroke-linejoin: round;
  vector-effect: non-scaling-stroke; }
svg .line-0 { stroke: #0969da; } svg .line-1 { stroke: #8250df; stroke-dasharray: 6 3; }
svg .line-2 { stroke: #1a7f37; stroke-dasharray: 2 2; }
svg .line-3 { stroke: #bc4c00; stroke-dasharray: 8 2 2 2; }
svg .line-4 { stroke: #57606a; stroke-dasharray: 1 3; }
svg .hline { stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .hl-page { stroke: #cf222e; fill: #cf222e; } svg .hl-ticket { stroke: #9a6700; fill: #9a6700; }
svg .hl-ref { stroke: #57606a; fill: #57606a; } svg .hl-target { stroke: #cf222e; fill: #cf222e; }
svg text.hlabel { font-size: 10px; stroke: none; }
footer { margin-top: 32px; font-size: 12px; color: #57606a; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .details { break-before: page; }
  a { color: inherit; text-decoration: none; }
  th { background: #fff; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_PAGE_SEVERITIES = ("page", "critical")


def _e(value: Any) -> str:
    """Escaped text; None shows as an em dash."""
    return "—" if value is None else escape(str(value), quote=True)


def _n(value: Any, unit: str = "") -> str:
    return "—" if value is None else f"{fmt_number(value)}{unit}"


def _status(status: str, labels: dict[str, str] = STATUS_LABEL) -> str:
    return f'<span class="status st-{status}">{HTML_SYMBOL[status]} {escape(labels[status])}</span>'


@lru_cache(maxsize=64)
def _times(timestamps: tuple[str, ...]) -> np.ndarray:
    # Cached: the SLOs of one report mostly share the same chart timestamps.
    return np.array([epoch(t) for t in timestamps], dtype=float)


def _nanmin(values: Sequence[float | None]) -> float:
    """Smallest known value (inf when none is known)."""
    arr = np.array(values, dtype=float)
    return float(np.fmin.reduce(arr, initial=np.inf))


def _nanmax(values: Sequence[float | None]) -> float:
    arr = np.array(values, dtype=float)
    return float(np.fmax.reduce(arr, initial=-np.inf))


def _charts(slo: dict[str, Any], start: float, end: float, labels: list[tuple[float, str]]) -> str:
    series = slo["series"]
    if slo["status"] == "no-data":
        return '<p class="muted">No events in the period: nothing to chart.</p>'
    if not series or not series["timestamps"]:
        return '<p class="muted">No chart data.</p>'
    span = end - start
    xs = np.clip((_times(tuple(series["timestamps"])) - start) / span, 0.0, 1.0)
    name = slo["name"]
    figs: list[str] = []

    budget = series["budgetRemainingPercent"]
    lo = min(0.0, _nanmin(budget))
    figs.append(
        _figure(
            "Error budget remaining",
            line_chart(
                title=f"Error budget remaining over the period, {name}",
                xs=xs,
                lines=[Line("budget remaining", budget, "line-0")],
                hlines=[HLine(0, "exhausted", "hl-ref")],
                y_min=lo,
                y_max=100,
                x_labels=labels,
                unit=" %",
            ),
            [("budget remaining (%)", "line-0")],
        )
    )

    burn_lines = [
        Line(f"{w} window", vals, f"line-{i % 5}")
        for i, (w, vals) in enumerate(series["burnRate"].items())
    ]
    thresholds = [
        HLine(
            t["factor"],
            f"{t['name']} ×{fmt_number(t['factor'])}",
            "hl-page" if t["severity"] in _PAGE_SEVERITIES else "hl-ticket",
        )
        for t in slo["burnRateThresholds"]
    ]
    thresholds.append(HLine(1, "×1 budget-neutral", "hl-ref"))
    peak = max([0.0, *(_nanmax(ln.values) for ln in burn_lines)])
    top = max(peak, *(h.value for h in thresholds)) * 1.1
    figs.append(
        _figure(
            "Burn rate and alert thresholds",
            line_chart(
                title=f"Burn rate with alert thresholds, {name}",
                xs=xs,
                lines=burn_lines,
                hlines=thresholds,
                y_min=0,
                y_max=top,
                x_labels=labels,
                unit="×",
            ),
            [(f"burn rate, {ln.label}", ln.css) for ln in burn_lines],
        )
    )

    sli = series["sliPercent"]
    target = slo["target"]
    low = min(target, _nanmin(sli))
    pad = max((100 - low) * 0.25, 0.001)
    figs.append(
        _figure(
            "SLI against target",
            line_chart(
                title=f"SLI against its target, {name}",
                xs=xs,
                lines=[Line("SLI", sli, "line-0")],
                hlines=[HLine(target, f"target {fmt_number(target)} %", "hl-target")],
                y_min=max(low - pad, 0),
                y_max=100,
                x_labels=labels,
                unit=" %",
            ),
            [("SLI (%, cumulative)", "line-0")],
        )
    )
    return '<div class="charts">' + "".join(figs) + "</div>"


def _figure(caption: str, svg: str, legend: list[tuple[str, str]]) -> str:
    items = "".join(f"<li>{legend_swatch(css)} {_e(label)}</li>" for label, css in legend)
    return (
        f"<figure><figcaption>{_e(caption)}</figcaption>{svg}"
        f'<ul class="legend">{items}</ul></figure>'
    )


def _alerts(slo: dict[str, Any]) -> str:
    if not slo["alerts"]:
        return '<p class="muted">No alerts fired in the period.</p>'
    rows = "".join(
        f"<tr><td>{_e(a['name'])}</td><td>{_e(a['severity'])}</td><td>{_e(a['start'])}</td>"
        f"<td>{_e(a['end'] or 'still firing')}</td>"
        f'<td class="num">{_n(a["peakBurnRate"])}</td><td class="num">{_n(a["factor"])}</td></tr>'
        for a in slo["alerts"]
    )
    return (
        "<table><thead><tr><th>Alert</th><th>Severity</th><th>Start</th><th>End</th>"
        "<th>Peak burn rate</th><th>Threshold</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _slo_detail(
    anchor: str, slo: dict[str, Any], start: float, end: float, labels: list[tuple[float, str]]
) -> str:
    b = slo["errorBudget"]
    burn = ", ".join(f"{_e(w)}: {_n(v)}" for w, v in slo["burnRate"].items()) or "—"
    figs = [
        ("Target", _n(slo["target"], " %")),
        ("Actual", _n(slo["actualValue"], " %")),
        ("Events", f"{_n(slo['eventsCount'])} ({_n(slo['badEvents'])} bad)"),
        (
            "Budget left",
            f"{_n(b['remainingPercent'], ' %')} ({_n(b['remainingMinutes'])} min)"
            if b["remainingPercent"] is not None
            else "—",
        ),
        ("Budget status", _e(b["status"])),
        ("Burn rate", burn),
    ]
    fig_html = "".join(f"<span><span class='muted'>{k}:</span> {v}</span>" for k, v in figs)
    return (
        f'<article class="slo" id="{anchor}"><h4>{_status(slo["status"])} {_e(slo["name"])} '
        f'<span class="muted">({_e(slo["id"])}, {_e(slo["sliType"])})</span></h4>'
        f'<div class="figs">{fig_html}</div>'
        + (f'<p class="muted">{_e(note)}</p>' if (note := coverage_note(slo)) else "")
        + f"{_charts(slo, start, end, labels)}{_alerts(slo)}</article>"
    )


def _browser_errors(svc: dict[str, Any]) -> str:
    """The service's most counted browser errors: text from browsers, so escaped and never
    made a link."""
    errors = svc.get("browserErrors")
    if not errors:
        return ""
    rows = "".join(
        f'<tr><td class="msg">{_e(b["message"])}</td><td>{_e(b["component"])}</td>'
        f'<td class="msg">{_e(b["url"])}</td><td class="num">{_n(b["count"])}</td>'
        f'<td class="time">{_e(b["firstSeen"])}</td><td class="time">{_e(b["lastSeen"])}</td>'
        "</tr>"
        for b in errors
    )
    return (
        f'<table class="browser-errors"><caption>Browser errors (top {len(errors)})</caption>'
        "<thead><tr><th>Message</th><th>Component</th><th>URL</th><th>Count</th>"
        f"<th>First seen</th><th>Last seen</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _recommendation(r: dict[str, Any]) -> str:
    where = "/".join(x for x in (r["service"], r["slo"]) if x)
    actions = "".join(f"<li>{_e(a)}</li>" for a in r["actions"])
    return (
        f'<li><span class="tag t-{_e(r["type"])}">{_e(r["type"])}</span> '
        f"<strong>{_e(r['title'])}</strong>"
        + (f' <span class="muted">({_e(where)})</span>' if where else "")
        + f"<br>{_e(r['description'])}<ul>{actions}</ul></li>"
    )


def render_html(report: dict[str, Any]) -> str:
    meta, summary = report["metadata"], report["summary"]
    period = meta["period"]
    start, end = epoch(period["start"]), epoch(period["end"])
    mid = minute_text((start + end) / 2)
    labels = [(0.0, period["start"][:10]), (0.5, mid), (1.0, period["end"][:10])]

    rows: list[str] = []
    details: list[str] = []
    index = 0
    for svc in report["services"]:
        details.append(
            f"<h3>{_e(svc['name'])} {_status(svc['status'], SERVICE_LABEL)} "
            f'<span class="muted">{_e(svc["tier"])}, owner {_e(svc["owner"])}</span></h3>'
        )
        details.append(_browser_errors(svc))
        if not svc["slos"]:
            details.append('<p class="muted">No SLOs evaluated.</p>')
        for slo in svc["slos"]:
            anchor = f"slo-{index}"
            index += 1
            b = slo["errorBudget"]
            rows.append(
                f"<tr><td>{_status(slo['status'])}</td><td>{_e(svc['name'])}</td>"
                f"<td>{_e(svc['tier'])}</td><td>{_e(svc['owner'])}</td>"
                f'<td><a href="#{anchor}">{_e(slo["name"])}</a></td>'
                f'<td class="num">{_n(slo["target"], " %")}</td>'
                f'<td class="num">{_n(slo["actualValue"], " %")}</td>'
                f'<td class="num">{_n(b["remainingPercent"], " %")}</td>'
                f"<td>{_e(b['status'])}</td>"
                f'<td class="num">{len(slo["alerts"])}</td></tr>'
            )
            details.append(_slo_detail(anchor, slo, start, end, labels))

    recs = "".join(_recommendation(r) for r in report["recommendations"])
    at_risk = ", ".join(_e(s) for s in summary["servicesAtRisk"]) or "none"
    compliance = summary["overallCompliance"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>SLO report {_e(period['start'])} – {_e(period['end'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>SLO report</h1>",
        f'<p class="muted">{_e(period["start"])} – {_e(period["end"])}</p><dl class="meta">',
        f"<dt>Source</dt><dd>{_e(meta['source'])}</dd>",
        f"<dt>Generated</dt><dd>{_e(meta['generatedAt'])}</dd>",
        f"<dt>Config hash</dt><dd>{_e(meta['configHash'])}</dd>",
        f"<dt>Report id</dt><dd>{_e(meta['reportId'])}</dd>",
        f"<dt>Tool</dt><dd>nexus-sre {_e(meta['toolVersion'])}</dd></dl></header>",
        '<section class="cards" aria-label="Summary">',
        '<div class="card"><div class="muted">Overall compliance</div>'
        f'<div class="big">{_n(compliance, " %")}</div>'
        f'<div class="muted">{summary["slosMeetingTarget"]} of {summary["slosWithData"]} '
        "SLOs with data met target</div></div>",
        '<div class="card"><div class="muted">SLOs</div>'
        f'<div class="big">{summary["totalSLOs"]}</div>'
        f'<div class="muted">{summary["slosWithoutData"]} without data</div></div>',
        '<div class="card"><div class="muted">Alerts fired</div>'
        f'<div class="big">{summary["alertsFired"]}</div></div>',
        '<div class="card"><div class="muted">Services at risk</div>'
        f'<div class="big">{len(summary["servicesAtRisk"])}</div>'
        f'<div class="muted">{at_risk}</div></div>',
        "</section>",
        "<section><h2>Compliance</h2><table><thead><tr><th>Status</th><th>Service</th>"
        "<th>Tier</th><th>Owner</th><th>SLO</th><th>Target</th><th>Actual</th>"
        "<th>Budget left</th><th>Budget status</th><th>Alerts</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>",
        "<section><h2>Recommendations</h2>",
        f'<ol class="recs">{recs}</ol>' if recs else '<p class="muted">None.</p>',
        "</section>",
        f'<section class="details"><h2>Details</h2>{"".join(details)}</section>',
        f"<footer>Report {_e(meta['reportId'])}. Figures as computed by nexus-sre; "
        "see docs/report.md for their definitions.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
