"""Real Prometheus / Alertmanager / promtool for tests: find, start, backfill, stop.

Binaries come from scripts/install-prometheus.sh ($REPO/.cache/prometheus/bin) or from
$NEXUS_PROMETHEUS_BIN_DIR. Without them the tests skip, except under CI=true where they fail.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BINARIES = ("prometheus", "promtool", "alertmanager")


def bin_dir() -> Path:
    """The folder holding the binaries, or skip (fail under CI=true) with the reason."""
    env = os.environ.get("NEXUS_PROMETHEUS_BIN_DIR")
    folder = Path(env) if env else REPO / ".cache" / "prometheus" / "bin"
    missing = [b for b in BINARIES if not os.access(folder / b, os.X_OK)]
    if missing:
        reason = (
            f"Prometheus binaries {', '.join(missing)} not found in {folder}; "
            "run scripts/install-prometheus.sh or set NEXUS_PROMETHEUS_BIN_DIR"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def promtool(*args: str | Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir() / "promtool"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


# --- backfilling history -------------------------------------------------------------------


@dataclass
class Series:
    """One counter series: name, labels and (unix seconds, value) samples."""

    name: str
    labels: dict[str, str]
    samples: list[tuple[int, float]] = field(default_factory=list)


def _openmetrics(series: Iterable[Series]) -> str:
    lines = []
    for s in series:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        for ts, value in s.samples:
            lines.append(f"{s.name}{{{labels}}} {value!r} {ts}")
    # OpenMetrics wants each metric family's samples together and in time order (they are)
    return "\n".join(lines) + "\n# EOF\n"


def backfill(series: Sequence[Series], data_dir: Path) -> None:
    """Write history as TSDB blocks into data_dir (before Prometheus starts)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    src = data_dir.parent / f"{data_dir.name}-backfill.om"
    src.write_text(_openmetrics(series))
    out = promtool(
        "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=744h", src, data_dir
    )
    if out.returncode != 0:
        raise RuntimeError(f"promtool backfill failed:\n{out.stdout}\n{out.stderr}")


# --- processes -----------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    workdir: Path
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


def _wait_ready(p: Process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.proc.poll() is not None:
            raise RuntimeError(f"{p.name} exited with {p.proc.returncode}:\n{p.logs()}")
        try:
            if httpx.get(f"{p.url}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    p.stop()
    raise RuntimeError(f"{p.name} not ready after {timeout}s:\n{p.logs()}")


def _spawn(name: str, args: list[str], workdir: Path, url: str) -> Process:
    log = workdir / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(args, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    p = Process(name, url, proc, workdir, log)
    _wait_ready(p)
    return p


def start_prometheus(
    workdir: Path,
    config: dict[str, Any] | None = None,
    *,
    data_dir: Path | None = None,
    args: Sequence[str] = (),
) -> Process:
    """`args`: more flags, e.g. --rules.alert.resend-delay=1s (alerts that fire right after
    a reload are dropped until Alertmanager is rediscovered, then resent after that delay)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg = workdir / "prometheus.yml"
    cfg.write_text(yaml.safe_dump(config or {"global": {"evaluation_interval": "1s"}}))
    argv = [
        str(bin_dir() / "prometheus"),
        f"--config.file={cfg}",
        f"--storage.tsdb.path={data_dir or workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--storage.tsdb.retention.time=3650d",
        "--web.enable-lifecycle",
        *args,
    ]
    return _spawn("prometheus", argv, workdir, f"http://127.0.0.1:{port}")


def start_alertmanager(workdir: Path, config: dict[str, Any]) -> Process:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    cfg = workdir / "alertmanager.yml"
    cfg.write_text(yaml.safe_dump(config))
    args = [
        str(bin_dir() / "alertmanager"),
        f"--config.file={cfg}",
        f"--storage.path={workdir / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    return _spawn("alertmanager", args, workdir, f"http://127.0.0.1:{port}")


# --- tiny HTTP servers ---------------------------------------------------------------------


class LocalServer:
    """http.server on 127.0.0.1 in a thread; `handler(method, path, body) -> (status, headers,
    body)` answers every request. A body given as a list of chunks is sent one chunk every
    `trickle` seconds (a server that answers slowly without ever going silent)."""

    def __init__(self, handler: Any):
        outer = self

        class H(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.requests.append((self.command, self.path, body))
                status, headers, payload = handler(self.command, self.path, body)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                chunks = payload if isinstance(payload, list) else [payload]
                self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
                self.end_headers()
                # the client may have given up already (timeout tests)
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for i, chunk in enumerate(chunks):
                        if i:
                            time.sleep(outer.trickle)
                        self.wfile.write(chunk)
                        self.wfile.flush()

            do_GET = do_POST = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.requests: list[tuple[str, str, bytes]] = []
        self.trickle = 0.1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- SLO configs built from the model ------------------------------------------------------


def make_slo(
    slo_id: str = "availability",
    *,
    target: str = "99.9",
    period_s: int = 30 * 86400,
    sli: dict[str, Any] | None = None,
    burn_rate: list[Any] | None = None,
    budget_exhaustion: list[Any] | None = None,
    min_events: int = 0,
    runbook_url: str | None = None,
) -> Any:
    from decimal import Decimal

    from nexus_sre.config.defaults import default_budget_thresholds, workbook_burn_rates
    from nexus_sre.config.model import SLI, SLO, Alerting, TimeWindow

    return SLO(
        id=slo_id,
        name=slo_id,
        target=Decimal(target),
        time_window=TimeWindow(seconds=period_s),
        sli=SLI(**(sli or {"type": "availability"})),
        alerting=Alerting(
            burn_rate=workbook_burn_rates(period_s) if burn_rate is None else burn_rate,
            budget_exhaustion=default_budget_thresholds()
            if budget_exhaustion is None
            else budget_exhaustion,
            min_events=min_events,
            runbook_url=runbook_url,
        ),
    )


def make_config(slos: list[Any], service: str = "api", tier: str = "tier-0") -> Any:
    from nexus_sre.config.model import Config, Service

    return Config(services=[Service(name=service, tier=tier, slos=slos)])
