"""A one-line progress bar on stderr (rows, rows/s, ETA), only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self, total: int | None, stream: TextIO | None = None, enabled: bool | None = None
    ):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.rows = 0
        self.started = time.monotonic()
        self._last = 0.0

    def update(self, rows: int) -> None:
        self.rows += rows
        now = time.monotonic()
        if self.enabled and now - self._last >= 0.2:  # redraw at most 5 times a second
            self._last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.rows / elapsed
        text = f"\r{self.rows / 1e6:8.2f}M rows  {rate / 1e6:6.2f}M rows/s"
        if self.total:
            share = min(self.rows / self.total, 1.0)
            eta = (self.total - self.rows) / rate if rate > 0 else float("inf")
            bar = "#" * int(share * 20)
            text += f"  [{bar:<20}] {share:6.1%}  ETA {eta:5.0f}s"
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
