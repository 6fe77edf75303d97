"""The shape of an SLI's PromQL, read by a real PromQL parser (promql-parser, in the binding).

`shape_of(query)` says whether a percent query is an event ratio we can take apart,
`sum(F(good[w])) / sum(F(total[w])) (* 100)` or `1 - sum(F(bad[w])) / sum(F(total[w]))`, and
`counter_of(expr)` whether a good/total template is one counter `sum(F(sel[w]))`. Selectors
come back structured (metric name and matchers), so promtool inputs can be made to match them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidInputError

OPS = ("=", "!=", "=~", "!~")


@dataclass(frozen=True)
class Selector:
    """An instant-vector selector: metric name and matchers (label, op, value)."""

    name: str | None
    matchers: tuple[tuple[str, str, str], ...]
    text: str

    def matches(self, name: str, labels: dict[str, str]) -> bool:
        """Whether a series with this name and labels is selected (Prometheus semantics:
        regexes are anchored, a missing label is the empty string)."""
        if self.name is not None and name != self.name:
            return False
        for label, op, value in self.matchers:
            have = labels.get(label, "")
            if op == "=" and have != value:
                return False
            if op == "!=" and have == value:
                return False
            if op == "=~" and not re.fullmatch(value, have):
                return False
            if op == "!~" and re.fullmatch(value, have):
                return False
        return True


@dataclass(frozen=True)
class RatioShape:
    """A query taken apart. `good` is None for `1 - bad/total` (then `bad` is set)."""

    good: Selector | None
    bad: Selector | None
    total: Selector
    function: str  # rate or increase
    window_s: float
    grouping: str | None  # by, without or None: dropped, the SLO counts all events
    labels: tuple[str, ...]


@dataclass(frozen=True)
class NotARatio:
    """A query that does not decompose, and why."""

    reason: str


def _selector(d: dict[str, Any]) -> Selector:
    return Selector(d["name"], tuple(tuple(m) for m in d["matchers"]), d["text"])


def _parse(query: str, what: str) -> dict[str, Any]:
    from .._core import promql_sli

    try:
        return dict(promql_sli(query))
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: {exc}") from None


def shape_of(query: str, what: str = "sli.query") -> RatioShape | NotARatio:
    """The decomposition of a percent (or share) query; InvalidInputError naming `what` when
    it is not PromQL at all."""
    d = _parse(query, what)
    if d["shape"] in ("ratio", "bad_ratio"):
        return RatioShape(
            good=_selector(d["good"]) if "good" in d else None,
            bad=_selector(d["bad"]) if "bad" in d else None,
            total=_selector(d["total"]),
            function=d["function"],
            window_s=d["window_s"],
            grouping=d["grouping"],
            labels=tuple(d["labels"]),
        )
    if d["shape"] == "counter":
        return NotARatio("it reads one counter, not a share of two")
    return NotARatio(d["reason"])


def counter_of(expr: str, what: str) -> Selector | None:
    """The selector of a one-counter expression `sum(rate|increase(sel[w]))` (a `{{window}}`
    template is read with a placeholder range), else None."""
    try:
        d = _parse(expr.replace("{{window}}", "5m"), what)
    except InvalidInputError:
        return None  # kept as written: Prometheus has the last word on its own syntax
    if d["shape"] != "counter" or d["grouping"] is not None:
        return None
    return _selector(d["counter"])


def selector_of(text: str, what: str) -> Selector | None:
    """A plain selector as text (`metric{a="b"}`) parsed, or None when it is not one."""
    return counter_of(f"increase({text}[5m])", what)
