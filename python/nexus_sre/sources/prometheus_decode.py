"""Checking Prometheus query answers: the shape of each series and the value of each sample.

Prometheus sends a sample as `[unix_time, "value"]`, where the value is a string and "NaN",
"+Inf" and "-Inf" are valid. Whatever comes back, the caller gets either checked series and
numbers or a `BackendError` that quotes the query and what the backend returned: never a
`ValueError` from unpacking, an `OverflowError` from rounding, or silently dropped samples.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import BackendError

# Largest event count one good/total sample may carry: floats hold whole numbers exactly up
# to 2**53 (9.0e15), far above any real traffic in one window.
MAX_EVENTS = 2**53


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _malformed(what: str, value: Any, promql: str) -> BackendError:
    return BackendError(
        f"Prometheus answered {what} {_shown(value)} for the query {promql!r}; "
        "expected the documented result format"
    )


def _labels(series: dict[str, Any], promql: str) -> dict[str, str]:
    metric = series.get("metric", {})
    if not isinstance(metric, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metric.items()
    ):
        raise _malformed("a series with malformed labels", series, promql)
    return metric


def _pair(raw: Any, series: Any, promql: str) -> tuple[float, Any]:
    """A `[time, value]` sample; the time is checked, the value returned raw."""
    if not isinstance(raw, list | tuple) or len(raw) != 2:
        raise _malformed("a malformed sample", raw, promql)
    ts = raw[0]
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise _malformed("a sample with a bad timestamp", raw, promql)
    try:
        seconds = float(ts)
    except OverflowError:  # a JSON integer beyond any float
        raise _malformed("a sample with a bad timestamp", raw, promql) from None
    if not math.isfinite(seconds):
        raise _malformed("a sample with a bad timestamp", raw, promql)
    return seconds, raw[1]


def _series_list(data: dict[str, Any], promql: str) -> list[Any]:
    result = data.get("result")
    if not isinstance(result, list):
        raise _malformed("a result that is not a list:", result, promql)
    for s in result:
        if not isinstance(s, dict):
            raise _malformed("a series that is not an object:", s, promql)
    return result


def vector_result(data: dict[str, Any], promql: str) -> list[dict[str, Any]]:
    """The series of an instant-query answer, each with `metric` (str -> str) and a
    `value` pair; the sample values stay raw (decode them with `sample`)."""
    out = []
    for s in _series_list(data, promql):
        metric = _labels(s, promql)
        ts, raw = _pair(s.get("value"), s, promql)
        out.append({"metric": metric, "value": [ts, raw]})
    return out


def matrix_result(data: dict[str, Any], promql: str) -> list[dict[str, Any]]:
    """The series of a range-query answer, each with `metric` and a list of `values` pairs."""
    out = []
    for s in _series_list(data, promql):
        metric = _labels(s, promql)
        values = s.get("values")
        if not isinstance(values, list):
            raise _malformed("a series whose values are not a list:", s, promql)
        out.append({"metric": metric, "values": [list(_pair(v, s, promql)) for v in values]})
    return out


def sample(raw: Any, promql: str) -> float:
    """A sample value as a float ("NaN" and "+Inf" included); BackendError when it is not
    a number at all."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise _malformed("a non-numeric sample", raw, promql)
    try:
        return float(raw)
    except (ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        raise _malformed("a non-numeric sample", raw, promql) from None


def event_count(raw: Any, promql: str, what: str) -> float:
    """A sample that must be a number of events (`what`: "good", "total", ...): finite, not
    negative and at most MAX_EVENTS. Tiny negatives (extrapolation noise that rounds to 0)
    read as 0."""
    value = sample(raw, promql)
    if math.isnan(value) or math.isinf(value) or value < -0.5 or value > MAX_EVENTS:
        if math.isnan(value):
            why = "NaN (a division by zero in the query?)"
        elif value < 0:
            why = "negative"
        else:
            why = f"above {MAX_EVENTS:.3g} events" if math.isfinite(value) else "infinite"
        raise BackendError(
            f"Prometheus returned {what} = {_shown(raw)} for the query {promql!r}: "
            f"{why}; an event count must be a finite number between 0 and {MAX_EVENTS:.3g}"
        )
    return max(value, 0.0)
