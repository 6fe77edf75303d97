"""Reading SLIs from Datadog (against the fake API): exact per-minute counts over chunked
requests pinned to one end, no data as no data, and every failure a clear error."""

from __future__ import annotations

import itertools
import random
import time
from datetime import UTC, datetime

import pytest
from fake_datadog import API_KEY, FakeDatadog, minutes

from conftest import GOOD, TOTAL, checkout_slo, dd_config
from nexus_sre.datadog.metrics import MAX_POINTS, MetricsReader
from nexus_sre.datadog.queries import DatadogSli
from nexus_sre.datadog.settings import connect
from nexus_sre.datadog.source import evaluations
from nexus_sre.errors import BackendError, InvalidInputError, NoDataError, QueryError
from nexus_sre.slo.windows import longest_alert_window

END = 1_780_000_000 // 60 * 60
DAY = 1440


def _scenario(fake: FakeDatadog, days: int = 30, seed: int = 7) -> tuple[list, list]:
    """Random per-minute totals and goods, some minutes without any point."""
    rnd = random.Random(seed)
    n = days * DAY
    total = [None if rnd.random() < 0.02 else float(rnd.randint(0, 90)) for _ in range(n)]
    good = [
        None if t is None else float(t - (rnd.random() < 0.05) * rnd.randint(0, int(t)))
        for t in total
    ]
    start = END - n * 60
    fake.define(TOTAL, minutes(start, total))
    fake.define(GOOD, minutes(start, good))
    return good, total


def _reader(fake: FakeDatadog, **kw) -> MetricsReader:
    return MetricsReader(connect(dd_config(fake.url)), **kw)


def test_a_30_day_period_is_read_exactly_in_chunks_pinned_to_one_end(fake) -> None:
    good, total = _scenario(fake)
    (e,) = evaluations(dd_config(fake.url), end=datetime.fromtimestamp(END, UTC))
    want_total = sum(t for t in total if t is not None)
    want_good = sum(g for g in good if g is not None)
    assert (e.good, e.total) == (want_good, want_total)
    assert e.sli_percent == pytest.approx(100 * want_good / want_total)
    # The 30 days and the lead-in of the longest alert window (3d: alerts at the period's
    # start see full windows) in chunks of at most 1500 points, contiguous, ending at END.
    fetched = 30 * 86400 + longest_alert_window(dd_config(fake.url).slo("checkout-availability"))
    spans = sorted((p["from"], p["to"]) for _, op, p in fake.requests if op == "query_metrics")
    assert len(spans) == -(-fetched // 60 // MAX_POINTS)
    assert all((to - frm + 1) // 60 <= MAX_POINTS for frm, to in spans)
    assert spans[0][0] == END - fetched and spans[-1][1] == END - 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))
    assert fake.rejected == []


def test_both_queries_go_in_one_request_as_exact_per_minute_sums(fake) -> None:
    _scenario(fake, days=1)
    with _reader(fake) as r:
        r.counts(DatadogSli(GOOD, TOTAL), END - 3600, END)
    ((_, _, params),) = [x for x in fake.requests if x[1] == "query_metrics"]
    assert params["query"] == f"{GOOD}.rollup(sum, 60), {TOTAL}.rollup(sum, 60)"


def test_a_chunk_beyond_the_point_limit_is_an_error_not_averaged(fake) -> None:
    _scenario(fake, days=2)
    with _reader(fake, max_points=MAX_POINTS + 1) as r, pytest.raises(BackendError) as err:
        r.counts(DatadogSli(GOOD, TOTAL), END - 2 * 86400, END)
    assert "rolled" in str(err.value) and "120s" in str(err.value)


def test_a_grouped_query_adds_up_its_series(fake) -> None:
    start = END - 600
    fake.define(TOTAL, minutes(start, [5.0] * 10), minutes(start, [7.0] * 10))
    fake.define(GOOD, minutes(start, [4.0] * 10), minutes(start, [7.0] * 10))
    with _reader(fake) as r:
        c = r.counts(DatadogSli(GOOD, TOTAL), start, END)
    assert c.total.tolist() == [12] * 10 and c.good.tolist() == [11] * 10


def test_an_empty_series_is_no_data_never_100_percent(fake) -> None:
    with pytest.raises(NoDataError, match="no events"):
        evaluations(dd_config(fake.url), end=datetime.fromtimestamp(END, UTC))
    other = {
        "id": "other",
        "target": 99,
        "sli": {
            "type": "availability",
            "goodQuery": "sum:other.ok{*}.as_count()",
            "totalQuery": "sum:other.all{*}.as_count()",
        },
    }
    fake.define("sum:other.all{*}.as_count()", minutes(END - 600, [10.0] * 10))
    fake.define("sum:other.ok{*}.as_count()", minutes(END - 600, [10.0] * 10))
    config = dd_config(fake.url, slos=[checkout_slo(), other])
    evs = {e.slo_id: e for e in evaluations(config, end=datetime.fromtimestamp(END, UTC))}
    assert evs["checkout-availability"].total == 0
    assert evs["checkout-availability"].sli_percent is None
    assert evs["other"].sli_percent == 100.0


def test_429_waits_as_the_rate_limit_headers_say(fake) -> None:
    _scenario(fake, days=1)
    headers = {
        "X-RateLimit-Limit": "100",
        "X-RateLimit-Period": "60",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "7",
    }
    fake.fail_next(429, times=2, headers=headers)
    slept: list[float] = []
    with _reader(fake, sleep=slept.append) as r:
        c = r.counts(DatadogSli(GOOD, TOTAL), END - 600, END)
    assert slept == [7.0, 7.0] and c.has_data
    fake.fail_next(429, headers={**headers, "X-RateLimit-Reset": "3600"})
    with _reader(fake, sleep=slept.append) as r, pytest.raises(BackendError) as err:
        r.counts(DatadogSli(GOOD, TOTAL), END - 600, END)
    assert "rate limited for 3600s" in str(err.value) and "limit 100, period 60" in str(err.value)


def test_5xx_is_retried_a_bounded_number_of_times(fake) -> None:
    _scenario(fake, days=1)
    fake.fail_next(500, times=2)
    slept: list[float] = []
    with _reader(fake, sleep=slept.append, retries=3, backoff=0.25) as r:
        assert r.counts(DatadogSli(GOOD, TOTAL), END - 600, END).has_data
    assert slept == [0.25, 0.5]
    fake.fail_next(503, times=4)
    with _reader(fake, sleep=slept.append, retries=3) as r, pytest.raises(BackendError) as err:
        r.counts(DatadogSli(GOOD, TOTAL), END - 600, END)
    assert "after 4 attempt(s)" in str(err.value) and "HTTP 503" in str(err.value)


def test_403_names_the_key_variables(fake, monkeypatch) -> None:
    monkeypatch.setenv("TEAM_DD_API", "wrong-key")
    monkeypatch.setenv("TEAM_DD_APP", "x")
    config = dd_config(fake.url, apiKeyEnv="TEAM_DD_API", appKeyEnv="TEAM_DD_APP")
    with pytest.raises(BackendError) as err:
        evaluations(config, end=datetime.fromtimestamp(END, UTC))
    assert "HTTP 403" in str(err.value)
    assert "$TEAM_DD_API" in str(err.value) and "$TEAM_DD_APP" in str(err.value)
    assert "wrong-key" not in str(err.value)


def test_a_missing_key_variable_is_named(fake, monkeypatch) -> None:
    monkeypatch.delenv("DD_APP_KEY")
    with pytest.raises(InvalidInputError, match=r"DD_APP_KEY \(global.datadog.appKeyEnv\)"):
        evaluations(dd_config(fake.url), end=datetime.fromtimestamp(END, UTC))


def test_a_server_that_never_answers_times_out_with_a_clear_error(fake) -> None:
    fake.fail_next(None, times=2)
    config = dd_config(fake.url, timeout=1)
    began = time.monotonic()
    reader = MetricsReader(connect(config), retries=1, sleep=lambda s: None)
    with reader as r, pytest.raises(BackendError) as err:
        r.counts(DatadogSli(GOOD, TOTAL), END - 600, END)
    assert time.monotonic() - began < 10
    assert "no answer" in str(err.value) and "after 2 attempt(s)" in str(err.value)


def test_an_unreachable_api_is_a_clear_error() -> None:
    dead = FakeDatadog()
    url = dead.url
    dead.close()
    reader = MetricsReader(connect(dd_config(url)), retries=1, sleep=lambda s: None)
    with reader as r, pytest.raises(BackendError) as err:
        r.counts(DatadogSli(GOOD, TOTAL), END - 600, END)
    assert url in str(err.value) and "unreachable" in str(err.value)


def test_a_query_the_api_rejects_is_a_query_error(fake) -> None:
    with _reader(fake) as r, pytest.raises(QueryError, match="only rolls up counts by sum"):
        r._read_chunk("sum:x{*}.rollup(avg, 60)", END - 60, END, END - 60, None, None)  # type: ignore[arg-type]


def test_the_keys_go_in_headers_and_the_site_picks_the_host() -> None:
    from nexus_sre.config.model import DatadogSettings

    conn = connect(
        DatadogSettings(site="datadoghq.eu"), env={"DD_API_KEY": API_KEY, "DD_APP_KEY": "k"}
    )
    assert conn.base_url == "https://api.datadoghq.eu"
    assert conn.configuration().host == "https://api.datadoghq.eu"
    assert API_KEY not in repr(conn)
