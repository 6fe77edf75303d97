"""The standard-library GET client behind PrometheusBackend, against real local servers:
TLS (a CA bundle, verification off, an untrusted certificate refused), basic auth, gzip,
keep-alive (and a kept-alive connection the server closed), a proxy from the environment."""

from __future__ import annotations

import gzip
import http.server
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import pytest
import trustme

from nexus_sre.common.http_get import HttpGetClient, Timeout, TransportError
from nexus_sre.errors import BackendError
from nexus_sre.sources.prometheus import PrometheusBackend


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    seen: ClassVar[list[dict]] = []

    def do_GET(self) -> None:
        type(self).seen.append(
            {
                "path": self.path,
                "auth": self.headers.get("Authorization"),
                "proxy_auth": self.headers.get("Proxy-Authorization"),
                "peer": self.client_address,
            }
        )
        body = json.dumps({"path": self.path}).encode()
        if "gzip" in self.path:
            body = gzip.compress(body)
        self.send_response(200)
        if "gzip" in self.path:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if "close-after" in self.path:
            self.close_connection = True  # without telling the client: a stale keep-alive

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"seen": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://localhost:{srv.server_address[1]}", handler
    finally:
        srv.shutdown()
        srv.server_close()


def _get(client: HttpGetClient, url: str, **params: str) -> tuple[int, dict]:
    status, body = client.get(url, params, timeout=5, deadline=time.monotonic() + 10)
    return status, json.loads(body)


def test_params_auth_gzip_and_keep_alive() -> None:
    with _server() as (url, h):
        client = HttpGetClient(basic_auth=("ann", "s3cret"), headers={"X-Scope-OrgID": "t1"})
        assert _get(client, url + "/api/v1/query", query='up{job="a b"}', time="1")[1] == {
            "path": "/api/v1/query?query=up%7Bjob%3D%22a+b%22%7D&time=1"
        }
        assert _get(client, url + "/gzip")[1] == {"path": "/gzip"}
        client.close()
    assert h.seen[0]["auth"] == "Basic YW5uOnMzY3JldA=="  # base64 of ann:s3cret
    assert h.seen[0]["peer"] == h.seen[1]["peer"]  # one connection, kept alive


def test_a_kept_alive_connection_the_server_closed_is_reopened() -> None:
    with _server() as (url, h):
        client = HttpGetClient()
        assert _get(client, url + "/close-after")[0] == 200
        time.sleep(0.1)
        assert _get(client, url + "/again")[1] == {"path": "/again"}
        client.close()
    assert [s["path"] for s in h.seen] == ["/close-after", "/again"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(ctx)
    return ctx


def test_tls_with_a_ca_bundle_and_with_verification_off(ca: trustme.CA, tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with _server(_tls_server_context(ca)) as (url, _):
        assert _get(HttpGetClient(verify=str(bundle)), url + "/x")[1] == {"path": "/x"}
        assert _get(HttpGetClient(verify=False), url + "/y")[1] == {"path": "/y"}


def test_an_untrusted_certificate_is_a_backend_error_naming_it(ca: trustme.CA) -> None:
    with _server(_tls_server_context(ca)) as (url, _):
        with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            _get(HttpGetClient(), url + "/x")
        backend = PrometheusBackend(url, retries=0)
        with backend, pytest.raises(BackendError, match="CERTIFICATE_VERIFY_FAILED"):
            backend.query("up", 0)


def test_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain HTTP through a proxy: the proxy gets the absolute URL and the credentials."""
    with _server() as (proxy_url, proxy):
        monkeypatch.setenv("HTTP_PROXY", proxy_url.replace("http://", "http://pu:pw@"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        status, body = _get(HttpGetClient(), "http://prometheus.invalid:9090/api/v1/query", q="1")
        assert status == 200
        assert body == {"path": "http://prometheus.invalid:9090/api/v1/query?q=1"}
        assert proxy.seen[0]["proxy_auth"] == "Basic cHU6cHc="  # pu:pw
        monkeypatch.setenv("NO_PROXY", "prometheus.invalid")
        with pytest.raises(TransportError):  # now direct: the name does not resolve
            _get(HttpGetClient(), "http://prometheus.invalid:9090/x")


def test_silence_is_a_timeout() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)  # accepts connections, never answers
    try:
        client = HttpGetClient()
        with pytest.raises(Timeout):
            client.get(
                f"http://127.0.0.1:{sock.getsockname()[1]}/x",
                {},
                timeout=0.2,
                deadline=time.monotonic() + 5,
            )
    finally:
        sock.close()
