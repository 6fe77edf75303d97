"""Datadog metric queries of an SLO: telling them from PromQL, and the per-minute form read.

Pure text work, no client: the config checks use it too. A count read from Datadog must be
an exact sum per minute, never an average, so every query is read as
`<query>.as_count().rollup(sum, 60)` (`.as_count()` added when missing; a distribution's
`count:` aggregation is a count already).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config.model import SLO, Service
from ..errors import InvalidInputError

STEP_SECONDS = 60
# The metrics `nexus_sre.datadog.sender` submits (counts tagged service and slo): the SLI of
# an SLO without queries, as the Prometheus backend reads nexus_sre_requests_total.
GOOD_METRIC = "nexus_sre.requests.good"
TOTAL_METRIC = "nexus_sre.requests"

# `sum:metric.name{scope}`, `count:dist{...}`, `p99:dist{...}`, `count(v: v<=0.3):dist{...}`.
_DATADOG = re.compile(
    r"(?<![\w.])(?:sum|avg|min|max|count|p\d+(?:\.\d+)?)(?:\([^)]*\))?:\s*[A-Za-z][\w.]*\s*\{"
)
# What only PromQL has: label matchers with quotes, range selectors, our {{window}} template.
_PROMQL = re.compile(r"=\s*\"|=~|!~|\[\s*\d+[smhdwy]\s*\]|\{\{\s*window\s*\}\}")


def dialect(query: str) -> str:
    """ "datadog" for a Datadog metric query, else "promql"."""
    if _DATADOG.search(query) and not _PROMQL.search(query):
        return "datadog"
    return "promql"


def problem(query: str) -> str | None:
    """Why a Datadog good/total query cannot be read as exact per-minute counts, or None."""
    if ".rollup(" in query:
        return "leave out .rollup(...): nexus-sre reads per-minute sums (.rollup(sum, 60))"
    if ".as_rate()" in query:
        return "a rate is not a count: use .as_count() (or leave it out)"
    if re.match(r"\s*(avg|min|max|p\d)", query):
        return "use the sum: (or, for a distribution, count:) aggregation: counts add up"
    return None


def per_minute(query: str) -> str:
    """The query as read: exact per-minute counts."""
    why = problem(query)
    if why:
        raise InvalidInputError(f"Datadog query {query!r}: {why}")
    text = query.strip()
    if ".as_count()" not in text and not re.match(r"\s*count[(:]", text):
        text += ".as_count()"
    return f"{text}.rollup(sum, {STEP_SECONDS})"


@dataclass(frozen=True)
class DatadogSli:
    """An SLO's good and total queries, as configured (without the per-minute rollup)."""

    good: str
    total: str


def _tag(value: str) -> str:
    # Datadog lower-cases tag values on intake; a scope must match what is stored.
    return value.lower()


def sli_queries(service: Service, slo: SLO) -> DatadogSli:
    """The SLO's goodQuery/totalQuery, or the sender's counters for an SLO without queries."""
    sli = slo.sli
    if sli.query is not None:
        raise InvalidInputError(
            f"SLO {slo.id!r}: the datadog backend reads goodQuery and totalQuery (event "
            "counts); a single percent query is not supported"
        )
    if sli.good_query is None or sli.total_query is None:
        scope = f"{{service:{_tag(service.name)},slo:{_tag(slo.id)}}}"
        return DatadogSli(
            good=f"sum:{GOOD_METRIC}{scope}.as_count()",
            total=f"sum:{TOTAL_METRIC}{scope}.as_count()",
        )
    for what, q in (("goodQuery", sli.good_query), ("totalQuery", sli.total_query)):
        if dialect(q) != "datadog":
            raise InvalidInputError(
                f"SLO {slo.id!r}: {what} {q!r} is not a Datadog metric query "
                "(e.g. sum:trace.http.request.hits{service:checkout}.as_count())"
            )
    return DatadogSli(good=sli.good_query.strip(), total=sli.total_query.strip())
