"""The load generator: sends a plan at a set rate from one asyncio loop, at most
`concurrency` requests in flight, only to 127.0.0.1. Bounded in count (the plan) and in
time (a deadline after which nothing more is sent); it stops by itself.

`concurrency` keep-alive connections each send the next request of the plan when it is
due. `pause_at` lets a caller act on a quiet server halfway: sending stops, the requests
in flight finish, the connections close, `on_pause()` runs (e.g. kill -9 a worker), then
sending resumes on new connections while the server starts a new worker.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from plan import Request
from wire import ERRORS, Connection


@dataclass
class DriveResult:
    answered: list[Request] = field(default_factory=list)  # got a full answer
    statuses: Counter[int] = field(default_factory=Counter)
    mismatched: int = 0  # answered with another status than asked (must stay 0)
    unanswered: list[Request] = field(default_factory=list)  # connection error, timeout
    not_sent: int = 0  # left when the deadline came
    seconds: float = 0.0  # first send to last answer
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.answered) / self.seconds if self.seconds else 0.0


def _loopback(base: str) -> int:
    """The port of `base`, which must be on 127.0.0.1."""
    parts = urlsplit(base)
    if parts.hostname != "127.0.0.1" or parts.port is None:
        raise ValueError(f"the load test only sends to 127.0.0.1:PORT, not {base!r}")
    return parts.port


async def _drive(
    base: str,
    plan: Sequence[Request],
    rate: float,
    concurrency: int,
    deadline_s: float,
    pause_at: int | None,
    on_pause: Callable[[], None] | None,
) -> DriveResult:
    port = _loopback(base)
    result = DriveResult()
    n = len(plan)
    state = {"next": 0, "stop": n if pause_at is None else pause_at}
    start = time.perf_counter()
    offset = 0.0  # time spent paused, not counted against the schedule

    async def connection_worker() -> None:
        conn = Connection(port)
        try:
            while state["next"] < state["stop"]:
                now = time.perf_counter()
                if now - start - offset > deadline_s:
                    state["stop"] = -1  # the deadline: nothing more is sent
                    break
                i = state["next"]
                state["next"] += 1
                due = start + offset + i / rate
                if due > now:
                    await asyncio.sleep(due - now)
                req = plan[i]
                t0 = time.perf_counter()
                try:
                    status = await conn.get(req.path)
                except ERRORS:
                    result.unanswered.append(req)
                    continue
                result.latencies_ms.append((time.perf_counter() - t0) * 1000)
                result.answered.append(req)
                result.statuses[status] += 1
                result.mismatched += status != req.status
        finally:
            conn.close()

    async def phase() -> None:
        await asyncio.gather(*(connection_worker() for _ in range(concurrency)))

    await phase()
    if pause_at is not None and on_pause is not None and state["stop"] == pause_at:
        paused = time.perf_counter()
        on_pause()  # every request sent so far has its answer; connections are closed
        offset += time.perf_counter() - paused
        state["stop"] = n
        await phase()
    result.not_sent = n - len(result.answered) - len(result.unanswered)
    result.seconds = time.perf_counter() - start - offset
    return result


def drive(
    base: str,
    plan: Sequence[Request],
    *,
    rate: float,
    concurrency: int = 64,
    deadline_s: float | None = None,
    pause_at: int | None = None,
    on_pause: Callable[[], None] | None = None,
) -> DriveResult:
    """Send `plan` to `base` at `rate` requests/s; stop sending after `deadline_s`
    (default: three times the planned duration plus 30 s)."""
    limit = deadline_s if deadline_s is not None else 3 * len(plan) / rate + 30
    return asyncio.run(_drive(base, plan, rate, concurrency, limit, pause_at, on_pause))


async def _alternate(bases: Sequence[str], path: str, count: int) -> list[list[float]]:
    conns = [Connection(_loopback(b), timeout=10.0) for b in bases]
    out: list[list[float]] = [[] for _ in bases]
    try:
        for c in conns:  # warm up: open the connections
            for _ in range(20):
                await c.get(path)
        for _ in range(count):
            for k, c in enumerate(conns):
                t0 = time.perf_counter()
                await c.get(path)
                out[k].append((time.perf_counter() - t0) * 1000)
    finally:
        for c in conns:
            c.close()
    return out


def alternate(bases: Sequence[str], path: str, count: int) -> list[list[float]]:
    """One request at a time to each base in turn, `count` rounds: latencies (ms) per base,
    measured under the same load so that their difference is the servers' own."""
    return asyncio.run(_alternate(bases, path, count))
