"""Real servers for the embedded tests: uvicorn and gunicorn on free 127.0.0.1 ports,
started and stopped by PID, and a bounded load generator."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), str(APPS)])
    env.update(extra)
    return env


@dataclass
class Server:
    """A server process; `stop()` ends it (and, for gunicorn, its workers) by PID."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready:\n{self.log.read_text()[-4000:]}")

    def children(self) -> list[int]:
        """PIDs of the direct children (gunicorn's workers)."""
        pids = []
        task = Path(f"/proc/{self.proc.pid}/task")
        for t in task.iterdir() if task.exists() else []:
            text = (t / "children").read_text().split()
            pids.extend(int(p) for p in text)
        return sorted(pids)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                for pid in self.children():
                    os.kill(pid, signal.SIGKILL)
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_uvicorn(app: str, log: Path, env: dict[str, str], workers: int = 1) -> Server:
    port = free_port()
    more = ["--workers", str(workers)] if workers > 1 else []
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        *more,
    ]
    return _start(cmd, port, log, env)


def start_gunicorn(
    app: str, log: Path, env: dict[str, str], workers: int = 3, worker_class: str = "sync"
) -> Server:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        worker_class,
        "--log-level",
        "warning",
        "--graceful-timeout",
        "5",
        "--chdir",
        str(APPS),
    ]
    return _start(cmd, port, log, env)


def _start(cmd: list[str], port: int, log: Path, env: dict[str, str]) -> Server:
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=str(APPS))
    server = Server(proc, port, log)
    try:
        server.wait_ready()
    except Exception:
        server.stop(signal.SIGKILL)
        raise
    return server


@dataclass
class LoadResult:
    """What the clients saw: answers by path and status, and requests with no answer."""

    answered: Counter[tuple[str, int]] = field(default_factory=Counter)
    unanswered: int = 0

    def count(self, path: str | None = None, status: int | None = None) -> int:
        return sum(
            n
            for (p, s), n in self.answered.items()
            if (path is None or p == path) and (status is None or s == status)
        )


def run_load(base: str, paths: Sequence[str], threads: int = 4) -> LoadResult:
    """Send each of `paths` once, spread over `threads` clients; a bounded loop.
    `/crash` goes out with `Connection: close`: uvicorn drops a connection whose request
    raised, and a request reusing it would get a reset before reaching the app."""
    result = LoadResult()
    lock = threading.Lock()

    def worker(part: Sequence[str]) -> None:
        local: Counter[tuple[str, int]] = Counter()
        missed = 0
        with httpx.Client(base_url=base, timeout=10.0) as client:
            for p in part:
                try:
                    close = {"Connection": "close"} if p == "/crash" else None
                    r = client.get(p, headers=close)
                    local[(p, r.status_code)] += 1
                except httpx.HTTPError:
                    missed += 1
        with lock:
            result.answered.update(local)
            result.unanswered += missed

    ts = [threading.Thread(target=worker, args=(paths[i::threads],)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return result
