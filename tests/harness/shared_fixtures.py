"""Shared fixtures (a pytest plugin loaded by tests/conftest.py): a real Prometheus and
Alertmanager on free 127.0.0.1 ports, local HTTP servers, started web servers (each stopped
at teardown), and an embedded store seeded by `nexus-sre demo`."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cli_harness import EXAMPLE, cli
from embed_harness import Server
from prom_harness import LocalServer, Process, Series, backfill, bin_dir, start_alertmanager
from prom_harness import start_prometheus as _start_prometheus

T = TypeVar("T")


def _stopped_at_teardown(
    start: Callable[..., T], stop: Callable[[T], None]
) -> Iterator[Callable[..., T]]:
    """A fixture's body: yields `start`, remembering what it returns; at teardown each one
    is stopped, in the order started."""
    started: list[T] = []

    def tracked(*args: Any, **kwargs: Any) -> T:
        item = start(*args, **kwargs)
        started.append(item)
        return item

    yield tracked
    for item in started:
        stop(item)


@pytest.fixture(scope="session")
def prom_bin() -> Path:
    return bin_dir()


@pytest.fixture
def start_prometheus(prom_bin: Path, tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start a Prometheus: `start_prometheus(config=None, history=[Series...], args=())`;
    history is backfilled into its data dir first, `args` are more command-line flags.
    Every one started is stopped by PID at teardown."""
    number = itertools.count()

    def start(
        config: dict[str, Any] | None = None,
        history: list[Series] | None = None,
        args: tuple[str, ...] = (),
    ) -> Process:
        workdir = tmp_path / f"prometheus-{next(number)}"
        data = workdir / "data"
        if history:
            backfill(history, data)
        return _start_prometheus(workdir, config, data_dir=data, args=args)

    yield from _stopped_at_teardown(start, lambda p: p.stop())


@pytest.fixture
def start_am(prom_bin: Path, tmp_path: Path) -> Iterator[Callable[[dict[str, Any]], Process]]:
    """Start an Alertmanager with a config; stopped by PID at teardown."""
    number = itertools.count()

    def start(config: dict[str, Any]) -> Process:
        return start_alertmanager(tmp_path / f"alertmanager-{next(number)}", config)

    yield from _stopped_at_teardown(start, lambda p: p.stop())


@pytest.fixture
def local_server() -> Iterator[Callable[[Any], LocalServer]]:
    """Serve a handler on a free local port; closed at teardown."""
    yield from _stopped_at_teardown(LocalServer, lambda s: s.close())


@pytest.fixture
def servers() -> Iterator[Callable[[Server], Server]]:
    """Register a started server; every registered one is stopped by PID at teardown."""
    yield from _stopped_at_teardown(lambda s: s, lambda s: s.stop())


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(work folder, embedded store) seeded by `nexus-sre demo` with the example config's 30
    days, once per test module (its store's data ends when the module starts)."""
    work = tmp_path_factory.mktemp("demo")
    store = work / "store"
    r = cli("demo", "--config", str(EXAMPLE), cwd=work, store=store)
    assert r.returncode == 0, r.stderr
    assert "demo data for 9 SLOs" in r.stderr
    return work, store


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    d = {"shared": tmp_path / "shm", "persist": tmp_path / "segments"}
    return d
