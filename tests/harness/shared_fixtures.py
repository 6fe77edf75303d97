"""Shared fixtures (a pytest plugin loaded by tests/conftest.py): a real Prometheus and
Alertmanager on free 127.0.0.1 ports, local HTTP servers, and started web servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from embed_harness import Server
from prom_harness import LocalServer, Process, Series, backfill, bin_dir, start_alertmanager
from prom_harness import start_prometheus as _start_prometheus


@pytest.fixture(scope="session")
def prom_bin() -> Path:
    return bin_dir()


@pytest.fixture
def start_prometheus(prom_bin: Path, tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start a Prometheus: `start_prometheus(config=None, history=[Series...], args=())`;
    history is backfilled into its data dir first, `args` are more command-line flags.
    Every one started is stopped by PID at teardown."""
    started: list[Process] = []

    def start(
        config: dict[str, Any] | None = None,
        history: list[Series] | None = None,
        args: tuple[str, ...] = (),
    ) -> Process:
        workdir = tmp_path / f"prometheus-{len(started)}"
        data = workdir / "data"
        if history:
            backfill(history, data)
        p = _start_prometheus(workdir, config, data_dir=data, args=args)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def start_am(prom_bin: Path, tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Process]]:
    started: list[Process] = []

    def start(config: dict[str, Any]) -> Process:
        p = start_alertmanager(tmp_path / f"alertmanager-{len(started)}", config)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def local_server() -> Iterator[Callable[[Any], LocalServer]]:
    servers: list[LocalServer] = []

    def start(handler: Any) -> LocalServer:
        s = LocalServer(handler)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


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
