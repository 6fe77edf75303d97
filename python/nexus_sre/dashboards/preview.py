"""A static HTML preview of a service dashboard: its time-series panels drawn (as SVG, by the
report's chart code) from the results of the panels' own queries, for a screenshot.

`preview_html(dashboard, query_range, start, end, step)` runs every range target of every
time-series panel through `query_range(expr, start, end, step)` (e.g.
`PrometheusBackend.query_range`) and lays the charts out in the dashboard's grid order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape
from typing import Any

import numpy as np

from ..common.times import from_epoch, minute_text
from ..report.svg import HLine, Line, line_chart, nice_ticks

QueryRange = Callable[[str, float, float, int], list[dict[str, Any]]]
_HLINE_CSS = {"red": "hl-page", "orange": "hl-ticket", "yellow": "hl-ref", "green": "hl-ref"}

CSS = """
body { font-family: system-ui, sans-serif; margin: 16px; background: #f6f8fa;
  color: #1f2328; width: 1180px; }
h1 { font-size: 18px; margin: 0 0 4px; }
p.sub { margin: 0 0 12px; color: #57606a; font-size: 12px; }
h2 { font-size: 14px; margin: 14px 0 6px; }
.grid { display: grid; grid-template-columns: repeat(2, 1fr); gap: 10px; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 6px 8px; }
figcaption { font-weight: 600; font-size: 12px; margin-bottom: 2px; }
.legend { list-style: none; padding: 0; margin: 2px 0 0; display: flex; flex-wrap: wrap;
  gap: 2px 10px; font-size: 10px; color: #57606a; }
.legend span { display: inline-block; width: 14px; height: 3px; vertical-align: middle;
  margin-right: 3px; }
svg.chart { width: 100%; height: auto; }
svg.chart text { font-size: 10px; fill: #57606a; }
svg .plot { fill: #fff; stroke: #d0d7de; } svg .grid { stroke: #eaeef2; }
svg .series { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; }
svg .line-0 { stroke: #0969da; } svg .line-1 { stroke: #8250df; }
svg .line-2 { stroke: #1a7f37; }
svg .line-3 { stroke: #bc4c00; } svg .line-4 { stroke: #57606a; }
svg .hline { stroke-width: 1.2; stroke-dasharray: 5 4; }
svg .hl-page { stroke: #cf222e; fill: #cf222e; } svg .hl-ticket { stroke: #bc4c00; fill: #bc4c00; }
svg .hl-ref { stroke: #57606a; fill: #57606a; }
svg text.hlabel { font-size: 10px; stroke: none; }
"""
_SWATCH = ["#0969da", "#8250df", "#1a7f37", "#bc4c00", "#57606a"]


def _series(query_range: QueryRange, expr: str, xs: np.ndarray, step: int) -> list[float | None]:
    """One line on the time grid `xs` (None where the query has no sample)."""
    start, end = float(xs[0]), float(xs[-1])
    values: list[float | None] = [None] * len(xs)
    for s in query_range(expr, start, end, step)[:1]:
        for ts, raw in s["values"]:
            i = round((float(ts) - start) / step)
            v = float(raw)
            if 0 <= i < len(xs) and math.isfinite(v):
                values[i] = v
    return values


def _chart(panel: dict[str, Any], query_range: QueryRange, xs: np.ndarray, step: int) -> str:
    lines = [
        Line(
            t.get("legendFormat", t["refId"]),
            _series(query_range, t["expr"], xs, step),
            f"line-{i % 5}",
        )
        for i, t in enumerate(panel["targets"])
    ]
    found = [v for line in lines for v in line.values if v is not None]
    defaults = panel["fieldConfig"]["defaults"]
    steps = defaults.get("thresholds", {}).get("steps", [])[1:]
    style = defaults.get("custom", {}).get("thresholdsStyle", {}).get("mode", "off")
    hlines = [
        HLine(float(s["value"]), f"{s['value']:g}", _HLINE_CSS.get(s["color"], "hl-ref"))
        for s in steps
        if style != "off" and s["value"] > 0
    ]
    lo = min(found + [h.value for h in hlines], default=0.0)
    hi = max(found + [h.value for h in hlines], default=1.0)
    if "percent" in defaults.get("unit", ""):
        lo, hi = max(min(lo, 100.0) - 0.05 * abs(hi - lo) - 1e-9, -100.0), min(hi, 100.0)
    else:
        lo = 0.0
        hi = hi * 1.08
    ticks = nice_ticks(lo, hi)
    span = float(xs[-1] - xs[0])
    labels = [
        (k / 2, from_epoch(float(xs[0]) + k / 2 * span).strftime("%d %b %H:%M")) for k in range(3)
    ]
    svg = line_chart(
        title=panel["title"],
        xs=(xs - xs[0]) / max(xs[-1] - xs[0], 1),
        lines=lines,
        hlines=hlines,
        y_min=min(lo, ticks[0]) if ticks else lo,
        y_max=hi,
        x_labels=labels,
        unit="%" if "percent" in defaults.get("unit", "") else "",
    )
    legend = "".join(
        f'<li><span style="background:{_SWATCH[i % 5]}"></span>{escape(line.label)}</li>'
        for i, line in enumerate(lines)
    )
    caption = f"<figcaption>{escape(panel['title'])}</figcaption>"
    return f"<figure>{caption}{svg}<ul class='legend'>{legend}</ul></figure>"


def preview_html(
    dashboard: dict[str, Any], query_range: QueryRange, start: float, end: float, step: int
) -> str:
    """The dashboard's rows and time-series panels as a static page (UTC time axis)."""
    xs = np.arange(start, end + 1, step, dtype=float)
    body: list[str] = []
    open_grid = False
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            if open_grid:
                body.append("</div>")
            body.append(f"<h2>{escape(panel['title'])}</h2><div class='grid'>")
            open_grid = True
        elif panel["type"] == "timeseries":
            body.append(_chart(panel, query_range, xs, step))
    if open_grid:
        body.append("</div>")
    span = f"{minute_text(start)} – {minute_text(end)} UTC"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(dashboard['title'])}"
        f"</title><style>{CSS}</style></head><body><h1>{escape(dashboard['title'])}</h1>"
        f"<p class='sub'>Preview of the generated Grafana dashboard: each chart is a panel's "
        f"queries run against Prometheus, {span}.</p>{''.join(body)}</body></html>"
    )
