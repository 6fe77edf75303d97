"""PromQL for an SLO's SLI: good and total events over a window, and the error ratio.

Three shapes of SLI reach Prometheus (see docs/prometheus.md):

* counters: a good and a total event count, each an expression with a `{{window}}`
  placeholder (or a plain counter selector we wrap in `increase(...[{{window}}])`). With no
  query at all, nexus-sre's own counters `nexus_sre_requests_good_total` and
  `nexus_sre_requests_total` (labels service, slo) are used.
* a classic histogram (latency `query` naming a histogram): good = the bucket at the threshold.
* a percent query (`query` returning the good share in percent over its own range). When
  PromQL's parser shows it is an event ratio, `sum(F(good[w])) / sum(F(total[w])) (* 100)` or
  `1 - sum(F(bad[w])) / sum(F(total[w]))`, it becomes a counter SLI like the first kind;
  otherwise it stays a `PercentSli`, averaged over time (`time_weighted_notes` says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ..common.durations import format_duration, parse_duration
from ..common.figures import fmt_number, to_decimal
from ..config.model import SLO, Service
from ..errors import InvalidInputError
from .promql_shape import NotARatio, RatioShape, Selector, counter_of, selector_of, shape_of

WINDOW = "{{window}}"
LE = "{{le}}"

DEFAULT_TOTAL_METRIC = "nexus_sre_requests_total"
DEFAULT_GOOD_METRIC = "nexus_sre_requests_good_total"

_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?P<matchers>\{[^{}]*\})?\s*$")
_RANGE = re.compile(r"\[(\d+(?:ms|s|m|h|d|w|y))(?::[^\]]*)?\]")


def is_selector(text: str) -> bool:
    """A plain series selector: a metric name and optional `{...}` matchers."""
    return _SELECTOR.match(text) is not None


def quote(value: str) -> str:
    """A PromQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def slo_matchers(service: Service, slo: SLO) -> str:
    """The label matchers that pick one SLO's recorded series: service and slo."""
    return f"service={quote(service.name)},slo={quote(slo.id)}"


def le_spellings(threshold_seconds: Decimal) -> list[str]:
    """Every spelling of a bucket bound in an `le` label.

    Prometheus 2 stores `le` as exposed (text format: "1", protobuf: "1.0"); Prometheus 3
    normalises classic-histogram `le` values to a float form, so `le="1"` becomes `le="1.0"`.
    Matching both spellings keeps one rule file valid across versions and scrape protocols.
    """
    plain = fmt_number(threshold_seconds)
    spellings = [plain]
    if "." not in plain and "e" not in plain:
        spellings.append(plain + ".0")
    return spellings


def le_matcher(threshold_seconds: Decimal) -> str:
    spellings = le_spellings(threshold_seconds)
    if len(spellings) == 1:
        return f"le={quote(spellings[0])}"
    return "le=~" + quote("|".join(re.escape(s) for s in spellings))


def _merge_matchers(matchers: str | None, extra: str) -> str:
    inner = (matchers or "{}")[1:-1].strip().rstrip(",")
    return "{" + (f"{inner},{extra}" if inner else extra) + "}"


@dataclass(frozen=True)
class CounterSli:
    """Good and total event counts as templates holding the `{{window}}` placeholder.

    `total_selector` and one of `good_selector`/`bad_selector` are the raw counters when we
    know them (used to write promtool test input); None for arbitrary expressions.
    """

    good: str
    total: str
    good_selector: Selector | None = None
    total_selector: Selector | None = None
    bad_selector: Selector | None = None

    def good_expr(self, window_s: int) -> str:
        return self.good.replace(WINDOW, format_duration(window_s))

    def total_expr(self, window_s: int) -> str:
        return self.total.replace(WINDOW, format_duration(window_s))

    def error_ratio_expr(self, window_s: int) -> str:
        """Bad / total over the window, event-weighted (a ratio of increases).

        Zero traffic: `total > 0` drops the division (0/0 would be NaN) and the `or` branch
        yields 0 ("no errors") as long as the total series exists; a total that does not exist
        at all stays absent, so a broken query reads as "no data", not as a perfect SLI.
        A missing good series counts as zero good events (`or vector(0)`): counters created
        on first increment do not exist yet during an outage from the very start.
        """
        good, total = self.good_expr(window_s), self.total_expr(window_s)
        return (
            f"clamp(\n  ({total} - ({good} or vector(0)))\n  / ({total} > 0),\n  0, 1\n)"
            f"\nor\n{total} * 0"
        )


@dataclass(frozen=True)
class PercentSli:
    """A query returning the good share in percent over its own range (e.g. 5m), which does
    not decompose into event counts: longer windows average it over time."""

    query: str
    own_window: int | None  # the query's range, when all its range selectors agree
    reason: str = ""  # why it is not an event ratio


def increase_of(counter: str) -> str:
    """A counter's events over the window, summed: the good/total template of a counter
    selector (`sum(increase(sel[{{window}}]))`)."""
    return f"sum(increase({counter}[{WINDOW}]))"


def _counter_sli(good_series: str, total_series: str, where: str) -> CounterSli:
    """A counter SLI from a good and a total counter selector."""
    return CounterSli(
        good=increase_of(good_series),
        total=increase_of(total_series),
        good_selector=selector_of(good_series, where),
        total_selector=selector_of(total_series, where),
    )


def _wrap_counter(text: str, what: str, slo_id: str) -> tuple[str, Selector | None]:
    """A user good/total query as a template and its counter when it reads one: a
    `{{window}}` template of one counter, or a plain selector, becomes
    `sum(increase(sel[{{window}}]))` (so rate and increase mix safely); others are kept."""
    where = f"SLO {slo_id!r}: {what}"
    if WINDOW in text:
        sel = counter_of(text, where)
        return (increase_of(sel.text), sel) if sel else (f"sum({text.strip()})", None)
    if is_selector(text):
        sel = selector_of(text.strip(), where)
        return increase_of(text.strip()), sel
    raise InvalidInputError(
        f"SLO {slo_id!r}: {what} {text!r} has no {WINDOW} placeholder and is not a plain counter "
        f"selector; write e.g. sum(increase(http_requests_total[{WINDOW}]))"
    )


def threshold_seconds(slo: SLO) -> Decimal:
    if slo.sli.threshold_ms is None or slo.sli.threshold_ms <= 0:
        raise InvalidInputError(f"SLO {slo.id!r}: a latency SLI needs a positive threshold")
    return to_decimal(slo.sli.threshold_ms) / Decimal(1000)


def _histogram(service: Service, slo: SLO, selector: str) -> CounterSli:
    m = _SELECTOR.match(selector)
    assert m is not None
    base = re.sub(r"_(bucket|count|sum)$", "", m.group("name"))
    # Prometheus convention is seconds; a *_milliseconds histogram has bounds in ms.
    bound = threshold_seconds(slo)
    if "millisecond" in base:
        bound = bound * 1000
    matchers = m.group("matchers")
    bucket = f"{base}_bucket{_merge_matchers(matchers, le_matcher(bound))}"
    count = f"{base}_count{matchers or ''}"
    return _counter_sli(bucket, count, f"SLO {slo.id!r}: sli.query")


def _from_ratio(slo: SLO, query: str) -> CounterSli | PercentSli:
    """A percent query as event counts when it is an event ratio; else time-weighted."""
    try:
        shape: RatioShape | NotARatio = shape_of(query, "sli.query")
    except InvalidInputError as exc:
        # promql-parser may lag Prometheus's syntax: keep the query, say why
        shape = NotARatio(str(exc).removeprefix("sli.query: "))
    if isinstance(shape, NotARatio):
        ranges = {parse_duration(r) for r in _RANGE.findall(query)}
        return PercentSli(
            query=query.strip(),
            own_window=ranges.pop() if len(ranges) == 1 else None,
            reason=shape.reason,
        )
    total = increase_of(shape.total.text)
    if shape.good is not None:
        return CounterSli(increase_of(shape.good.text), total, shape.good, shape.total)
    assert shape.bad is not None
    # good = total - bad; a bad counter that does not exist yet means no bad events
    good = f"({total} - ({increase_of(shape.bad.text)} or vector(0)))"
    return CounterSli(good, total, None, shape.total, shape.bad)


def time_weighted_notes(pairs: Iterable[tuple[Service, SLO]]) -> list[str]:
    """One line per SLO whose percent query is not an event ratio: commands print these
    once, so nobody mistakes a time-weighted average for an event-weighted SLI."""
    notes = []
    for service, slo in pairs:
        if slo.sli.query is None or slo.sli.good_query is not None:
            continue
        q = sli_queries(service, slo)
        if isinstance(q, PercentSli):
            notes.append(
                f"SLO {service.name}/{slo.id}: its query is not an event ratio ({q.reason}); "
                "it is averaged over time (time-weighted), not counted per event"
            )
    return notes


def sli_queries(service: Service, slo: SLO) -> CounterSli | PercentSli:
    """How this SLO's SLI is computed from Prometheus data."""
    sli = slo.sli
    if (sli.good_query is None) != (sli.total_query is None):
        raise InvalidInputError(f"SLO {slo.id!r}: give both good_query and total_query, or neither")
    if sli.good_query is not None and sli.total_query is not None:
        good_text, total_text = sli.good_query, sli.total_query
        if LE in good_text + total_text:
            le = le_matcher(threshold_seconds(slo))
            good_text, total_text = good_text.replace(LE, le), total_text.replace(LE, le)
        good, good_sel = _wrap_counter(good_text, "good_query", slo.id)
        total, total_sel = _wrap_counter(total_text, "total_query", slo.id)
        if (
            WINDOW in good_text
            and WINDOW in total_text
            and (good_sel is None) != (total_sel is None)
        ):
            # One template became increase(), the other is an expression kept as written:
            # mixing them would divide a rate by an increase. Keep both as the user wrote
            # them (consistent with each other), without the counter shortcut.
            good, total = f"sum({good_text.strip()})", f"sum({total_text.strip()})"
            good_sel = total_sel = None
        return CounterSli(good, total, good_sel, total_sel)
    if sli.query is not None:
        if sli.type == "latency" and is_selector(sli.query):
            return _histogram(service, slo, sli.query)
        return _from_ratio(slo, sli.query)
    # No query: nexus-sre's own counters, which count per SLO (latency-good included).
    m = "{" + slo_matchers(service, slo) + "}"
    return _counter_sli(DEFAULT_GOOD_METRIC + m, DEFAULT_TOTAL_METRIC + m, f"SLO {slo.id!r}")
