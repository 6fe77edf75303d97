"""Inline SVG line charts, drawn in Python: no script, no network, prints like the screen.

Colours and dash patterns come from CSS classes (`line-0`, `hline-warn`, ...) in the page,
so a chart reads without colour as well (every line has its own dash pattern and label).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

from ..common.figures import fmt_number

WIDTH, HEIGHT = 372, 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 50, 8, 10, 24
_SUB = 10  # path coordinates are written in 1/_SUB pixel units
# Decimal text of every coordinate a chart can hold (all lie inside the chart).
_INT_TEXT = np.array([str(i) for i in range((max(WIDTH, HEIGHT) + 1) * _SUB)], dtype=object)


def _path_data(
    px10: np.ndarray, values: Sequence[float | None], y_min: float, y_max: float, scale: float
) -> str:
    """SVG path data for one line; a None value lifts the pen (a gap, not a zero)."""
    arr = np.array(values, dtype=float)  # None -> NaN
    py10 = np.rint((_TOP + (y_max - np.clip(arr, y_min, y_max)) * scale) * _SUB)
    valid = ~np.isnan(arr)
    # Runs of consecutive valid points: their starts and ends from the edges of `valid`.
    edges = np.flatnonzero(np.diff(np.concatenate(([False], valid, [False])).astype(np.int8)))
    parts: list[str] = []
    for start, end in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
        pts = np.empty(2 * (end - start), dtype=np.int64)
        pts[0::2] = px10[start:end]
        pts[1::2] = py10[start:end]
        # Looking the digits up in a table is ~8x faster than str() per number.
        text = _INT_TEXT[pts].tolist()
        parts.append(f"M{text[0]} {text[1]}")
        if len(text) > 2:
            parts.append("L" + " ".join(text[2:]))
    return "".join(parts)


@dataclass(frozen=True)
class Line:
    label: str
    values: Sequence[float | None]
    css: str


@dataclass(frozen=True)
class HLine:
    value: float
    label: str
    css: str


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2, 5 × 10^n steps) covering [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    ticks: list[float] = []
    v = first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


def line_chart(
    *,
    title: str,
    xs: Sequence[float] | np.ndarray,
    lines: Sequence[Line],
    hlines: Sequence[HLine],
    y_min: float,
    y_max: float,
    x_labels: Sequence[tuple[float, str]],
    unit: str = "",
) -> str:
    """An SVG chart; `xs` are fractions 0..1 of the period, one per value of every line."""
    if y_max <= y_min:
        y_max = y_min + 1
    pw, ph = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    scale = ph / (y_max - y_min)

    def y_of(v: float) -> float:
        return _TOP + (y_max - min(max(v, y_min), y_max)) * scale

    px10 = np.rint((_LEFT + np.asarray(xs, dtype=float) * pw) * _SUB)
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect class="plot" x="{_LEFT}" y="{_TOP}" width="{pw}" height="{ph}"/>',
    ]
    for t in nice_ticks(y_min, y_max):
        y = y_of(t)
        out.append(f'<line class="grid" x1="{_LEFT}" x2="{_LEFT + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="tick" x="{_LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">'
            f"{escape(fmt_number(t, max_decimals=4))}{escape(unit)}</text>"
        )
    for frac, text in x_labels:
        anchor = "start" if frac <= 0 else "end" if frac >= 1 else "middle"
        out.append(
            f'<text class="tick" x="{_LEFT + frac * pw:.1f}" y="{HEIGHT - 8}" '
            f'text-anchor="{anchor}">{escape(text)}</text>'
        )
    for h in hlines:
        y = y_of(h.value)
        out.append(
            f'<line class="hline {h.css}" x1="{_LEFT}" x2="{_LEFT + pw}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="hlabel {h.css}" x="{_LEFT + pw - 3}" y="{y - 3:.1f}" '
            f'text-anchor="end">{escape(h.label)}</text>'
        )
    paths = []
    for line in lines:
        d = _path_data(px10, line.values, y_min, y_max, scale)
        if d:
            paths.append(
                f'<path class="series {line.css}" d="{d}">'
                f"<title>{escape(line.label)}</title></path>"
            )
    if paths:
        # Path points are in tenths of a pixel (integers are fast to write and short).
        out.append(f'<g transform="scale({1 / _SUB:g})">{"".join(paths)}</g>')
    out.append("</svg>")
    return "".join(out)


def legend_swatch(css: str) -> str:
    """A short sample of a line's stroke, for an HTML legend next to the chart."""
    return (
        '<svg class="swatch" width="28" height="10" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><line class="series {css}" x1="1" y1="5" '
        'x2="27" y2="5"/></svg>'
    )
