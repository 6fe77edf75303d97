"""PromQL for an SLO's SLI: good and total events over a window, and the error ratio.

Three shapes of SLI reach Prometheus (see docs/prometheus.md):

* counters: a good and a total event count, each an expression with a `{{window}}`
  placeholder (or a plain counter selector we wrap in `increase(...[{{window}}])`). With no
  query at all, nexus-sre's own counters `nexus_sre_requests_good_total` and
  `nexus_sre_requests_total` (labels service, slo) are used.
* a classic histogram (latency `query` naming a histogram): good = the bucket at the threshold.
* a percent query (`query` returning the good share in percent over its own range).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..common.durations import format_duration, parse_duration
from ..common.figures import fmt_number, to_decimal
from ..config.model import SLO, Service
from ..errors import InvalidInputError

WINDOW = "{{window}}"
LE = "{{le}}"

DEFAULT_TOTAL_METRIC = "nexus_sre_requests_total"
DEFAULT_GOOD_METRIC = "nexus_sre_requests_good_total"

_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?P<matchers>\{[^{}]*\})?\s*$")
_RANGE = re.compile(r"\[(\d+(?:ms|s|m|h|d|w|y))(?::[^\]]*)?\]")


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

    `good_series`/`total_series` are plain selectors when we know the raw series (used to
    write promtool test input); None when the user gave arbitrary expressions.
    """

    good: str
    total: str
    good_series: str | None = None
    total_series: str | None = None

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
    """A query returning the good share in percent over its own range (e.g. 5m)."""

    query: str
    own_window: int | None  # the query's range, when all its range selectors agree


def _wrap_counter(text: str, what: str, slo_id: str) -> str:
    """A user good/total query as a template: `{{window}}` kept, plain selectors wrapped."""
    if WINDOW in text:
        return f"sum({text.strip()})"
    if _SELECTOR.match(text):
        return f"sum(increase({text.strip()}[{WINDOW}]))"
    raise InvalidInputError(
        f"SLO {slo_id!r}: {what} {text!r} has no {WINDOW} placeholder and is not a plain counter "
        f"selector; write e.g. sum(increase(http_requests_total[{WINDOW}]))"
    )


def _plain_series(text: str) -> str | None:
    """The selector itself when it names one concrete series set with `=` matchers only."""
    m = _SELECTOR.match(text)
    if not m or re.search(r"=~|!=|!~", m.group("matchers") or ""):
        return None
    return text.strip()


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
    good_series = None
    if not re.search(r"=~|!=|!~", matchers or ""):
        le = le_spellings(bound)[0]
        good_series = f"{base}_bucket{_merge_matchers(matchers, 'le=' + quote(le))}"
    return CounterSli(
        good=f"sum(increase({bucket}[{WINDOW}]))",
        total=f"sum(increase({count}[{WINDOW}]))",
        good_series=good_series,
        total_series=_plain_series(count),
    )


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
        return CounterSli(
            good=_wrap_counter(good_text, "good_query", slo.id),
            total=_wrap_counter(total_text, "total_query", slo.id),
            good_series=_plain_series(good_text),
            total_series=_plain_series(total_text),
        )
    if sli.query is not None:
        if sli.type == "latency" and _SELECTOR.match(sli.query):
            return _histogram(service, slo, sli.query)
        ranges = {parse_duration(r) for r in _RANGE.findall(sli.query)}
        return PercentSli(
            query=sli.query.strip(), own_window=ranges.pop() if len(ranges) == 1 else None
        )
    # No query: nexus-sre's own counters, which count per SLO (latency-good included).
    m = "{" + slo_matchers(service, slo) + "}"
    good_series, total_series = DEFAULT_GOOD_METRIC + m, DEFAULT_TOTAL_METRIC + m
    return CounterSli(
        good=f"sum(increase({good_series}[{WINDOW}]))",
        total=f"sum(increase({total_series}[{WINDOW}]))",
        good_series=good_series,
        total_series=total_series,
    )
