from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from embed_harness import Server


@pytest.fixture
def servers() -> Iterator[Callable[[Server], Server]]:
    """Register a started server; every registered one is stopped by PID at teardown."""
    started: list[Server] = []

    def keep(s: Server) -> Server:
        started.append(s)
        return s

    yield keep
    for s in started:
        s.stop()


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    d = {"shared": tmp_path / "shm", "persist": tmp_path / "segments"}
    return d
