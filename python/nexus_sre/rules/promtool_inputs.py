"""Input series for promtool tests that make an SLI's selectors mean what they mean in production.

A good selector `http_requests_total{job="api",code="200"}` and a total selector
`http_requests_total{job="api"}` read the same metric: the total matches the good series too.
Feeding one series per selector would count good events twice. Instead we feed a good series
(matching both selectors) and a distinct bad series (matching total but not good). When the
two selectors name different metrics (`_bucket{le=...}` / `_count`, nexus-sre's own counters),
the second series is the total itself. The same works with the bad selector of
`1 - bad/total`. Every series made is checked against the selectors with Prometheus's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from .promql_shape import Selector
from .sli import quote

_GENERIC = ("", "500", "200", "bad", "ok", "x")


@dataclass(frozen=True)
class SeriesPair:
    """`part` carries the events the SLI's first selector counts (good, or bad); `rest` the
    others (same metric), or every event when `rest_is_total` (a separate total metric)."""

    part: str
    rest: str
    rest_is_total: bool


def _regex_examples(pattern: str) -> list[str]:
    """Strings a simple regex probably matches ("5.." -> "500", "a|b" -> "a", "b"); each is
    checked later, so a wrong guess only costs a candidate."""
    out = []
    for alt in pattern.split("|"):
        s, i = [], 0
        while i < len(alt):
            c = alt[i]
            if c == "\\" and i + 1 < len(alt):
                s.append(alt[i + 1])
                i += 2
                continue
            if c == "[":
                end = alt.find("]", i)
                if end > i + 1:
                    s.append(alt[i + 1].lstrip("^") or "0")
                    i = end + 1
                    continue
            if c == ".":
                s.append("0")
            elif c not in "()^$*+?{}":
                s.append(c)
            i += 1
        out.append("".join(s))
    return out


def _candidates(label: str, sels: list[Selector]) -> list[str]:
    values: list[str] = []
    for sel in sels:
        for name, op, value in sel.matchers:
            if name == label:
                values += _regex_examples(value) if op in ("=~", "!~") else [value]
    return list(dict.fromkeys(values + list(_GENERIC)))


def _labels(sels: list[Selector], name: str) -> dict[str, str] | None:
    """Labels of one series that every selector picks, or None."""
    labels: dict[str, str] = {}
    for label in sorted({m[0] for s in sels for m in s.matchers}):
        for value in _candidates(label, sels):
            trial = {label: value}
            if all(_label_ok(s, label, trial) for s in sels):
                if value:
                    labels[label] = value
                break
        else:
            return None
    return labels if all(s.matches(name, labels) for s in sels) else None


def _label_ok(sel: Selector, label: str, labels: dict[str, str]) -> bool:
    only = Selector(None, tuple(m for m in sel.matchers if m[0] == label), "")
    return only.matches("", labels)


def _text(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f"{k}={quote(v)}" for k, v in sorted(labels.items()))
    return f"{name}{{{inner}}}" if inner else name


def series_pair(part: Selector, total: Selector) -> SeriesPair | None:
    """Series for `part` (good or bad) and the rest, or None when no series set can make the
    selectors mean what they should (a metric chosen by regex, contradictory matchers)."""
    if part.name is None or total.name is None:
        return None
    if part.name != total.name:
        p, t = _labels([part], part.name), _labels([total], total.name)
        if p is None or t is None:
            return None
        return SeriesPair(_text(part.name, p), _text(total.name, t), rest_is_total=True)
    name = part.name
    both = _labels([part, total], name)  # a part event is also a total event
    if both is None:
        return None
    for label in sorted({m[0] for m in part.matchers}):
        for value in _candidates(label, [part, total]):
            other = {k: v for k, v in both.items() if k != label}
            if value:
                other[label] = value
            if total.matches(name, other) and not part.matches(name, other):
                return SeriesPair(_text(name, both), _text(name, other), rest_is_total=False)
    return None


def values(segments: list[tuple[int, int]], start: int) -> str:
    """A promtool `values` string for a counter from `start`, growing by `inc` per sample for
    `count` samples in each (inc, count) segment; the first sample is `start` itself."""
    parts, value, first = [], start, True
    for inc, count in segments:
        if count <= 0:
            continue
        if first:
            parts.append(f"{value}+{inc}x{count - 1}")
            value += inc * (count - 1)
            first = False
        else:
            parts.append(f"{value + inc}+{inc}x{count - 1}")
            value += inc * count
    return " ".join(parts)


__all__ = ["SeriesPair", "series_pair", "values"]
