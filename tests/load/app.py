"""The service under load: one ASGI endpoint that answers with the status and after the
delay it is asked for, behind nexus-sre's middleware (`app`) or not (`bare`), with
/metrics and a store shared by every worker (ring files in $NEXUS_LOAD_SHARED_DIR)."""

from __future__ import annotations

import asyncio
import os

from plan import CONFIG, SERVICE
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from nexus_sre.config import load_config_text
from nexus_sre.embedded import EmbeddedStore
from nexus_sre.middleware import SLOMiddleware, metrics_app

store = EmbeddedStore.from_config(
    load_config_text(CONFIG, "load.yaml"),
    shared_dir=os.environ["NEXUS_LOAD_SHARED_DIR"],
    bucket_seconds=60,
)


async def work(request: Request) -> Response:
    ms = int(request.query_params.get("ms", "0"))
    if ms:
        await asyncio.sleep(ms / 1000)
    return PlainTextResponse("x", status_code=int(request.query_params.get("status", "200")))


async def health(request: Request) -> Response:
    return PlainTextResponse(str(os.getpid()))


ROUTES = [
    Route("/work", work),
    Route("/health", health),
    Route("/metrics", metrics_app(store)),
]
app = Starlette(
    routes=ROUTES,
    middleware=[
        Middleware(
            SLOMiddleware,
            recorder=store.recorder(SERVICE),
            store=store,
            skip_paths={"/health", "/metrics"},
        )
    ],
)
bare = Starlette(routes=ROUTES)
