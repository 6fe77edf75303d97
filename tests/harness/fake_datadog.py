"""A fake Datadog API on 127.0.0.1 for tests: Datadog cannot be reached from here.

Routes come from the official client's own endpoint definitions (`datadog_api_client`
*Api classes: path, method, auth, query parameters, body model), and every request is
checked strictly against them (`dd_validate`): unknown fields, wrong types, bad enum values
and unknown query parameters answer 400, as the real API does; wrong keys answer 403.
It stores SLOs, monitors and dashboards (so applying twice is provably idempotent),
answers metric queries (`q1, q2` with `.rollup(sum, N)`) from series the test defines, at
Datadog's limit of 1500 points per series (beyond it the interval gets coarser, as
Datadog's does), keeps submitted v2 series, and can be told to answer 429 with rate-limit
headers, 500, 403, or nothing at all (hang) for the next requests.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import re
import threading
import time
import uuid
import zlib
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v1.api.dashboards_api import DashboardsApi
from datadog_api_client.v1.api.metrics_api import MetricsApi as MetricsApiV1
from datadog_api_client.v1.api.monitors_api import MonitorsApi
from datadog_api_client.v1.api.service_level_objectives_api import ServiceLevelObjectivesApi
from datadog_api_client.v2.api.metrics_api import MetricsApi as MetricsApiV2
from dd_validate import Invalid, check_body, check_query

MAX_POINTS = 1500
API_KEY, APP_KEY = "test-api-key-0123", "test-app-key-4567"
_ROLLUP = re.compile(r"^(?P<base>.*)\.rollup\(\s*(?P<agg>\w+)\s*(?:,\s*(?P<n>\d+)\s*)?\)$", re.S)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: str
    auth: tuple[str, ...]
    params_map: dict[str, Any]
    body_model: type | None


def _routes() -> list[Route]:
    """Every endpoint of the APIs the toolkit uses, from the client's definitions."""
    client = ApiClient(Configuration())
    out = []
    for api in (
        MetricsApiV1(client),
        MetricsApiV2(client),
        ServiceLevelObjectivesApi(client),
        MonitorsApi(client),
        DashboardsApi(client),
    ):
        for name, ep in vars(api).items():
            if not name.endswith("_endpoint"):
                continue
            s = ep.settings
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(s["endpoint_path"]))
            body = ep.params_map.get("body", {}).get("openapi_types", (None,))[0]
            out.append(
                Route(
                    s["http_method"],
                    re.compile(f"^{regex}$"),
                    s["operation_id"],
                    tuple(s["auth"]),
                    ep.params_map,
                    body if isinstance(body, type) else None,
                )
            )
    client.close()
    # Literal paths (/api/v1/slo/search) before templated ones (/api/v1/slo/{slo_id}).
    out.sort(key=lambda r: "(?P<" in r.pattern.pattern)
    return out


def split_queries(text: str) -> list[str]:
    """`q1, q2` at top level (commas inside {scope} and (args) belong to their query)."""
    depth, start, out = 0, 0, []
    for i, ch in enumerate(text):
        depth += ch in "{("
        depth -= ch in "})"
        if ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return out


@dataclass
class Fault:
    status: int | None  # None: hang, never answer
    headers: dict[str, str] = field(default_factory=dict)
    path_prefix: str = ""


class FakeDatadog:
    """Start with `FakeDatadog()`, point the config's `global.datadog.url` at `.url`."""

    def __init__(self, api_key: str = API_KEY, app_key: str = APP_KEY):
        self.api_key, self.app_key = api_key, app_key
        self.series: dict[str, list[dict[int, float]]] = {}  # base query -> groups
        self.slos: dict[str, dict[str, Any]] = {}
        self.monitors: dict[int, dict[str, Any]] = {}
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.submitted: list[dict[str, Any]] = []  # v2 series as received
        self.requests: list[tuple[str, str, dict[str, Any]]] = []  # (method, op, params)
        self.rejected: list[str] = []  # why each 400 was answered
        self.faults: deque[Fault] = deque()
        self._ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._routes = _routes()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeDatadog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what the test sets up -------------------------------------------------------

    def define(self, query: str, *groups: dict[int, float]) -> None:
        """Points (unix seconds -> value) of a metric query, as written in the config
        (without the rollup); several dicts are several series (a `by {...}` query)."""
        self.series[query.strip()] = [dict(g) for g in groups]

    def fail_next(
        self,
        status: int | None,
        times: int = 1,
        headers: dict[str, str] | None = None,
        path_prefix: str = "",
    ) -> None:
        """Answer the next `times` requests (under `path_prefix`) with `status`, or, with
        None, never answer them (the connection hangs until the fake is closed)."""
        for _ in range(times):
            self.faults.append(Fault(status, dict(headers or {}), path_prefix))

    def count(self, operation: str) -> int:
        return sum(1 for _, op, _ in self.requests if op == operation)

    # --- serving ---------------------------------------------------------------------

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            for f in list(self.faults):
                if path.startswith(f.path_prefix):
                    self.faults.remove(f)
                    return f
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        fault = self._fault(parts.path)
        if fault is not None:
            if fault.status is None:
                self._release.wait(120)  # hang: the client's timeout must end this
                return
            self._send(
                h, fault.status, {"errors": [f"injected HTTP {fault.status}"]}, fault.headers
            )
            return
        for route in self._routes:
            m = route.pattern.match(parts.path)
            if m and route.method == h.command:
                break
        else:
            self._send(h, 404, {"errors": ["Not found"]})
            return
        if h.headers.get("DD-API-KEY") != self.api_key or (
            "appKeyAuth" in route.auth and h.headers.get("DD-APPLICATION-KEY") != self.app_key
        ):
            self._send(h, 403, {"errors": ["Forbidden"]})
            return
        try:
            params = check_query(parse_qs(parts.query, keep_blank_values=True), route.params_map)
            body = None
            if route.body_model is not None:
                raw = self._decode(raw, h.headers.get("Content-Encoding"))
                try:
                    data = json.loads(raw)
                except ValueError:
                    raise Invalid("body: not JSON") from None
                check_body(data, route.body_model)
                body = data
            elif raw:
                raise Invalid(f"{route.operation} takes no body")
            self.requests.append((h.command, route.operation, params))
            status, answer = getattr(self, f"op_{route.operation}", self._unserved)(
                body, params, m.groupdict()
            )
        except Invalid as exc:
            self.rejected.append(str(exc))
            self._send(h, 400, {"errors": [str(exc)]})
            return
        self._send(h, status, answer)

    @staticmethod
    def _decode(raw: bytes, encoding: str | None) -> bytes:
        if encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            return zlib.decompress(raw)
        if encoding:
            raise Invalid(f"Content-Encoding {encoding!r} is not supported by this fake")
        return raw

    def _unserved(self, *_: Any) -> tuple[int, Any]:
        return 501, {"errors": ["this endpoint is not implemented by the fake"]}

    # --- metrics ---------------------------------------------------------------------

    def op_query_metrics(self, _b: Any, p: dict[str, Any], _a: Any) -> tuple[int, Any]:
        frm, to, text = p["from"], p["to"], p["query"]
        if to < frm:
            raise Invalid("query string: to is before from")
        series = []
        for index, q in enumerate(split_queries(text)):
            m = _ROLLUP.match(q)
            base, agg, step = (m["base"], m["agg"], int(m["n"] or 60)) if m else (q, "avg", 60)
            if agg != "sum":
                raise Invalid(f"this fake only rolls up counts by sum, not {agg!r}")
            # Datadog's limit: at most 1500 points per series; a longer span gets coarser.
            interval = step * max(1, math.ceil((to - frm + 1) / step / MAX_POINTS))
            for group in self.series.get(base.strip(), []):
                sums: dict[int, float] = {}
                for t, v in group.items():
                    b = t - t % interval
                    if frm - frm % interval <= b <= to:
                        sums[b] = sums.get(b, 0.0) + v
                if not sums:
                    continue
                points = [[b * 1000.0, sums[b]] for b in sorted(sums)]
                series.append(
                    {
                        "metric": base.split(":", 1)[-1].split("{", 1)[0],
                        "display_name": base,
                        "expression": q,
                        "scope": "*",
                        "aggr": "sum",
                        "query_index": index,
                        "interval": interval,
                        "length": len(points),
                        "start": int(points[0][0]),
                        "end": int(points[-1][0]) + interval * 1000 - 1,
                        "pointlist": points,
                        "tag_set": [],
                    }
                )
        return 200, {
            "status": "ok",
            "res_type": "time_series",
            "query": text,
            "from_date": frm * 1000,
            "to_date": to * 1000,
            "group_by": [],
            "message": "",
            "series": series,
        }

    def op_submit_metrics(self, body: Any, _p: Any, _a: Any) -> tuple[int, Any]:
        with self._lock:
            self.submitted.extend(body["series"])
        return 202, {"errors": []}

    def submitted_counts(self) -> dict[tuple[str, tuple[str, ...]], float]:
        """Sum of submitted count points per (metric, sorted tags)."""
        out: dict[tuple[str, tuple[str, ...]], float] = {}
        for s in self.submitted:
            key = (s["metric"], tuple(sorted(s.get("tags", []))))
            out[key] = out.get(key, 0.0) + sum(p["value"] for p in s["points"])
        return out

    # --- SLOs ------------------------------------------------------------------------

    def _slo_checks(self, body: dict[str, Any]) -> None:
        for t in body.get("thresholds", []):
            if t["timeframe"] == "custom":
                raise Invalid("thresholds: 'custom' is not a valid timeframe for an SLO")
        if body["type"] == "metric" and "query" not in body and "sli_specification" not in body:
            raise Invalid("a metric SLO needs query (numerator, denominator)")

    def op_create_slo(self, body: Any, _p: Any, _a: Any) -> tuple[int, Any]:
        self._slo_checks(body)
        now = int(time.time())
        slo = {**body, "id": uuid.uuid4().hex, "created_at": now, "modified_at": now}
        slo.setdefault("tags", [])
        slo.setdefault("description", None)
        self.slos[slo["id"]] = slo
        return 200, {"data": [slo], "errors": []}

    def op_list_slos(self, _b: Any, p: dict[str, Any], _a: Any) -> tuple[int, Any]:
        found = list(self.slos.values())
        if "ids" in p:
            wanted = set(p["ids"].split(","))
            found = [s for s in found if s["id"] in wanted]
        if "tags_query" in p:
            found = [s for s in found if p["tags_query"] in s.get("tags", [])]
        return 200, {"data": found, "errors": []}

    def _slo(self, a: dict[str, str]) -> dict[str, Any]:
        if a["slo_id"] not in self.slos:
            raise Invalid(f"no SLO {a['slo_id']}")  # the real API answers 404
        return self.slos[a["slo_id"]]

    def op_get_slo(self, _b: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        return 200, {"data": self._slo(a), "errors": []}

    def op_update_slo(self, body: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        self._slo_checks(body)
        old = self._slo(a)
        slo = {
            **body,
            "id": old["id"],
            "created_at": old["created_at"],
            "modified_at": int(time.time()),
        }
        self.slos[old["id"]] = slo
        return 200, {"data": [slo], "errors": []}

    def op_delete_slo(self, _b: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        self.slos.pop(self._slo(a)["id"])
        return 200, {"data": [a["slo_id"]], "errors": {}}

    # --- monitors --------------------------------------------------------------------

    def _monitor_checks(self, body: dict[str, Any]) -> None:
        if body.get("type") == "slo alert":
            m = re.match(r'^(burn_rate|error_budget)\("(?P<id>[0-9a-f]+)"\)', body.get("query", ""))
            if not m or m["id"] not in self.slos:
                raise Invalid(f"monitor query {body.get('query')!r} names no existing SLO")

    def op_create_monitor(self, body: Any, _p: Any, _a: Any) -> tuple[int, Any]:
        self._monitor_checks(body)
        mid = next(self._ids)
        mon = {**body, "id": mid, "overall_state": "OK", "created": "2026-01-01T00:00:00+00:00"}
        mon.setdefault("tags", [])
        self.monitors[mid] = mon
        return 200, mon

    def op_list_monitors(self, _b: Any, p: dict[str, Any], _a: Any) -> tuple[int, Any]:
        found = list(self.monitors.values())
        if "monitor_tags" in p:
            wanted = [t for t in p["monitor_tags"].split(",") if t]
            found = [m for m in found if all(t in m.get("tags", []) for t in wanted)]
        return 200, found

    def _monitor(self, a: dict[str, str]) -> dict[str, Any]:
        mid = int(a["monitor_id"])
        if mid not in self.monitors:
            raise Invalid(f"no monitor {mid}")
        return self.monitors[mid]

    def op_get_monitor(self, _b: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        return 200, self._monitor(a)

    def op_update_monitor(self, body: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        old = self._monitor(a)
        self._monitor_checks({**old, **body})
        self.monitors[old["id"]] = {**old, **body}
        return 200, self.monitors[old["id"]]

    # --- dashboards ------------------------------------------------------------------

    def op_create_dashboard(self, body: Any, _p: Any, _a: Any) -> tuple[int, Any]:
        did = f"abc-{next(self._ids)}-xyz"
        board = {**body, "id": did, "url": f"/dashboard/{did}"}
        self.dashboards[did] = board
        return 200, board

    def op_list_dashboards(self, _b: Any, _p: Any, _a: Any) -> tuple[int, Any]:
        return 200, {
            "dashboards": [
                {
                    "id": d["id"],
                    "title": d["title"],
                    "layout_type": d["layout_type"],
                    "url": d["url"],
                }
                for d in self.dashboards.values()
            ]
        }

    def _board(self, a: dict[str, str]) -> dict[str, Any]:
        if a["dashboard_id"] not in self.dashboards:
            raise Invalid(f"no dashboard {a['dashboard_id']}")
        return self.dashboards[a["dashboard_id"]]

    def op_get_dashboard(self, _b: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        return 200, self._board(a)

    def op_update_dashboard(self, body: Any, _p: Any, a: dict[str, str]) -> tuple[int, Any]:
        old = self._board(a)
        self.dashboards[old["id"]] = {**body, "id": old["id"], "url": old["url"]}
        return 200, self.dashboards[old["id"]]


def minutes(start: int, values: list[float]) -> dict[int, float]:
    """Per-minute points from `start` (unix seconds), skipping None."""
    return {start + 60 * i: v for i, v in enumerate(values) if v is not None}
