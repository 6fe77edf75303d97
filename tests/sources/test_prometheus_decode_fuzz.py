"""Fuzzing the Prometheus response decoder: random JSON shapes and numbers go through the
body check, the result-shape checks and the sample checks, and through the backend's
counts/history/budget readers. The property: a result or a clear SloError, never another
exception; and a result only holds finite, non-negative event counts."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prom_harness import make_config, make_slo

from nexus_sre.errors import SloError
from nexus_sre.rules.sli import sli_queries
from nexus_sre.sources.prometheus import PrometheusBackend
from nexus_sre.sources.prometheus_decode import (
    MAX_EVENTS,
    event_count,
    matrix_result,
    sample,
    vector_result,
)
from nexus_sre.sources.prometheus_instant import read_counts, slo_windows

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
QUERY = "sum(increase(x[5m]))"

numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.sampled_from([0, 1, -0.0, 2**53, 2**53 + 1, 1e308, -1e308])
)
number_text = numbers.map(str) | st.sampled_from(
    ["NaN", "+Inf", "-Inf", "1e308", "1e309", "-5", "0x10", "", " 1", "1_000", "nan"]
)
scalars = st.none() | st.booleans() | numbers | number_text | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["metric", "value", "values", "x"]) | st.text(max_size=4),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)
labels = st.dictionaries(
    st.sampled_from(["nexus_sre_kind", "nexus_sre_window", "service", "__name__"]),
    st.sampled_from(["good", "total", "3600", "86400", "300", "x"]) | st.text(max_size=4),
    max_size=3,
)
pairs = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 2 * 10**9) | numbers, number_text | scalars).map(list),
        json_values,
    ),
    max_size=4,
)
series = st.fixed_dictionaries(
    {"metric": labels | json_values},
    optional={
        "value": pairs.map(lambda p: p[0] if p else []) | json_values,
        "values": pairs | json_values,
    },
)
results = st.lists(series | json_values, max_size=4) | json_values


def _clear(run: Any) -> Any:
    try:
        return run()
    except SloError as exc:
        assert str(exc)
        return None


@FUZZ
@given(raw=scalars | json_values)
def test_event_count(raw: Any) -> None:
    value = _clear(lambda: event_count(raw, QUERY, "total"))
    if value is not None:
        assert math.isfinite(value) and 0 <= value <= MAX_EVENTS
    _clear(lambda: sample(raw, QUERY))


@FUZZ
@given(result=results, vector=st.booleans())
def test_result_shapes(result: Any, vector: bool) -> None:
    decode = vector_result if vector else matrix_result
    out = _clear(lambda: decode({"result": result}, QUERY))
    if out is None:
        return
    for s in out:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in s["metric"].items())
        for ts, raw in [s["value"]] if vector else s["values"]:
            assert math.isfinite(ts)
            _clear(lambda raw=raw: event_count(raw, QUERY, "good"))


def test_a_timestamp_beyond_any_float_is_a_clear_error() -> None:
    """Found by the fuzzer: a JSON integer too large for a float as a sample's time raised
    OverflowError, not the decoder's BackendError."""
    huge = 10**400
    for decode, key, pair in (
        (vector_result, "value", [huge, "1"]),
        (matrix_result, "values", [[huge, "1"]]),
    ):
        try:
            decode({"result": [{"metric": {}, key: pair}]}, QUERY)
        except SloError as exc:
            assert "a sample with a bad timestamp" in str(exc)
        else:
            raise AssertionError("accepted a timestamp beyond any float")


class _Answering(PrometheusBackend):
    """A backend whose every HTTP answer is `body` (raw bytes through the real decoder)."""

    body = b""

    def _fetch(self, url: str, params: Any, timeout: float, began: float) -> tuple[int, bytes]:
        return 200, self.body


def _body(result: Any, kind: Any, status: Any) -> bytes:
    return json.dumps({"status": status, "data": {"resultType": kind, "result": result}}).encode()


BACKEND = _Answering("http://127.0.0.1:9", retries=0)  # one client: building one is slow
SLO = make_slo(period_s=86400)
SERVICE = make_config([SLO]).services[0]


@FUZZ
@given(
    result=results,
    kind=st.sampled_from(["vector", "matrix"]) | scalars,
    status=st.sampled_from(["success", "error"]) | scalars,
)
def test_backend_readers(result: Any, kind: Any, status: Any) -> None:
    backend = BACKEND
    backend.body = _body(result, kind, status)
    counts = _clear(lambda: backend.counts((SERVICE, SLO), 3600, at=1_700_000_000))
    if counts is not None:
        good, total = counts
        assert 0 <= good <= total <= MAX_EVENTS
    points = _clear(lambda: backend.history((SERVICE, SLO), 1_700_000_000, 1_700_003_600, 60))
    for p in points or []:
        assert 0 <= p.good <= p.total <= MAX_EVENTS
    q = sli_queries(SERVICE, SLO)
    windows = slo_windows(SLO, 86400)
    by_window = _clear(lambda: read_counts(backend, q, windows, 1_700_000_000))
    for c in (by_window or {}).values():
        assert 0 <= c.good <= c.total <= MAX_EVENTS


@FUZZ
@given(raw=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_raw_bodies(raw: bytes) -> None:
    BACKEND.body = raw
    _clear(lambda: BACKEND.query(QUERY, 1_700_000_000))
    _clear(lambda: BACKEND.query_range(QUERY, 1_700_000_000, 1_700_000_600, 60))
