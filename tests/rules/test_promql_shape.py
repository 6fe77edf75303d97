"""Percent-query SLIs taken apart by a real PromQL parser: the seed's queries and the latency
histogram form become good/total counters; shapes that only look similar do not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from prom_harness import make_config, make_slo

from nexus_sre.errors import InvalidInputError
from nexus_sre.rules import generate
from nexus_sre.rules.promql_shape import NotARatio, RatioShape, shape_of
from nexus_sre.rules.sli import CounterSli, PercentSli, sli_queries, time_weighted_notes

SEED_CONFIG = (
    '(sum(rate(http_requests_total{service="nexus-api",code!~"5.."}[5m])) /\n'
    ' sum(rate(http_requests_total{service="nexus-api"}[5m]))) * 100\n'
)
SEED_API = (
    'sum(rate(http_requests_total{code!~"5.."}[5m])) / sum(rate(http_requests_total[5m])) * 100'
)
LATENCY = (
    'sum(rate(http_request_duration_seconds_bucket{job="api",le="0.3"}[5m]))'
    ' / sum(rate(http_request_duration_seconds_count{job="api"}[5m])) * 100'
)


def _ratio(query: str) -> RatioShape:
    shape = shape_of(query)
    assert isinstance(shape, RatioShape), shape
    return shape


def test_the_seed_config_query() -> None:
    s = _ratio(SEED_CONFIG)
    assert s.good is not None and s.bad is None
    assert s.good.name == s.total.name == "http_requests_total"
    assert set(s.good.matchers) == {("service", "=", "nexus-api"), ("code", "!~", "5..")}
    assert s.total.matchers == (("service", "=", "nexus-api"),)
    assert (s.function, s.window_s, s.grouping) == ("rate", 300, None)


def test_the_seed_api_query_without_outer_parentheses() -> None:
    s = _ratio(SEED_API)  # `a / b * 100` is `(a / b) * 100`
    assert s.good is not None and s.good.matchers == (("code", "!~", "5.."),)
    assert s.total.matchers == () and s.total.text == "http_requests_total"


def test_the_latency_histogram_form() -> None:
    s = _ratio(LATENCY)
    assert s.good is not None
    assert s.good.name == "http_request_duration_seconds_bucket"
    assert ("le", "=", "0.3") in s.good.matchers
    assert s.total.name == "http_request_duration_seconds_count"


@pytest.mark.parametrize(
    "query",
    [
        '1 - sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))',
        '(1 - sum(increase(x{code=~"5.."}[1h])) / sum(increase(x[1h]))) * 100',
        '100 * (1 - (sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))))',
    ],
)
def test_one_minus_bad_over_total(query: str) -> None:
    s = _ratio(query)
    assert s.good is None and s.bad is not None
    assert s.bad.matchers == (("code", "=~", "5.."),) and s.total.name == "x"


def test_grouping_is_read_and_a_share_without_percent_is_accepted() -> None:
    s = _ratio("sum by (route) (increase(a[1h])) / sum by (route) (increase(b[1h])) * 100")
    assert (s.grouping, s.labels, s.window_s) == ("by", ("route",), 3600)
    s = _ratio("sum without (pod) (rate(a[5m])) / sum without (pod) (rate(b[5m]))")
    assert (s.grouping, s.labels) == ("without", ("pod",))


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("sum(rate(a[5m])) / sum(rate(b[1h])) * 100", "different windows"),
        ("sum(rate(a[5m] offset 1h)) / sum(rate(b[5m])) * 100", "offset"),
        ("sum(rate(a[5m] @ 1700000000)) / sum(rate(b[5m])) * 100", "offset or @"),
        ("sum(rate(a[5m])) / 100", "not a sum"),
        ("sum(rate(a[5m])) / sum(rate(b[5m])) * 100 or vector(100)", "division"),
        ("sum(rate(a[5m]) or rate(c[5m])) / sum(rate(b[5m]))", "rate"),
        ("sum(rate(a[5m])) / sum(increase(b[5m])) * 100", "not an event share"),
        ("sum(irate(a[5m])) / sum(irate(b[5m])) * 100", "irate"),
        ("avg(rate(a[5m])) / avg(rate(b[5m])) * 100", "other than sum"),
        ("sum by (x) (rate(a[5m])) / sum by (y) (rate(b[5m])) * 100", "different labels"),
        ("sum(rate(a[5m])) / on() sum(rate(b[5m])) * 100", "modifiers"),
        ("sum(rate(a[5m])) / sum(rate(b[5m])) * 50", "50"),
        ("sum(rate(a[5m])) / sum(rate(b[5m])) * 100 > 99", "division"),
        ("2 - sum(rate(a[5m])) / sum(rate(b[5m]))", "division"),
        ("sum(rate(a[5m:1m])) / sum(rate(b[5m:1m])) * 100", "range selector"),
        ("sum(rate(a[5m])) / sum(rate(b[5m])) * 100 * 100", "division"),
        ("100 * sum(rate(a[5m])) / sum(rate(b[5m]))", "not a sum"),
        (
            "histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))",
            "division",
        ),
        ("sum(rate(a[5m])) - sum(rate(b[5m]))", "division"),
        ("sum(rate(a[5m]))", "one counter"),
    ],
)
def test_look_alikes_do_not_decompose(query: str, why: str) -> None:
    shape = shape_of(query)
    assert isinstance(shape, NotARatio), shape
    assert why in shape.reason


def test_not_promql_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match=r"sli.query: not valid PromQL"):
        shape_of("sum(rate(a[5m]) / ")


def _slo(query: str, slo_id: str = "seed"):
    return next(
        iter(make_config([make_slo(slo_id, sli={"type": "availability", "query": query})]).slos())
    )


def test_a_decomposed_query_is_event_based_everywhere() -> None:
    service, slo = _slo(SEED_CONFIG)
    q = sli_queries(service, slo)
    assert isinstance(q, CounterSli)
    assert q.good == (
        'sum(increase(http_requests_total{code!~"5..",service="nexus-api"}[{{window}}]))'
    )
    assert q.total == 'sum(increase(http_requests_total{service="nexus-api"}[{{window}}]))'
    rules = generate([(service, slo)])[0]
    text = str(rules.groups)
    # event-weighted: ratios of increases, no time average of a 5-minute ratio
    assert "avg_over_time" not in text and "slo_error_ratio:query" not in text
    assert "increase(http_requests_total" in text
    assert time_weighted_notes([(service, slo)]) == []


def test_bad_form_counts_missing_bad_series_as_zero() -> None:
    q = sli_queries(*_slo('1 - sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m]))'))
    assert isinstance(q, CounterSli)
    assert q.good_expr(300) == (
        '(sum(increase(x[5m])) - (sum(increase(x{code=~"5.."}[5m])) or vector(0)))'
    )


def test_other_queries_stay_time_weighted_and_say_so(tmp_path: Path) -> None:
    query = "sum(rate(a[5m])) / sum(rate(b[1h])) * 100"
    service, slo = _slo(query, "odd")
    assert isinstance(sli_queries(service, slo), PercentSli)
    (note,) = time_weighted_notes([(service, slo)])
    assert "api/odd" in note and "different windows" in note and "time-weighted" in note
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(
        "version: '1.0'\nservices:\n  - name: api\n    tier: tier-2\n    slos:\n"
        "      - id: odd\n        target: 99.0\n"
        f"        sli: {{type: availability, query: '{query}'}}\n"
    )
    r = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "rules", str(cfg), "-o", str(tmp_path / "r.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("api/odd") == 1 and "time-weighted" in r.stderr
