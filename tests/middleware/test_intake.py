"""The browser error intake under hostile input (issue 19) and what it keeps (issue 13):
nesting, time, origin, Content-Type, rate limits, the digest, and staying out of the API's
own SLOs. Real Starlette and Flask apps, called in-process."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from flask import Flask
from hypothesis import example, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from nexus_sre.embedded import EmbeddedStore
from nexus_sre.errors import InvalidInputError
from nexus_sre.middleware import (
    SLOMiddleware,
    WSGISLOMiddleware,
    error_intake_route,
    error_intake_wsgi,
    parse_beacon,
)
from nexus_sre.middleware.beacon import json_depth

JSON = {"Content-Type": "application/json"}
BEACON = {"message": "TypeError: x is undefined", "component": "Cart", "url": "/cart"}


def frontend_store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.add_slo("web", "avail", target=99.0, window_seconds=86400)
    store.add_slo("api", "avail", target=99.0, window_seconds=3600)
    store.add_slo("api", "fast", target=95.0, window_seconds=3600, threshold_ms=100.0)
    return store


def client_for(store: EmbeddedStore, **options: Any) -> TestClient:
    options.setdefault("rate", 1000)
    options.setdefault("burst", 1000)
    route = error_intake_route(store, "/errors", service="web", **options)
    return TestClient(Starlette(routes=[route]), base_url="http://shop.example")


def web_total(store: EmbeddedStore) -> int:
    return store.counter("web", "avail").window(86400).total


# -- parsing ----------------------------------------------------------------------------


def test_deep_nesting_is_a_clear_error_without_recursion() -> None:
    body = b'{"message": "m", "x": ' + b"[" * 15000 + b"]" * 15000 + b"}"
    assert len(body) < 32 * 1024
    with pytest.raises(InvalidInputError, match="nested 15001 levels"):
        parse_beacon(body, max_bytes=64 * 1024)
    # Brackets inside strings are text, not nesting.
    assert json_depth(b'{"message": "[[[[[[[[[[[[[[[[[[[[{{{{{{{{", "a": [1]}') == 2
    assert parse_beacon(b'{"message": "[[[[[[[[[[[[[[[[[[[[[[[[[["}').message.startswith("[")


def test_deep_nesting_over_http_is_422_and_not_recorded_anywhere() -> None:
    store = frontend_store()
    route = error_intake_route(store, "/errors", service="web")
    app = Starlette(
        routes=[route], middleware=[Middleware(SLOMiddleware, recorder=store.recorder("api"))]
    )
    body = b"[" * 15000 + b"]" * 15000  # 30 KB: over the size limit
    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/errors", content=body, headers=JSON).status_code == 413
    body = b"[" * 6000 + b"]" * 6000  # 12 KB: under it
    r = client.post("/errors", content=body, headers=JSON)
    assert r.status_code == 422 and "nested" in r.json()["error"]
    assert store.counter("api", "avail").window(3600).total == 0
    assert web_total(store) == 0


@pytest.mark.parametrize(
    ("timestamp", "why"),
    [(1e308, "outside 1990..2200"), (-5, "outside"), (10**400, "out of range"), ("NaN", "outside")],
)
def test_impossible_timestamps_are_422(timestamp: Any, why: str) -> None:
    body = json.dumps({"message": "m", "timestamp": timestamp}).encode()
    if timestamp == "NaN":
        body = b'{"message": "m", "timestamp": NaN}'
    with pytest.raises(InvalidInputError, match=why):
        parse_beacon(body)
    store = frontend_store()
    r = client_for(store).post("/errors", content=body, headers=JSON)
    assert r.status_code == 422 and "timestamp" in r.json()["error"]
    assert web_total(store) == 0


@settings(max_examples=300, deadline=None)
@example(b"[" * 8000 + b"]" * 8000)  # under the size limit, deeper than json recurses
@example(b'{"message": "m", "timestamp": 1e308}')
@given(
    st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=30),
            lambda kids: (
                st.lists(kids, max_size=4)
                | st.dictionaries(
                    st.sampled_from(["message", "stack", "component", "url", "timestamp", "x"]),
                    kids,
                    max_size=5,
                )
            ),
            max_leaves=20,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_fuzz_parse_beacon_gives_a_beacon_or_a_clear_error(body: bytes) -> None:
    try:
        b = parse_beacon(body)
    except InvalidInputError as e:
        assert str(e).startswith("beacon")
        return
    assert isinstance(b.message, str) and b.message
    assert b.timestamp is None or 631_152_000 <= b.timestamp < 7_258_118_400


# -- time ---------------------------------------------------------------------------------


def test_beacons_are_recorded_at_server_time_by_default() -> None:
    store = frontend_store()
    client = client_for(store)
    twenty_days_ago = time.time() - 20 * 86400
    beacon = dict(BEACON, timestamp=twenty_days_ago * 1000)
    assert client.post("/errors", json=beacon).status_code == 204
    counter = store.counter("web", "avail")
    assert counter.window(300).total == 1  # now, not 20 days ago
    [kept] = store.browser_errors("web")
    assert kept.count == 1 and kept.last_seen >= time.time() - 60


def test_client_time_within_skew_or_422_counted_as_dropped() -> None:
    store = frontend_store()
    client = client_for(store, client_time=True, max_skew_seconds=600)
    ok = dict(BEACON, timestamp=time.time() - 300)
    assert client.post("/errors", json=ok).status_code == 204
    stale = dict(BEACON, timestamp=time.time() - 20 * 86400)
    r = client.post("/errors", json=stale)
    assert r.status_code == 422 and "server's time" in r.json()["error"]
    assert web_total(store) == 1
    assert store.browser_digest.totals("web") == (2, 1)


def test_beacon_outside_the_horizon_is_refused_and_counted_dropped() -> None:
    store = EmbeddedStore()
    store.add_slo("web", "avail", target=99.0, window_seconds=3600)  # one hour kept
    client = client_for(store, client_time=True, max_skew_seconds=10 * 86400)
    old = dict(BEACON, timestamp=time.time() - 2 * 86400)
    r = client.post("/errors", json=old)
    assert r.status_code == 422 and "horizon" in r.json()["error"]
    assert store.counter("web", "avail").window(3600).total == 0
    assert store.browser_digest.totals("web") == (1, 1)
    assert store.browser_errors("web") == []


# -- origin and Content-Type --------------------------------------------------------------


def test_default_accepts_only_same_origin_json() -> None:
    store = frontend_store()
    client = client_for(store)
    same = {"Origin": "http://shop.example"}
    assert client.post("/errors", json=BEACON, headers=same).status_code == 204
    assert client.post("/errors", json=BEACON).status_code == 204  # no Origin: not a browser
    # A cross-site HTML form: text/plain or urlencoded, from another origin.
    form = {"Content-Type": "text/plain", "Origin": "https://evil.example"}
    r = client.post("/errors", content=json.dumps(BEACON), headers=form)
    assert r.status_code == 415
    cross = {"Origin": "https://evil.example"}
    r = client.post("/errors", json=BEACON, headers=cross)
    assert r.status_code == 403 and "allowed_origins" in r.json()["error"]
    by_referer = {"Referer": "https://evil.example/page"}
    assert client.post("/errors", json=BEACON, headers=by_referer).status_code == 403
    assert client.post("/errors", json=BEACON, headers={"Origin": "null"}).status_code == 403
    assert web_total(store) == 2


def test_allowed_origins_are_checked() -> None:
    store = frontend_store()
    client = client_for(store, allowed_origins={"https://app.example"})
    text = {"Content-Type": "text/plain;charset=UTF-8"}
    good = {"Origin": "https://app.example", **text}
    assert client.post("/errors", content=json.dumps(BEACON), headers=good).status_code == 204
    ref = {"Referer": "https://app.example/cart?x=1", **text}
    assert client.post("/errors", content=json.dumps(BEACON), headers=ref).status_code == 204
    for headers in ({"Origin": "https://evil.example"}, {}):
        r = client.post("/errors", content=json.dumps(BEACON), headers={**text, **headers})
        assert r.status_code == 403
    form = {"Origin": "https://app.example", "Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/errors", content=b"message=x", headers=form).status_code == 415
    assert web_total(store) == 2


# -- rate limits --------------------------------------------------------------------------


def test_spoofed_forwarded_clients_hit_the_global_limit() -> None:
    """Behind a trusted proxy every beacon can claim its own client address: the per-client
    limit sees 300 new clients, the global one still stops them."""
    store = frontend_store()
    now = [0.0]
    route = error_intake_route(
        store,
        "/errors",
        service="web",
        rate=1,
        burst=5,
        total_rate=10,
        total_burst=50,
        client_key=lambda request: request.headers["x-forwarded-for"],
        clock=lambda: now[0],
    )
    client = TestClient(Starlette(routes=[route]))
    codes = [
        client.post("/errors", json=BEACON, headers={"X-Forwarded-For": f"10.0.{i // 250}.{i}"})
        for i in range(300)
    ]
    assert sum(r.status_code == 204 for r in codes) == 50
    assert codes[-1].status_code == 429 and "total" in codes[-1].json()["error"]
    now[0] = 1.0  # one second of the global rate back
    assert (
        sum(
            client.post("/errors", json=BEACON, headers={"X-Forwarded-For": f"x{i}"}).status_code
            == 204
            for i in range(20)
        )
        == 10
    )
    assert web_total(store) == 60


# -- the digest ---------------------------------------------------------------------------


def test_digest_keeps_messages_components_and_urls() -> None:
    store = frontend_store()
    client = client_for(store)
    for i in range(12):
        msg = "TypeError: cart is undefined" if i % 3 else "ReferenceError: foo"
        beacon = {"message": msg, "component": f"C{i}", "url": f"/page/{i}", "stack": "s" * 100}
        assert client.post("/errors", json=beacon).status_code == 204
    top = store.browser_errors("web")
    assert [(e.message, e.count) for e in top] == [
        ("TypeError: cart is undefined", 8),
        ("ReferenceError: foo", 4),
    ]
    assert (top[0].component, top[0].url) == ("C11", "/page/11")
    assert web_total(store) == 12
    with pytest.raises(KeyError):
        store.browser_errors("nope")


def test_digest_memory_is_bounded_and_keeps_the_frequent_ones() -> None:
    store = frontend_store()
    store.browser_digest.max_messages = 20
    for _ in range(50):
        store.record_browser_error("web", "the frequent one", "App", "/")
    for i in range(5000):
        store.record_browser_error("web", f"one-off {i} " + "x" * 3000, None, "/" + "u" * 3000)
    digest = store.browser_digest
    assert len(digest._services["web"].entries) == 20
    top = store.browser_errors("web", limit=None)
    assert top[0].message == "the frequent one" and top[0].count == 50
    assert all(len(e.message) <= 500 and len(e.url or "") <= 500 for e in top)
    # The one-offs churn through the other slots; none is ever overcounted.
    assert [e.count for e in top[1:]] == [1] * 19
    assert {e.message.split()[1] for e in top[1:]} == {str(i) for i in range(4981, 5000)}


def test_digest_survives_a_restart(tmp_path: Any) -> None:
    store = frontend_store()
    store.persist_dir = tmp_path
    for i in range(7):
        store.record_browser_error("web", "boom" if i < 5 else "bang", "Cart", "/cart")
    store.flush()
    again = frontend_store()
    again.persist_dir = tmp_path
    assert again.restore() == 7
    assert [(e.message, e.count, e.component) for e in again.browser_errors("web")] == [
        ("boom", 5, "Cart"),
        ("bang", 2, "Cart"),
    ]
    assert again.browser_digest.totals("web") == (7, 0)


# -- not counted against the API's own SLO --------------------------------------------------


def test_asgi_middleware_leaves_the_intake_out() -> None:
    store = frontend_store()

    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/ok", ok), error_intake_route(store, "/errors", service="web")],
        middleware=[Middleware(SLOMiddleware, recorder=store.recorder("api"))],
    )
    client = TestClient(app)
    for _ in range(100):
        client.get("/ok")
    for _ in range(12):
        assert client.post("/errors", json=BEACON).status_code == 204
    assert store.counter("api", "avail").window(3600).total == 100
    assert store.counter("api", "fast").window(3600).total == 100
    assert web_total(store) == 12


def test_wsgi_intake_and_middleware_leave_it_out() -> None:
    store = frontend_store()
    flask = Flask(__name__)

    @flask.route("/ok")
    def ok() -> str:
        return "ok"

    intake = error_intake_wsgi(store, service="web")

    def dispatch(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/errors":
            return intake(environ, start_response)
        return flask.wsgi_app(environ, start_response)

    app = WSGISLOMiddleware(dispatch, recorder=store.recorder("api"))

    def call(path: str, body: bytes = b"", ctype: str = "application/json") -> str:
        status: list[str] = []
        environ = {
            "PATH_INFO": path,
            "REQUEST_METHOD": "POST" if body else "GET",
            "CONTENT_TYPE": ctype,
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "shop.example",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_NAME": "shop.example",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
        }
        out = app(environ, lambda s, h, e=None: status.append(s))
        b"".join(out)
        getattr(out, "close", lambda: None)()
        return status[0]

    for _ in range(10):
        assert call("/ok").startswith("200")
    for _ in range(3):
        assert call("/errors", json.dumps(BEACON).encode()).startswith("204")
    assert call("/errors", b"[" * 100 + b"]" * 100).startswith("422")
    assert call("/errors", b"message=x", "text/plain").startswith("415")
    assert store.counter("api", "avail").window(3600).total == 10
    assert web_total(store) == 3
    assert store.browser_errors("web")[0].count == 3
