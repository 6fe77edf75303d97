"""Two ways to hand Datadog count metrics: a local agent over DogStatsD (UDP) or the v2
series API (`POST /api/v2/series`, type count). Each raises `SendError` when a batch was
not delivered, so the sender keeps it for the next attempt."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import BackendError
from .api import call
from .settings import Connection

# DogStatsD's advice for UDP: datagrams that fit one packet without fragmenting.
MAX_DATAGRAM = 1432


class SendError(BackendError):
    """A batch of counts was not delivered (it is sent again with the next batch)."""


@dataclass(frozen=True)
class Count:
    """`value` events of `metric` since the last delivered batch, with its tags."""

    metric: str
    value: int
    tags: tuple[str, ...]


def _line(c: Count) -> str:
    tags = f"|#{','.join(c.tags)}" if c.tags else ""
    return f"{c.metric}:{c.value}|c{tags}"


class DogStatsD:
    """A local Datadog agent's DogStatsD port (UDP, `metric:value|c|#tag:v,...`).

    The socket is connected, so an agent that is not listening shows as an error (ICMP port
    unreachable, which a local agent's host reports at once: checked after each batch)
    rather than datagrams silently dropped forever. Past that, UDP cannot tell whether a
    datagram arrived: a send that raised no error counts as delivered."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8125):
        self.host, self.port = host, port
        self._sock: socket.socket | None = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.connect((self.host, self.port))
            except OSError:
                sock.close()
                raise
            self._sock = sock
        return self._sock

    def datagrams(self, counts: Sequence[Count]) -> list[bytes]:
        """The lines packed into datagrams of at most MAX_DATAGRAM bytes."""
        out: list[bytes] = []
        current = b""
        for c in counts:
            line = _line(c).encode()
            if current and len(current) + 1 + len(line) > MAX_DATAGRAM:
                out.append(current)
                current = b""
            current = line if not current else current + b"\n" + line
        if current:
            out.append(current)
        return out

    def send(self, counts: Sequence[Count]) -> None:
        try:
            sock = self._socket()
            for datagram in self.datagrams(counts):
                sock.send(datagram)
            pending = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if pending:
                raise OSError(pending, os.strerror(pending))
        except OSError as exc:
            self.close()  # a fresh socket next time
            raise SendError(
                f"DogStatsD at {self.host}:{self.port}: not sent ({exc}); kept for the next send"
            ) from None

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class SeriesApi:
    """Datadog's v2 series intake (`submit_metrics`), counts with their interval."""

    def __init__(self, conn: Connection, *, retries: int = 1):
        from datadog_api_client import ApiClient
        from datadog_api_client.v2.api.metrics_api import MetricsApi

        self.conn = conn
        self.retries = retries
        self._client = ApiClient(conn.configuration())
        self._api = MetricsApi(self._client)
        self._last = time.time()

    def payload(self, counts: Sequence[Count], now: float) -> Any:
        from datadog_api_client.v2.model.metric_intake_type import MetricIntakeType
        from datadog_api_client.v2.model.metric_payload import MetricPayload
        from datadog_api_client.v2.model.metric_point import MetricPoint
        from datadog_api_client.v2.model.metric_series import MetricSeries

        interval = max(1, round(now - self._last))
        return MetricPayload(
            series=[
                MetricSeries(
                    metric=c.metric,
                    type=MetricIntakeType.COUNT,
                    interval=interval,
                    points=[MetricPoint(timestamp=int(now), value=float(c.value))],
                    tags=list(c.tags),
                )
                for c in counts
            ]
        )

    def send(self, counts: Sequence[Count]) -> None:
        now = time.time()
        body = self.payload(counts, now)
        try:
            call(
                self.conn,
                lambda: self._api.submit_metrics(body),
                "sending counts",
                retries=self.retries,
            )
        except BackendError as exc:
            raise SendError(f"{exc}; kept for the next send") from None
        self._last = now

    def close(self) -> None:
        self._client.close()
