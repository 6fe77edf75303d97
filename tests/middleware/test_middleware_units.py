"""The ASGI/WSGI middleware and the browser error intake, in-process (real Starlette and
Flask apps called directly)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from nexus_sre.embedded import EmbeddedStore
from nexus_sre.errors import InvalidInputError
from nexus_sre.middleware import (
    SLOMiddleware,
    TokenBucket,
    WSGISLOMiddleware,
    error_intake_route,
    parse_beacon,
    record_error,
)


def small_store(tmp_path: Path, **kw: object) -> EmbeddedStore:
    store = EmbeddedStore(bucket_seconds=60, **kw)  # type: ignore[arg-type]
    store.add_slo("api", "avail", target=99.0, window_seconds=3600, burn_windows=(300, 3600))
    store.add_slo("api", "fast", target=95.0, window_seconds=3600, threshold_ms=100.0)
    return store


# -- middleware -----------------------------------------------------------------------


def starlette_app(store: EmbeddedStore, **kw: object) -> Starlette:
    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    async def teapot(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("no", status_code=418)

    async def crash(request):  # type: ignore[no-untyped-def]
        raise ValueError("bug")

    return Starlette(
        routes=[
            Route("/ok", ok),
            Route("/healthz", ok),
            Route("/teapot", teapot),
            Route("/crash", crash),
        ],
        middleware=[Middleware(SLOMiddleware, recorder=store.recorder("api"), **kw)],
    )


def test_asgi_exception_is_a_failure_and_reraised(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    client = TestClient(starlette_app(store), raise_server_exceptions=True)
    with pytest.raises(ValueError, match="bug"):
        client.get("/crash")
    assert client.get("/ok").status_code == 200
    assert client.get("/healthz").status_code == 200  # skipped by default
    assert client.get("/teapot").status_code == 418  # 4xx is good by default
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 3)


def test_asgi_custom_classifier_and_skip(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    app = starlette_app(store, classifier=lambda s: s < 400, skip=lambda p: p == "/ok")
    client = TestClient(app)
    client.get("/ok")
    client.get("/teapot")
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (0, 1)


def test_wsgi_records_status_exceptions_and_routes(tmp_path: Path) -> None:
    store = small_store(tmp_path)
    store.add_slo("api-route", "user", target=99.0, window_seconds=3600)
    flask = Flask("t")

    @flask.route("/user/<int:uid>")
    def user(uid: int) -> str:
        return "x" if uid else ("gone", 503)  # type: ignore[return-value]

    @flask.route("/crash")
    def crash() -> str:
        raise KeyError("bug")

    flask.config["PROPAGATE_EXCEPTIONS"] = True
    from nexus_sre.middleware import flask_route_resolver

    flask.wsgi_app = WSGISLOMiddleware(  # type: ignore[method-assign]
        flask.wsgi_app,
        recorder=store.recorder("api"),
        route_recorders={"/user/<int:uid>": store.recorder("api-route")},
        route_resolver=flask_route_resolver(flask),
    )
    client = flask.test_client()
    # A request is recorded once its body is written: as a server does, read and close.
    for uid in (1, 2, 0):
        client.get(f"/user/{uid}").close()
    client.get("/healthz").close()
    with pytest.raises(KeyError):
        client.get("/crash")
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 4)
    r = store.counter("api-route", "user").window(3600)
    assert (r.good, r.total) == (2, 3)


def test_recording_failure_never_breaks_the_request(tmp_path: Path) -> None:
    class Broken:
        def record(self, ok: bool, duration_ms: float) -> None:
            raise RuntimeError("store gone")

    async def ok(request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[Route("/ok", ok)], middleware=[Middleware(SLOMiddleware, recorder=Broken())]
    )
    assert TestClient(app).get("/ok").text == "ok"
    with pytest.raises(InvalidInputError, match="recorder"):
        SLOMiddleware(app, recorder=object())  # type: ignore[arg-type]


# -- browser error intake -------------------------------------------------------------


def test_beacon_validation() -> None:
    b = parse_beacon(
        b'{"message": "x is undefined", "component": "Cart", "timestamp": 1700000000000}'
    )
    assert b.component == "Cart" and b.timestamp == 1_700_000_000.0
    assert (
        parse_beacon(b'{"message": "m", "timestamp": "2024-01-01T00:00:00Z"}').timestamp
        == 1704067200.0
    )
    for bad, why in [
        (b"not json", "not valid JSON"),
        (b"[1]", "JSON object"),
        (b'{"stack": "s"}', "message"),
        (b'{"message": 3}', "expected a string"),
        (b'{"message": "m", "timestamp": "yesterday"}', "ISO 8601"),
        (b'{"message": "m", "timestamp": true}', "timestamp"),
        (b'{"message": "' + b"x" * 3000 + b'"}', "over 2000"),
    ]:
        with pytest.raises(InvalidInputError, match=why):
            parse_beacon(bad)
    with pytest.raises(InvalidInputError, match="byte limit"):
        parse_beacon(b" " * 20000)


def test_token_bucket_refills_and_bounds_clients() -> None:
    tb = TokenBucket(rate=2, burst=3, max_clients=2)
    assert [tb.take("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert tb.take("a", 0.5)  # one token back after half a second at 2/s
    assert not tb.take("a", 0.5)
    tb.take("b", 1.0)
    tb.take("c", 1.0)
    assert len(tb._buckets) == 2


def test_error_intake_records_and_limits(tmp_path: Path) -> None:
    store = EmbeddedStore()
    store.add_slo("frontend", "avail", target=99.0, window_seconds=3600)
    store.add_slo("frontend", "lcp", target=90.0, window_seconds=3600, threshold_ms=2500)
    now = [0.0]
    route = error_intake_route(
        store.availability_counters("frontend"),
        rate=1,
        burst=3,
        max_bytes=1024,
        clock=lambda: now[0],
    )
    client = TestClient(Starlette(routes=[route]))
    beacon = {"message": "TypeError: x", "stack": "at Cart", "component": "Cart", "url": "/cart"}
    codes = [client.post("/errors", json=beacon).status_code for _ in range(4)]
    assert codes == [204, 204, 204, 429]
    now[0] = 10.0
    json_type = {"Content-Type": "application/json"}
    assert client.post("/errors", content=b"{oops", headers=json_type).status_code == 422
    too_big = b"{" + b" " * 2000 + b"}"
    assert client.post("/errors", content=too_big, headers=json_type).status_code == 413
    w = store.counter("frontend", "avail").window(3600)
    assert (w.good, w.total) == (0, 3)
    assert store.counter("frontend", "lcp").window(3600).total == 0


def test_record_error_targets() -> None:
    store = EmbeddedStore()
    store.add_slo("fe", "avail", target=99.0, window_seconds=3600)
    assert record_error(store.recorder("fe"))
    assert record_error(store.counter("fe", "avail"))
    assert not record_error(store.counter("fe", "avail"), timestamp=1.0)  # far too old
    assert store.counter("fe", "avail").window(3600).bad == 2
    with pytest.raises(InvalidInputError):
        record_error("frontend")


def test_wsgi_body_that_breaks_while_written_is_a_failure(tmp_path: Path) -> None:
    """The status line went out as 200, then the stream raised: not an answered request."""
    store = small_store(tmp_path)

    def streaming(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "text/plain")])

        def body() -> Any:
            yield b"first rows\n"
            if environ["PATH_INFO"] == "/broken":
                raise ConnectionError("upstream went away")
            yield b"last rows\n"

        return body()

    app = WSGISLOMiddleware(streaming, recorder=store.recorder("api"))
    for path in ("/fine", "/broken", "/fine"):
        environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
        chunks = app(environ, lambda *a: None)
        try:
            for _ in chunks:
                pass
        except ConnectionError:
            assert path == "/broken"
        finally:
            chunks.close()  # type: ignore[attr-defined]
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (2, 3)


def test_wsgi_file_wrapper_reaches_the_server_unwrapped(tmp_path: Path) -> None:
    """Servers send a `wsgi.file_wrapper` with sendfile only if they get it back as is."""
    store = small_store(tmp_path)

    class FileWrapper:
        def __init__(self, f: Any, blksize: int = 8192) -> None:
            self.f = f

        def __iter__(self) -> Any:
            return iter([self.f.read()])

    def download(environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](io.BytesIO(b"payload"))

    app = WSGISLOMiddleware(download, recorder=store.recorder("api"))
    environ = {"PATH_INFO": "/file", "REQUEST_METHOD": "GET", "wsgi.file_wrapper": FileWrapper}
    body = app(environ, lambda *a: None)
    assert type(body) is FileWrapper
    w = store.counter("api", "avail").window(3600)
    assert (w.good, w.total) == (1, 1)


def test_wsgi_records_before_handing_over_the_last_byte_of_a_sized_answer(
    tmp_path: Path,
) -> None:
    """With a Content-Length the client has its answer once the chunk completing it is
    written, so the request is recorded before that chunk reaches the server (a worker
    killed right after writing it must not lose it); a chunked answer only at its end."""
    store = small_store(tmp_path)

    def sized(environ: dict[str, Any], start_response: Any) -> Any:
        headers = [("Content-Type", "text/plain")]
        if environ["PATH_INFO"] == "/sized":
            headers.append(("Content-Length", "9"))
        start_response("200 OK", headers)

        def body() -> Any:  # a generator: not a list, so recorded as it is written
            yield b"four"
            yield b"five!"

        return body()

    app = WSGISLOMiddleware(sized, recorder=store.recorder("api"))

    def total() -> int:
        return store.counter("api", "avail").window(3600).total

    chunks = iter(app({"PATH_INFO": "/sized", "REQUEST_METHOD": "GET"}, lambda *a: None))
    assert next(chunks) == b"four" and total() == 0
    assert next(chunks) == b"five!" and total() == 1  # recorded before the server writes it
    assert list(chunks) == [] and total() == 1  # once
    chunked = iter(app({"PATH_INFO": "/chunked", "REQUEST_METHOD": "GET"}, lambda *a: None))
    assert next(chunked) == b"four" and next(chunked) == b"five!" and total() == 1
    assert list(chunked) == [] and total() == 2  # the terminating chunk follows the end
