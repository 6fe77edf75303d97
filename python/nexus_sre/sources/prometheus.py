"""Reading SLIs from Prometheus's HTTP API.

Good and total are always read by ONE query at ONE pinned instant (`time=`), so they describe
the same window; good is clamped to total. Empty results are "no data" (NoDataError), never
0 % or 100 %. The PromQL comes from `nexus_sre.rules.sli`, so the backend and the generated
rules measure the same thing.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..common.durations import format_duration
from ..common.http_get import HttpGetClient, Timeout, TransportError
from ..config.model import SLO, Config, Service
from ..errors import BackendError, InvalidInputError, NoDataError, QueryError
from ..rules.sli import CounterSli, PercentSli, sli_queries
from .prometheus_decode import event_count, matrix_result, sample, vector_result

# Prometheus refuses range queries of more than 11,000 points per series.
MAX_POINTS = 11_000
_KIND = "nexus_sre_kind"
_RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class SliReading:
    """An SLI over `window_s` seconds ending at `at` (unix seconds)."""

    service: str
    slo_id: str
    at: float
    window_s: int
    sli_percent: float
    good: float | None  # None for a percent-query SLI: it has no event counts
    total: float | None


@dataclass(frozen=True)
class HistoryPoint:
    """Events in the `step` seconds ending at `timestamp`."""

    timestamp: float
    good: float
    total: float


SloRef = SLO | tuple[Service, SLO] | str


class PrometheusBackend:
    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        bearer_token: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        verify: bool | str = True,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        deadline: float = 60.0,
        config: Config | None = None,
        max_points: int = MAX_POINTS,
    ):
        if not url.startswith(("http://", "https://")):
            raise InvalidInputError(f"url: expected http:// or https://, got {url!r}")
        if bearer_token and basic_auth:
            raise InvalidInputError("give bearer_token or basic_auth, not both")
        if retries < 0 or timeout <= 0 or deadline <= 0 or max_points < 2:
            raise InvalidInputError(
                "retries must be >= 0, timeout and deadline > 0, and max_points >= 2"
            )
        hdrs = dict(headers or {})
        if bearer_token:
            hdrs["Authorization"] = f"Bearer {bearer_token}"
        self.url = url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        # One request with all its retries ends by then: a slow Prometheus costs at most
        # this, not (retries + 1) x timeout plus the pauses.
        self.deadline = deadline
        self.config = config
        self.max_points = max_points
        self._client = HttpGetClient(
            headers=hdrs, basic_auth=basic_auth, verify=verify, timeout=timeout
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> PrometheusBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP ----------------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, Any], query: str) -> Any:
        """GET an API path; retries connection errors, timeouts, 5xx and 429 with backoff."""
        url = f"{self.url}{path}"
        last = ""
        began = time.monotonic()
        attempts = 0
        for attempt in range(self.retries + 1):
            left = self.deadline - (time.monotonic() - began)
            if attempt:
                pause = self.backoff * 2 ** (attempt - 1)
                if pause >= left:
                    break
                time.sleep(pause)
                left -= pause
            # Each attempt gets the usual timeout, cut short by what is left of the deadline.
            timeout = min(self._client.timeout, left)
            attempts += 1
            try:
                status, body = self._fetch(url, params, timeout, began)
            except Timeout as exc:
                last = f"timed out after {timeout:.3g}s ({exc})"
                continue
            except TransportError as exc:
                last = f"cannot connect: {exc}"
                continue
            if status in _RETRY_STATUS:
                last = f"HTTP {status}: {body[:200].decode('utf-8', 'replace').strip()}"
                continue
            return self._decode(status, body, query)
        spent = time.monotonic() - began
        within = f" (the {self.deadline:g}s deadline)" if attempts <= self.retries else ""
        raise BackendError(
            f"Prometheus at {self.url} failed after {attempts} attempt(s) in {spent:.1f}s"
            f"{within}: {last}"
        )

    def _fetch(
        self, url: str, params: dict[str, Any], timeout: float, began: float
    ) -> tuple[int, bytes]:
        """One GET: status and body. The timeout bounds each read, not the whole answer,
        so a server that trickles its body is cut off at the deadline."""
        return self._client.get(url, params, timeout=timeout, deadline=began + self.deadline)

    def _decode(self, status: int, raw: bytes, query: str) -> Any:
        try:
            body = json.loads(raw)
        except ValueError:
            text = raw[:200].decode("utf-8", "replace")
            raise BackendError(
                f"Prometheus at {self.url} answered HTTP {status} with non-JSON: {text!r}"
            ) from None
        if not isinstance(body, dict) or "status" not in body:
            raise BackendError(f"Prometheus at {self.url} answered unexpected JSON: {body!r:.200}")
        if body["status"] != "success":
            message = body.get("error") or "unknown error"
            if status in (400, 422) or body.get("errorType") in ("bad_data", "execution"):
                raise QueryError(f"Prometheus rejected the query {query!r}: {message}")
            raise BackendError(f"Prometheus at {self.url}: HTTP {status}: {message}")
        if status >= 400:
            raise BackendError(f"Prometheus at {self.url}: HTTP {status}")
        data = body.get("data")
        if not isinstance(data, dict) or "result" not in data:
            raise BackendError(f"Prometheus at {self.url} answered without data.result")
        return data

    def query(self, promql: str, at: float) -> list[dict[str, Any]]:
        """An instant query at a pinned time: the list of result series."""
        data = self._get("/api/v1/query", {"query": promql, "time": _ts(at)}, promql)
        if data.get("resultType") != "vector":
            raise BackendError(f"expected an instant vector for {promql!r}, got {data!r:.200}")
        return vector_result(data, promql)

    def query_range(self, promql: str, start: float, end: float, step: int) -> list[dict[str, Any]]:
        """A range query, split into chunks of at most `max_points` points per series."""
        out: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
        chunk = step * (self.max_points - 1)
        lo = start
        while lo <= end:
            hi = min(end, lo + chunk)
            params = {"query": promql, "start": _ts(lo), "end": _ts(hi), "step": step}
            data = self._get("/api/v1/query_range", params, promql)
            if data.get("resultType") != "matrix":
                raise BackendError(f"expected a range vector for {promql!r}, got {data!r:.200}")
            for s in matrix_result(data, promql):
                key = tuple(sorted(s["metric"].items()))
                out.setdefault(key, {"metric": s["metric"], "values": []})["values"] += s["values"]
            lo = hi + step
        return list(out.values())

    # --- SLIs ----------------------------------------------------------------------------

    def _resolve(self, slo: SloRef) -> tuple[Service, SLO]:
        if isinstance(slo, tuple):
            return slo
        if self.config is None:
            raise InvalidInputError(
                "pass (service, slo), or give the backend a config to find the SLO's service"
            )
        return self.config.find(slo if isinstance(slo, str) else slo.id)

    def _both(self, q: CounterSli, window_s: int) -> str:
        """One query returning good and total, told apart by a label."""
        return (
            f'label_replace({q.good_expr(window_s)}, "{_KIND}", "good", "", "")\n'
            f'or label_replace({q.total_expr(window_s)}, "{_KIND}", "total", "", "")'
        )

    def counts(self, slo: SloRef, window_s: int, at: float | None = None) -> tuple[float, float]:
        """(good, total) events in the window ending at `at` (default: now), read at one
        instant. NoDataError when the total series does not exist."""
        service, model = self._resolve(slo)
        q = sli_queries(service, model)
        if not isinstance(q, CounterSli):
            raise InvalidInputError(
                f"SLO {model.id!r}: a percent-query SLI has no event counts; use calculate_sli"
            )
        _window(window_s)
        when = time.time() if at is None else at
        promql = self._both(q, window_s)
        values: dict[str, float] = {}
        for s in self.query(promql, when):
            kind = s["metric"].get(_KIND, "")
            values[kind] = event_count(s["value"][1], promql, kind or "a sample")
        if "total" not in values:
            raise NoDataError(
                f"no data for SLO {model.id!r} over {format_duration(window_s)} at {when}: "
                f"the total query returned nothing ({q.total_expr(window_s)})"
            )
        total = values["total"]
        # A good series that does not exist (yet) means no good events; good never
        # exceeds total (extrapolation of two series can differ slightly).
        good = min(values.get("good", 0.0), total)
        return good, total

    def calculate_sli(self, slo: SloRef, window_s: int, at: float | None = None) -> SliReading:
        """The SLI in percent over the window; NoDataError without traffic or data."""
        service, model = self._resolve(slo)
        q = sli_queries(service, model)
        when = time.time() if at is None else at
        if isinstance(q, PercentSli):
            return self._percent(service, model, q, window_s, when)
        good, total = self.counts((service, model), window_s, when)
        if total <= 0:
            raise NoDataError(
                f"no data for SLO {model.id!r}: no events in the {format_duration(window_s)} "
                f"ending at {when}"
            )
        return SliReading(service.name, model.id, when, window_s, 100 * good / total, good, total)

    def _percent(
        self, service: Service, slo: SLO, q: PercentSli, window_s: int, at: float
    ) -> SliReading:
        _window(window_s)
        if q.own_window is not None and window_s <= q.own_window:
            promql = q.query
        else:
            # Longer windows average the query over time: not event-weighted (documented).
            step = q.own_window or 60
            promql = (
                f"avg_over_time(({q.query})[{format_duration(window_s)}:{format_duration(step)}])"
            )
        result = self.query(promql, at)
        if not result:
            raise NoDataError(f"no data for SLO {slo.id!r}: {promql!r} returned nothing")
        if len(result) > 1:
            raise QueryError(
                f"SLO {slo.id!r}: the query {promql!r} returned {len(result)} series; "
                "an SLI query must return one"
            )
        value = sample(result[0]["value"][1], promql)
        if math.isnan(value):
            raise NoDataError(f"no data for SLO {slo.id!r}: {promql!r} is NaN (no traffic)")
        if not math.isfinite(value):
            raise BackendError(
                f"Prometheus returned {result[0]['value'][1]!r} for the query {promql!r}; "
                "an SLI query must return a finite percentage"
            )
        return SliReading(service.name, slo.id, at, window_s, value, None, None)

    def history(self, slo: SloRef, start: float, end: float, step: int) -> list[HistoryPoint]:
        """Good and total events per `step` seconds, for each step ending in [start, end].
        Steps without data are left out."""
        service, model = self._resolve(slo)
        q = sli_queries(service, model)
        if not isinstance(q, CounterSli):
            raise InvalidInputError(f"SLO {model.id!r}: a percent-query SLI has no event history")
        _window(step)
        if end < start:
            raise InvalidInputError(f"history: end {end} is before start {start}")
        promql = self._both(q, step)
        by_ts: dict[float, dict[str, float]] = {}
        for s in self.query_range(promql, start, end, step):
            kind = s["metric"].get(_KIND, "")
            for ts, raw in s["values"]:
                what = f"{kind or 'a sample'} at {ts:g}"
                by_ts.setdefault(ts, {})[kind] = event_count(raw, promql, what)
        points = []
        for ts in sorted(by_ts):
            v = by_ts[ts]
            if "total" not in v:
                continue
            total = v["total"]
            points.append(HistoryPoint(ts, min(v.get("good", 0.0), total), total))
        return points


def _ts(value: float) -> str:
    return format(value, ".3f")


def _window(seconds: int) -> None:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds <= 0:
        raise InvalidInputError(
            f"window: expected a positive whole number of seconds, got {seconds!r}"
        )


def backend_from_config(config: Config, url: str | None = None) -> PrometheusBackend:
    """A backend for the config's `global.prometheus` settings; `url` overrides theirs."""
    settings = config.global_.prometheus
    url = url or (settings.url if settings else None)
    if not url:
        raise InvalidInputError(
            "--prometheus-url: the prometheus source needs a URL (or global.prometheus.url)"
        )
    if settings is None:
        return PrometheusBackend(url, timeout=30.0, config=config)
    return PrometheusBackend(
        url,
        headers=dict(settings.headers),
        timeout=float(settings.timeout_seconds),
        bearer_token=settings.bearer_token,
        basic_auth=settings.basic_auth,
        verify=settings.verify,
        config=config,
    )
