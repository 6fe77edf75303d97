"""Inline SVG line charts, drawn in Python: no script, no network, prints like the screen.

Colours and dash patterns come from CSS classes (`line-0`, `hline-warn`, ...) in the page,
so a chart reads without colour as well (every line has its own dash pattern and label).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ..figures import fmt_number

WIDTH, HEIGHT = 372, 180
_LEFT, _RIGHT, _TOP, _BOTTOM = 50, 8, 10, 24


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
    xs: Sequence[float],
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

    px = [_LEFT + x * pw for x in xs]
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
    for line in lines:
        d: list[str] = []
        pen_up = True
        for x, v in zip(px, line.values, strict=True):
            if v is None:
                pen_up = True
                continue
            d.append(f"{'M' if pen_up else 'L'}{x:.1f},{y_of(v):.1f}")
            pen_up = False
        if d:
            out.append(
                f'<path class="series {line.css}" d="{"".join(d)}">'
                f"<title>{escape(line.label)}</title></path>"
            )
    out.append("</svg>")
    return "".join(out)


def legend_swatch(css: str) -> str:
    """A short sample of a line's stroke, for an HTML legend next to the chart."""
    return (
        '<svg class="swatch" width="28" height="10" aria-hidden="true" '
        f'xmlns="http://www.w3.org/2000/svg"><line class="series {css}" x1="1" y1="5" '
        'x2="27" y2="5"/></svg>'
    )
