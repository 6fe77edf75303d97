"""A Starlette service with the recording middleware, /metrics and the error intake."""

from __future__ import annotations

import os
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from common import build_store, store_state
from nexus_sre.middleware import SLOMiddleware, error_intake_route, metrics_app

store = build_store()
# The browser side shipped in examples/: the reporter script and a page that throws.
BROWSER = Path(__file__).resolve().parents[3] / "examples" / "browser"


async def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


async def fail(request: Request) -> Response:
    return PlainTextResponse("boom", status_code=500)


async def crash(request: Request) -> Response:
    raise RuntimeError("unhandled")


async def item(request: Request) -> Response:
    return PlainTextResponse(request.path_params["item_id"])


async def pid(request: Request) -> Response:
    # A blocking sleep on purpose: it holds this worker's event loop, so concurrent calls
    # must reach different workers.
    time.sleep(float(request.query_params.get("block", "0")))
    return PlainTextResponse(str(os.getpid()))


async def health(request: Request) -> Response:
    return PlainTextResponse("healthy")


async def browser_file(request: Request) -> Response:
    name = {"/page": "demo.html", "/static/nexus-errors.js": "nexus-errors.js"}[request.url.path]
    return FileResponse(BROWSER / name)


async def state(request: Request) -> Response:
    """The store as the service sees it: window and cumulative counts per SLO."""
    return Response(store_state(store), media_type="application/json")


app = Starlette(
    routes=[
        Route("/ok", ok),
        Route("/fail", fail),
        Route("/crash", crash),
        Route("/items/{item_id}", item),
        Route("/health", health),
        Route("/pid", pid),
        Route("/state", state),
        Route("/metrics", metrics_app(store)),
        Route("/page", browser_file),
        Route("/static/nexus-errors.js", browser_file),
        # Not in skip_paths below: the intake keeps itself out of the API's SLOs.
        error_intake_route(store, "/errors", service="web-frontend", rate=50, burst=100),
    ],
    middleware=[
        Middleware(
            SLOMiddleware,
            recorder=store.recorder("shop"),
            store=store,
            skip_paths={
                "/health",
                "/metrics",
                "/state",
                "/pid",
                "/page",
                "/static/nexus-errors.js",
            },
            route_recorders={"/items/{item_id}": store.recorder("shop-items")},
        )
    ],
)
