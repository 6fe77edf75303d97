"""Broken Prometheus answers (wrong shapes, NaN, infinite, negative, huge samples) are a
BackendError that quotes the query and what came back: in the library and, for `report` and
`budgets`, as exit 2 without a traceback. A fake HTTP server speaks Prometheus's API and
answers the bodies under test."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from prom_harness import make_config, make_slo

from nexus_sre.errors import BackendError
from nexus_sre.sources.prometheus_instant import prometheus_budgets
from nexus_sre.sources.select import evaluations_from

# Answers for one query: (path, promql) -> the "result" list.
Answer = Callable[[str, str], list[Any]]

END = datetime(2026, 1, 10, tzinfo=UTC)


def _kinds(promql: str) -> list[tuple[str, str]]:
    """(kind, window) of every good/total part of a nexus-sre counts query."""
    found = re.findall(
        r'"nexus_sre_kind", "(good|total)"(?:, "", ""\), "nexus_sre_window", "(\d+)")?', promql
    )
    return [(k, w) for k, w in found]


def _series(value: str) -> Answer:
    """Every good/total part of the query answers `value` (one sample; many on a range)."""

    def answer(path: str, promql: str) -> list[Any]:
        out = []
        for kind, window in _kinds(promql):
            metric = {"nexus_sre_kind": kind}
            if window:
                metric["nexus_sre_window"] = window
            if path.endswith("query_range"):
                out.append({"metric": metric, "values": [[END.timestamp() - 60, value]]})
            else:
                out.append({"metric": metric, "value": [END.timestamp(), value]})
        return out

    return answer


def _shape(series: dict[str, Any]) -> Answer:
    return lambda path, promql: [] if "__name__" in promql else [series]


@pytest.fixture
def fake_prometheus() -> Iterator[Callable[[Answer], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(answer: Answer) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                promql = parse_qs(url.query)["query"][0]
                kind = "matrix" if url.path.endswith("query_range") else "vector"
                result = [] if "__name__" in promql else answer(url.path, promql)
                body = json.dumps(
                    {"status": "success", "data": {"resultType": kind, "result": result}}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


BAD_SAMPLES = {
    "1e308": "above",
    "NaN": "NaN",
    "+Inf": "infinite",
    "-5": "negative",
    "oops": "non-numeric",
}

BAD_SHAPES = {
    "values-not-a-list": {"metric": {"nexus_sre_kind": "total"}, "values": "oops", "value": "oops"},
    "labels-not-strings": {"metric": {"nexus_sre_kind": 1}, "values": [], "value": [0, "1"]},
    "short-pair": {"metric": {}, "values": [[1]], "value": [1]},
    "series-not-object": "oops",
}


def _run_both(url: str) -> list[BackendError]:
    """`report`'s history path and `budgets`' instant path against one backend."""
    config = make_config([make_slo(period_s=86400)])
    errors = []
    for run in (
        lambda: evaluations_from("prometheus", config, prometheus_url=url, end=END, days=1),
        lambda: prometheus_budgets(config, prometheus_url=url, end=END, days=1),
    ):
        with pytest.raises(BackendError) as info:
            run()
        errors.append(info.value)
    return errors


@pytest.mark.parametrize("value", sorted(BAD_SAMPLES))
def test_bad_samples_are_a_backend_error_saying_what_came_back(fake_prometheus, value) -> None:
    url = fake_prometheus(_series(value))
    for error in _run_both(url):
        text = str(error)
        assert repr(value) in text and BAD_SAMPLES[value] in text
        assert "increase(" in text  # the query is quoted
        assert "no events" not in text


@pytest.mark.parametrize("name", sorted(BAD_SHAPES))
def test_malformed_results_are_a_backend_error(fake_prometheus, name) -> None:
    url = fake_prometheus(_shape(BAD_SHAPES[name]))
    for error in _run_both(url):
        assert "for the query" in str(error) and "increase(" in str(error)


def test_good_answers_still_evaluate(fake_prometheus) -> None:
    """The checks let a sane answer through: total 100, good 100 on each path."""
    url = fake_prometheus(_series("100"))
    config = make_config([make_slo(period_s=86400)])
    (ev,) = evaluations_from("prometheus", config, prometheus_url=url, end=END, days=1)
    assert (ev.good, ev.total) == (100, 100)
    (ev,) = prometheus_budgets(config, prometheus_url=url, end=END, days=1)
    assert (ev.good, ev.total) == (100, 100)


def test_tiny_negative_extrapolation_reads_as_zero(fake_prometheus) -> None:
    url = fake_prometheus(_series("-0.25"))
    config = make_config([make_slo(period_s=86400)])
    # Zero events everywhere: the honest "no events" message, not a bad-sample error.
    with pytest.raises(BackendError, match="no events"):
        prometheus_budgets(config, prometheus_url=url, end=END, days=1)


CONFIG = (
    "version: '1.0'\nservices:\n  - name: api\n    tier: tier-2\n    slos:\n"
    "      - id: availability\n        target: 99.0\n        sli: {type: availability}\n"
)


@pytest.mark.parametrize(
    ("command", "answer", "expected"),
    [
        ("report", _shape(BAD_SHAPES["values-not-a-list"]), "'oops'"),
        ("budgets", _shape(BAD_SHAPES["values-not-a-list"]), "'oops'"),
        ("report", _series("1e308"), "'1e308'"),
        ("budgets", _series("1e308"), "'1e308'"),
        ("budgets", _series("NaN"), "'NaN'"),
        ("report", _series("-5"), "'-5'"),
    ],
)
def test_cli_exits_2_without_a_traceback(
    fake_prometheus, tmp_path: Path, command: str, answer: Answer, expected: str
) -> None:
    url = fake_prometheus(answer)
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(CONFIG)
    where = ["--config", str(cfg)] if command == "report" else [str(cfg)]
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "nexus_sre",
            command,
            *where,
            "--source",
            "prometheus",
            "--prometheus-url",
            url,
            "--days",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert expected in r.stderr and "increase(" in r.stderr
