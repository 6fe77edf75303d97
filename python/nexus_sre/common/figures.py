"""Exact presentation of figures: what a user reads never shows float artefacts; and the two
float tolerances of the project: a figure against a level (`reaches`), a burn rate against
an alert tier's factor (`burns_at`, the Rust core's)."""

from __future__ import annotations

import math
from decimal import Decimal

from .. import _core

# 12 significant digits: well inside f64 precision, so every artefact of binary
# floating point (0.0009999999999999432, 14.399999999999999) rounds away.
_SIGNIFICANT = 12


def to_decimal(value: float | int | str | Decimal) -> Decimal:
    """A Decimal with the float's artefacts removed (round to 12 significant digits)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if value == 0:
        return Decimal(0)
    return Decimal(format(value, f".{_SIGNIFICANT}g"))


def fmt_number(value: float | int | Decimal, *, max_decimals: int | None = None) -> str:
    """Plain decimal text without artefacts or exponent: 0.0144, 14.4, 43.2, 100, 0.001."""
    d = to_decimal(value)
    if max_decimals is not None:
        d = d.quantize(Decimal(1).scaleb(-max_decimals))
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def clean_float(value: float) -> float:
    """The float a user should read: artefacts rounded away (1.0010000000000001 -> 1.001)."""
    return float(to_decimal(value))


def round_figure(value: float, decimals: int = 6) -> float:
    """A float fit for JSON output: rounded, artefact-free, and never NaN or infinite."""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return float(fmt_number(value, max_decimals=decimals))


# Relative tolerance of a figure against a threshold (a level, a target): a share computed
# in floating point as 0.8999999999999999 has reached 90 %.
TOLERANCE = 1e-12


def reaches(value: float, level: float) -> bool:
    """`value >= level`, forgiving the last float step below it."""
    return value >= level * (1 - TOLERANCE) if level > 0 else value >= level


# Relative tolerance of a burn rate against an alert tier's factor: the core's
# (alerting::TOLERANCE, 1e-9), so every alert rule fires where the core's backtest and live
# evaluation do: 0.0144 / 0.001 is 14.399999999999999 and must fire a 14.4 tier.
BURN_TOLERANCE: float = _core.BURN_TOLERANCE


def burns_at(burn: float, factor: float) -> bool:
    """`burn >= factor` for alerting, forgiving a part in a billion below the factor."""
    return burn >= factor * (1 - BURN_TOLERANCE)
