"""The middleware's own cost, in process: the same Starlette app with and without
SLOMiddleware called directly as ASGI (no sockets, no server), in alternating blocks so
that the machine's load hits both alike. Per-call time = block time / calls."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from typing import Any

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/work",
    "raw_path": b"/work",
    "root_path": "",
    "query_string": b"status=200&ms=0",
    "headers": [(b"host", b"127.0.0.1")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    return None


async def _block(app: Any, calls: int) -> float:
    t0 = time.perf_counter()
    for _ in range(calls):
        await app(dict(SCOPE), _receive, _send)
    return (time.perf_counter() - t0) / calls * 1e6  # µs per call


async def _measure(blocks: int, calls: int) -> dict[str, float]:
    import app as service  # the load test's service module (tests/load/app.py)

    with_mw: list[float] = []
    without: list[float] = []
    await _block(service.app, 200)  # build the middleware stacks, warm up
    await _block(service.bare, 200)
    for _ in range(blocks):
        with_mw.append(await _block(service.app, calls))
        without.append(await _block(service.bare, calls))
    a, b = statistics.median(with_mw), statistics.median(without)
    return {"with_us": round(a, 2), "without_us": round(b, 2), "added_us": round(a - b, 2)}


def inprocess_overhead(blocks: int = 21, calls: int = 2000) -> dict[str, float]:
    """Median µs per call with and without the middleware, and the difference."""
    with tempfile.TemporaryDirectory(prefix="nexus-load-inproc-") as shared:
        os.environ["NEXUS_LOAD_SHARED_DIR"] = shared
        return asyncio.run(_measure(blocks, calls))
