"""The load test: real servers with nexus-sre's middleware under a set load, then every
figure checked against what was sent. Only on 127.0.0.1; every loop is bounded.

    python tests/load/run.py --rate 500 --seconds 20 --workers 3

Scenarios (each on its own shared store):
1. uvicorn --workers N, and 2. gunicorn -w N (uvicorn workers): send rate x seconds
   requests with a seeded error and latency mix; halfway, sending pauses, the requests in
   flight finish, one worker gets kill -9, and sending resumes while the server starts a
   new worker. Then /metrics and the shared store (read through the library) must equal
   what was answered: counts exactly, budget and burn rates to the float's rounding.
3. overhead: the same app with and without the middleware, one uvicorn worker each,
   requests alternating between them: p50 and p99 of each, and the difference; then the
   same two apps called in process (tests/load/overhead.py) for the middleware's own cost.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "tests" / "harness"), str(ROOT / "python")]

from check import compare  # noqa: E402
from drive import alternate, drive  # noqa: E402
from embed_harness import Server, server_env, start_gunicorn, start_uvicorn  # noqa: E402
from overhead import inprocess_overhead  # noqa: E402
from plan import expected, make_plan  # noqa: E402


def _env(shared: Path) -> dict[str, str]:
    env = server_env(NEXUS_LOAD_SHARED_DIR=str(shared))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), str(HERE)])
    return env


def workers_of(server: Server) -> list[int]:
    """The worker processes (uvicorn spawns them; multiprocessing may add a helper)."""
    out = []
    for pid in server.children():
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"resource_tracker" not in cmd:
            out.append(pid)
    return out


def _watch_replacement(server: Server, victim: int, count: int, into: dict[str, Any]) -> None:
    """Poll (bounded: 60 s) until the victim is gone and `count` workers run again, and
    put the seconds it took (from the kill) into `into["replaced_after_s"]`."""
    start = time.monotonic()
    while time.monotonic() - start < 60:
        now = workers_of(server)
        if victim not in now and len(now) >= count:
            into["replaced_after_s"] = round(time.monotonic() - start, 2)
            into["replacement"] = sorted(set(now) - {victim} - set(into["others"]))
            return
        time.sleep(0.02)


def scenario(kind: str, args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"nexus-load-{kind}-") as tmp:
        shared = Path(tmp)
        env = _env(shared)
        log = log_dir / f"{kind}.log"
        if kind == "uvicorn":
            server = start_uvicorn("app:app", log, env, workers=args.workers)
        else:
            server = start_gunicorn(
                "app:app",
                log,
                env,
                workers=args.workers,
                worker_class="uvicorn.workers.UvicornWorker",
            )
        kill: dict[str, Any] = {}
        try:
            deadline = time.monotonic() + 30
            while len(workers_of(server)) < args.workers and time.monotonic() < deadline:
                time.sleep(0.1)
            before = workers_of(server)
            plan = make_plan(int(args.rate * args.seconds), seed=args.seed)

            watcher: list[threading.Thread] = []

            def kill_one() -> None:
                victim, *others = workers_of(server)
                os.kill(victim, signal.SIGKILL)
                kill.update(victim=victim, others=others, replaced_after_s=None)
                watcher.append(
                    threading.Thread(
                        target=_watch_replacement, args=(server, victim, args.workers, kill)
                    )
                )
                watcher[0].start()

            result = drive(
                server.url,
                plan,
                rate=args.rate,
                concurrency=args.concurrency,
                pause_at=len(plan) // 2 if args.kill else None,
                on_pause=kill_one if args.kill else None,
            )
            for t in watcher:
                t.join(70)
            problems, figures = compare(server.url, shared, expected(result.answered))
            if result.unanswered or result.not_sent or result.mismatched:
                problems.append(
                    f"{len(result.unanswered)} unanswered, {result.not_sent} not sent, "
                    f"{result.mismatched} with another status than asked"
                )
            if kill and kill["replaced_after_s"] is None:
                problems.append(f"worker {kill['victim']} was not replaced")
            lat = sorted(result.latencies_ms)
            return {
                "server": f"{kind}, {args.workers} workers",
                "workers_before": before,
                "workers_after": workers_of(server),
                "planned": len(plan),
                "answered": len(result.answered),
                "statuses": dict(sorted(result.statuses.items())),
                "achieved_rate": round(result.rate, 1),
                "seconds": round(result.seconds, 2),
                "client_p50_ms": round(_pct(lat, 50), 2),
                "client_p99_ms": round(_pct(lat, 99), 2),
                "kill": kill or None,
                "figures": figures,
                "problems": problems,
            }
        finally:
            server.stop()


def _pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def overhead(args: argparse.Namespace, log_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="nexus-load-overhead-") as tmp:
        servers = []
        try:
            for name in ("app", "bare"):
                shared = Path(tmp) / name
                shared.mkdir()
                servers.append(start_uvicorn(f"app:{name}", log_dir / f"{name}.log", _env(shared)))
            with_mw, without = alternate(
                [s.url for s in servers], "/work?status=200&ms=0", args.overhead_rounds
            )
        finally:
            for s in servers:
                s.stop()
    out: dict[str, Any] = {"rounds": args.overhead_rounds}
    for name, values in (("with", with_mw), ("without", without)):
        v = sorted(values)
        out[name] = {"p50_ms": _pct(v, 50), "p99_ms": _pct(v, 99), "mean_ms": statistics.fmean(v)}
    out["added_p50_ms"] = out["with"]["p50_ms"] - out["without"]["p50_ms"]
    out["added_p99_ms"] = out["with"]["p99_ms"] - out["without"]["p99_ms"]
    paired = sorted(a - b for a, b in zip(with_mw, without, strict=True))
    out["paired_median_ms"] = statistics.median(paired)
    rounded = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}
    rounded |= {n: {k: round(x, 3) for k, x in out[n].items()} for n in ("with", "without")}
    rounded["in_process"] = inprocess_overhead()
    return rounded


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rate", type=float, default=500, help="requests per second")
    p.add_argument("--seconds", type=float, default=20, help="planned duration per server")
    p.add_argument("--workers", type=int, default=3, help="server worker processes (>= 2)")
    p.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--no-kill", dest="kill", action="store_false", help="no kill -9")
    p.add_argument("--servers", default="uvicorn,gunicorn", help="which servers")
    p.add_argument("--overhead-rounds", type=int, default=2000, help="0: skip")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--log-dir", help="server logs (default: a temporary folder)")
    args = p.parse_args(argv)
    if args.workers < 2 or args.rate <= 0 or args.seconds <= 0:
        p.error("--workers must be at least 2, --rate and --seconds positive")
    log_dir = Path(args.log_dir or tempfile.mkdtemp(prefix="nexus-load-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
    for kind in [s.strip() for s in args.servers.split(",") if s.strip()]:
        results[kind] = scenario(kind, args, log_dir)
        print(json.dumps({kind: results[kind]}, indent=2), flush=True)
    if args.overhead_rounds:
        results["overhead"] = overhead(args, log_dir)
        print(json.dumps({"overhead": results["overhead"]}, indent=2), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    bad = [k for k, v in results.items() if isinstance(v, dict) and v.get("problems")]
    print("load test:", "FAILED " + ", ".join(bad) if bad else "every figure equals what was sent")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
