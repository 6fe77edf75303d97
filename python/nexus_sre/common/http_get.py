"""A small blocking HTTP GET client on the standard library, for reading Prometheus.

Keep-alive connections per thread (one client is shared by the threads of a run), TLS
verified against the system's CAs, a CA bundle or not at all, proxies from the
environment (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`), gzip answers, a timeout per socket
operation and a deadline for the whole answer. Why not httpx: importing it (and httpcore)
costs about 0.12 s, a third of what `budgets --source prometheus` needs to start, and a CI
budget gate runs on every release.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Mapping
from typing import Any

_CHUNK = 64 * 1024


class TransportError(Exception):
    """The request did not get an answer: refused, reset, a TLS or protocol failure."""


class Timeout(TransportError):
    """No byte for the timeout, or the answer still arriving at the deadline."""


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    if verify is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


class HttpGetClient:
    """GET with keep-alive; thread-safe (each thread has its own connections)."""

    def __init__(
        self,
        *,
        headers: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
        verify: bool | str = True,
        timeout: float = 10.0,
    ) -> None:
        self.timeout = timeout
        self.headers = {"Accept-Encoding": "gzip", "User-Agent": "nexus-sre", **(headers or {})}
        if basic_auth is not None:
            self.headers["Authorization"] = _basic(*basic_auth)
        self._verify = verify
        self._tls: ssl.SSLContext | None = None  # made on first https use (loading CAs)
        self._local = threading.local()
        self._open: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            conns, self._open = self._open, []
        for conn in conns:
            conn.close()

    def get(
        self, url: str, params: Mapping[str, Any], *, timeout: float, deadline: float
    ) -> tuple[int, bytes]:
        """Status and body of GET `url?params`. `deadline`: a `time.monotonic()` by which
        the whole answer must have arrived."""
        parts = urllib.parse.urlsplit(url)
        target = parts.path or "/"
        if params:
            target += "?" + urllib.parse.urlencode(params)
        for fresh in (False, True):
            conn, reused = self._connection(parts, fresh)
            try:
                return self._exchange(conn, parts, target, timeout, deadline)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop(parts, conn)
                # A kept-alive connection the server closed while idle: once more, anew.
                if not reused:
                    raise TransportError(str(exc) or type(exc).__name__) from exc
            except TimeoutError as exc:
                self._drop(parts, conn)
                raise Timeout(str(exc) or "timed out") from exc
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts, conn)
                raise TransportError(str(exc) or type(exc).__name__) from exc
        raise AssertionError("unreachable")

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        parts: urllib.parse.SplitResult,
        target: str,
        timeout: float,
        deadline: float,
    ) -> tuple[int, bytes]:
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        headers = self.headers
        proxy_auth = getattr(conn, "nexus_proxy_headers", None)
        if proxy_auth is not None:  # plain HTTP through a proxy: it gets the absolute URL
            target = urllib.parse.urlunsplit((parts.scheme, parts.netloc, target, "", ""))
            headers = {**headers, **proxy_auth}
        conn.request("GET", target, headers=headers)
        resp = conn.getresponse()
        gzip = resp.getheader("Content-Encoding", "").lower() == "gzip"
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        chunks = []
        while True:
            chunk = resp.read1(_CHUNK)
            if not chunk:
                break
            chunks.append(inflate.decompress(chunk) if inflate else chunk)
            if time.monotonic() > deadline:
                raise TimeoutError("the answer was still arriving at the deadline")
        resp.close()  # read to the end: the connection can carry the next request
        if inflate is not None:
            chunks.append(inflate.flush())
        if resp.will_close:
            self._drop(parts, conn)
        return resp.status, b"".join(chunks)

    def _connection(
        self, parts: urllib.parse.SplitResult, fresh: bool
    ) -> tuple[http.client.HTTPConnection, bool]:
        pool: dict[tuple[str, str], http.client.HTTPConnection] = self._local.__dict__.setdefault(
            "pool", {}
        )
        key = (parts.scheme, parts.netloc)
        conn = None if fresh else pool.get(key)
        if conn is not None:
            return conn, True
        conn = self._new_connection(parts)
        pool[key] = conn
        with self._lock:
            self._open.append(conn)
        return conn, False

    def _drop(self, parts: urllib.parse.SplitResult, conn: http.client.HTTPConnection) -> None:
        conn.close()
        pool = self._local.__dict__.get("pool", {})
        if pool.get((parts.scheme, parts.netloc)) is conn:
            del pool[(parts.scheme, parts.netloc)]
        with self._lock:
            if conn in self._open:
                self._open.remove(conn)

    def _new_connection(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        host, port = parts.hostname or "", parts.port
        proxy = _proxy_for(parts.scheme, host)
        https = parts.scheme == "https"
        if https and self._tls is None:
            self._tls = _tls_context(self._verify)
        if proxy is None:
            if https:
                return http.client.HTTPSConnection(
                    host, port, timeout=self.timeout, context=self._tls
                )
            return http.client.HTTPConnection(host, port, timeout=self.timeout)
        p = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        auth = {}
        if p.username is not None:
            user = urllib.parse.unquote(p.username)
            auth["Proxy-Authorization"] = _basic(user, urllib.parse.unquote(p.password or ""))
        conn: http.client.HTTPConnection
        if https:  # a CONNECT tunnel through the proxy; TLS end to end
            conn = http.client.HTTPSConnection(
                p.hostname or "", p.port or 8080, timeout=self.timeout, context=self._tls
            )
            conn.set_tunnel(host, port or 443, headers=auth)
        else:  # plain HTTP: the proxy gets the absolute URL
            conn = http.client.HTTPConnection(
                p.hostname or "", p.port or 8080, timeout=self.timeout
            )
            conn.nexus_proxy_headers = auth  # type: ignore[attr-defined]
        return conn


def _proxy_for(scheme: str, host: str) -> str | None:
    """The proxy the environment names for `scheme`, unless NO_PROXY exempts `host`."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy
