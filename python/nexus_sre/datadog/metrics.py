"""Reading good and total events per minute from Datadog's metrics query API (v1 /query).

Both queries go in one request (`good, total`: Datadog answers each series with its
`query_index`), so they always cover the same span. A long period is read in chunks of at
most `max_points` minutes (Datadog returns at most 1500 points per series, and rolls up
coarser beyond that), walked back from one pinned end time. A point that is not a
one-minute sum (Datadog chose a coarser interval) is an error, never silently spread out.
The client builds and sends each request; its answer is decoded here as plain JSON, since
the client's model deserialization costs about half a second per 1500-point answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import BackendError, InvalidInputError, QueryError
from .api import call
from .queries import STEP_SECONDS, DatadogSli, per_minute
from .settings import Connection

MAX_POINTS = 1500  # Datadog's limit of points per series in one answer


@dataclass(frozen=True)
class MinuteCounts:
    """Events per minute: minute i starts at `start + 60 i`. `seen` marks minutes where
    Datadog returned a total: the others are no data (not 0 events, and not 100 %)."""

    start: int
    good: np.ndarray  # uint64
    total: np.ndarray  # uint64
    seen: np.ndarray  # bool

    @property
    def has_data(self) -> bool:
        return bool(self.seen.any())


class MetricsReader:
    """Per-minute counts of an SLI over a span, through the official client's MetricsApi."""

    def __init__(
        self,
        conn: Connection,
        *,
        max_points: int = MAX_POINTS,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        from datadog_api_client import ApiClient
        from datadog_api_client.v1.api.metrics_api import MetricsApi

        if max_points < 1:
            raise InvalidInputError(f"max_points: must be at least 1, got {max_points}")
        self.conn = conn
        self.max_points = max_points
        self._retry: dict[str, Any] = {
            "retries": retries,
            "backoff": backoff,
            "max_wait": max_wait,
            "sleep": sleep,
        }
        conf = conn.configuration()
        conf.preload_content = False  # the raw answer: decoded below, fast
        self._client = ApiClient(conf)
        self._api = MetricsApi(self._client)
        self.requests = 0  # how many query requests were made (chunking is visible in tests)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MetricsReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def counts(self, sli: DatadogSli, start: int, end: int) -> MinuteCounts:
        """Good and total per minute over [start, end) (unix seconds, whole minutes)."""
        if start % STEP_SECONDS or end % STEP_SECONDS or end <= start:
            raise InvalidInputError(
                f"span: start {start} and end {end} must be whole minutes, start before end"
            )
        n = (end - start) // STEP_SECONDS
        sums = np.zeros((2, n), np.float64)
        seen = np.zeros((2, n), bool)
        query = f"{per_minute(sli.good)}, {per_minute(sli.total)}"
        hi = end
        while hi > start:  # every chunk is cut from the same pinned end
            lo = max(start, hi - self.max_points * STEP_SECONDS)
            self._read_chunk(query, lo, hi, start, sums, seen)
            hi = lo
        total_seen = seen[1]
        total = np.where(total_seen, np.rint(np.maximum(sums[1], 0)), 0).astype(np.uint64)
        good = np.minimum(np.rint(np.maximum(sums[0], 0)).astype(np.uint64), total)
        return MinuteCounts(start=start, good=good, total=total, seen=total_seen)

    def _fetch(self, query: str, lo: int, hi: int) -> Any:
        resp = self._api.query_metrics(_from=lo, to=hi - 1, query=query)
        try:
            return json.loads(resp.data)
        except ValueError:
            raise BackendError(
                f"Datadog at {self.conn.base_url} answered non-JSON: {resp.data[:200]!r}"
            ) from None

    def _read_chunk(
        self, query: str, lo: int, hi: int, start: int, sums: np.ndarray, seen: np.ndarray
    ) -> None:
        what = f"the metrics query {query!r} from {lo} to {hi}"
        # `to` is inclusive in Datadog's API: stop before the next chunk's first minute.
        body = call(self.conn, lambda: self._fetch(query, lo, hi), what, **self._retry)
        self.requests += 1
        if not isinstance(body, dict):
            raise BackendError(f"Datadog answered {what} with {body!r:.200}")
        if body.get("status") == "error" or body.get("error"):
            raise QueryError(f"Datadog rejected {what}: {body.get('error') or 'error'}")
        for series in body.get("series") or []:
            index = series.get("query_index")
            if index not in (0, 1):
                raise BackendError(f"Datadog answered a series of no query ({index}) for {what}")
            interval = series.get("interval", STEP_SECONDS)
            if interval != STEP_SECONDS:
                raise BackendError(
                    f"Datadog rolled {what} up to {interval}s points instead of "
                    f"{STEP_SECONDS}s; lower max_points (Datadog's limit is {MAX_POINTS} "
                    "points per series)"
                )
            for ts_ms, value in series.get("pointlist") or []:
                t = round(ts_ms / 1000)
                if value is None or not lo <= t < hi:
                    continue
                i = (t - start) // STEP_SECONDS
                # Several series of one query (a `by {...}` query) add up.
                sums[index, i] += value
                seen[index, i] = True
