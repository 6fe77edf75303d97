"""A Flask service behind the WSGI recording middleware, for gunicorn sync workers."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, request

from common import build_store, store_state
from nexus_sre.middleware import WSGISLOMiddleware, flask_route_resolver, metrics_wsgi_app

store = build_store()
app = Flask(__name__)


@app.route("/ok")
def ok() -> str:
    return "ok"


@app.route("/fail")
def fail() -> tuple[str, int]:
    return "boom", 500


@app.route("/items/<int:item_id>")
def item(item_id: int) -> str:
    return str(item_id)


@app.route("/health")
def health() -> str:
    return "healthy"


@app.route("/pid")
def pid() -> str:
    # ?sleep= keeps a sync worker busy, so concurrent calls must reach different workers.
    time.sleep(float(request.args.get("sleep", "0")))
    return str(os.getpid())


@app.route("/state")
def state() -> Response:
    return Response(store_state(store), mimetype="application/json")


_metrics = metrics_wsgi_app(store)
_recorded = WSGISLOMiddleware(
    app.wsgi_app,
    recorder=store.recorder("shop"),
    skip_paths={"/health", "/state", "/pid"},
    route_recorders={"/items/<int:item_id>": store.recorder("shop-items")},
    route_resolver=flask_route_resolver(app),
)


def application(environ: dict, start_response):  # type: ignore[no-untyped-def]
    if environ.get("PATH_INFO") == "/metrics":
        return _metrics(environ, start_response)
    return _recorded(environ, start_response)
