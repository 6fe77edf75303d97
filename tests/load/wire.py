"""A minimal HTTP/1.1 keep-alive client on asyncio streams, for the load generator: a
fraction of httpx's CPU per request, which matters on 2 busy cores where the client
shares the machine with the server. GET only, Content-Length bodies (what Starlette
sends), 127.0.0.1 only."""

from __future__ import annotations

import asyncio


class Connection:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """The status of `GET path`; raises OSError/asyncio errors/ValueError when the
        connection breaks (the caller counts the request as unanswered)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port), self.timeout
            )
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        try:
            return await asyncio.wait_for(self._response(self.reader), self.timeout)
        except BaseException:
            self.close()
            raise

    @staticmethod
    async def _response(reader: asyncio.StreamReader) -> int:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length:
            await reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


ERRORS = (
    OSError,
    asyncio.IncompleteReadError,
    asyncio.LimitOverrunError,
    asyncio.TimeoutError,
    ValueError,
    IndexError,
)
