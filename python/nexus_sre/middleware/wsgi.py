"""WSGI recording middleware (Flask, Django, any PEP 3333 app) and a /metrics view."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

from .rules import (
    DEFAULT_SKIP_PATHS,
    SKIP_RECORDING,
    Classifier,
    Recorder,
    RecordingRules,
    default_classifier,
)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


class _Recorded:
    """A response body that records its request once it has been produced: before the
    chunk that completes its Content-Length goes to the server (the client has its answer
    as soon as that chunk is written, so a worker killed right after must already have
    recorded it), else at its end or close (a chunked or close-delimited answer is complete
    only after that), or as a failure when producing it raises (a stream that breaks
    halfway did not answer the request, whatever status went out first). As the ASGI
    middleware does."""

    def __init__(
        self,
        body: Iterable[bytes],
        finish: Callable[[bool], None],
        content_length: Callable[[], int | None],
    ) -> None:
        self._body = body
        self._it = iter(body)
        self._finish = finish
        self._content_length = content_length
        self._produced = 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            chunk = next(self._it)
        except StopIteration:
            self._finish(False)
            raise
        except BaseException:
            self._finish(True)
            raise
        self._produced += len(chunk)
        length = self._content_length()  # known once the app has called start_response
        if length is not None and self._produced >= length:
            self._finish(False)
        return chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._finish(False)


class WSGISLOMiddleware:
    """Records every request through a bound `ServiceRecorder`.

    A request is recorded when its body has been written: its latency runs to the last
    byte handed to the server, as in the ASGI middleware (a list body, or a
    `wsgi.file_wrapper` the server sends itself, is recorded when the app returns). An
    exception from the app, or from its body while it is written, counts as a failure and
    is re-raised.

        app.wsgi_app = WSGISLOMiddleware(app.wsgi_app, recorder=store.recorder("api"),
                                         route_resolver=flask_route_resolver(app))
    """

    def __init__(
        self,
        app: WSGIApp,
        recorder: Recorder,
        *,
        classifier: Classifier = default_classifier,
        skip_paths: Collection[str] = DEFAULT_SKIP_PATHS,
        skip: Callable[[str], bool] | None = None,
        route_recorders: Mapping[str, Recorder] | None = None,
        route_resolver: Callable[[Environ], str | None] | None = None,
    ) -> None:
        self.app = app
        self.rules = RecordingRules(
            recorder, classifier, skip_paths, skip, dict(route_recorders or {})
        )
        self.route_resolver = route_resolver

    def _route(self, environ: Environ) -> str | None:
        if self.route_resolver is None or not self.rules.route_recorders:
            return None
        try:
            return self.route_resolver(environ)
        except Exception:
            return None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if self.rules.skipped(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        rules = self.rules
        start = time.perf_counter()
        status: list[int] = []
        length: list[int | None] = [None]
        done = False

        def start_and_note(status_line: str, headers: Any, exc_info: Any = None) -> Any:
            try:
                code = int(status_line.split(" ", 1)[0])
            except ValueError:
                code = 500
            status[:] = [code]
            length[0] = _content_length(headers)
            return start_response(status_line, headers, exc_info)

        def finish(failed: bool) -> None:
            nonlocal done
            if done:
                return
            done = True
            if SKIP_RECORDING in environ:  # the error intake's own requests
                return
            ok = not failed and rules.is_good(status[0] if status else 0)
            rules.record(ok, (time.perf_counter() - start) * 1000.0, self._route(environ))

        try:
            body = self.app(environ, start_and_note)
        except BaseException:
            finish(True)
            raise
        if status and (isinstance(body, list | tuple) or _is_file_wrapper(body, environ)):
            # A list cannot fail while written; a file wrapper must reach the server as it
            # is (it sends it with sendfile), so both are recorded now.
            finish(False)
            return body
        return _Recorded(body, finish, lambda: length[0])


def _content_length(headers: Any) -> int | None:
    for name, value in headers or ():
        if name.lower() == "content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _is_file_wrapper(body: Iterable[bytes], environ: Environ) -> bool:
    wrapper = environ.get("wsgi.file_wrapper")
    return isinstance(wrapper, type) and isinstance(body, wrapper)


def flask_route_resolver(flask_app: Any) -> Callable[[Environ], str | None]:
    """The matched Flask URL rule (`/items/<int:id>`) of a request, for per-route SLOs."""

    def resolve(environ: Environ) -> str | None:
        adapter = flask_app.url_map.bind_to_environ(environ)
        rule, _ = adapter.match(return_rule=True)
        return str(rule.rule)

    return resolve


def metrics_wsgi_app(store: Any, *, gauges: bool = True) -> WSGIApp:
    """A WSGI app serving the store's /metrics (text, or OpenMetrics on request)."""
    from ..embedded.metrics import exposition

    def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        body, ctype = exposition(store, environ.get("HTTP_ACCEPT"), gauges=gauges)
        start_response("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]

    return app
