"""`nexus-sre budgets --source prometheus` against google's slo-generator 2.6.0, side by side.

One Prometheus holds 30 days of minute-resolution history (backfilled with promtool): ten
services, each a good (code 200) and a bad (code 500) counter. 1, 30 and 300 SLOs read them
(SLO k reads service k % 10). Each contender runs as its own process, alternately; per run:
wall time, peak RSS (wait4), queries Prometheus answered and its own CPU
(`prometheus_http_requests_total`, `process_cpu_seconds_total` from /metrics, before/after).
nexus-sre's counts are checked against the events themselves (exact).

Windows: nexus-sre reads the period (30d) and its two tiers' windows (1h/5m, 6h/30m);
slo-generator's policy has four steps (1h, 6h, 1d, 30d). Both read about 31 days per SLO.
Quick mode (NEXUS_BENCH_QUICK=1): 2 days of history, 1 and 3 SLOs, one run, targets printed.
Full: `python -m pytest benches/test_budgets_bench.py --benchmark-enable -s -p no:cacheprovider`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "harness"))
from prom_harness import Series, backfill, start_prometheus

SERVICES = 10
QUICK = os.environ.get("NEXUS_BENCH_QUICK", "") not in ("", "0")
DAYS = 2 if QUICK else 30
SIZES = (1, 3) if QUICK else (1, 30, 300)
if os.environ.get("NEXUS_BENCH_BUDGET_SLOS"):  # e.g. "30": one size only
    SIZES = tuple(int(x) for x in os.environ["NEXUS_BENCH_BUDGET_SLOS"].split(","))
RUNS = 1 if QUICK else 3
SLOGEN = shutil.which("slo-generator")


def _events(service: int, minutes: int) -> tuple[list[int], list[int]]:
    good = [200 + (i * 7919 + service * 31) % 97 for i in range(minutes)]
    bad = [(i % (13 + service)) == 0 for i in range(minutes)]
    return good, [int(b) for b in bad]


@pytest.fixture(scope="module")
def prom(tmp_path_factory):  # type: ignore[no-untyped-def]
    # a sample on each end of the period: increase() over it is the exact counter delta
    minutes = DAYS * 1440 + 1
    end = int(time.time()) // 60 * 60 - 60
    start = end - (minutes - 1) * 60
    series, events = [], {}
    for s in range(SERVICES):
        good, bad = _events(s, minutes)
        events[s] = (start, good, bad)
        for code, inc in (("200", good), ("500", bad)):
            x = Series("http_requests_total", {"service": f"svc{s}", "code": code})
            value = 1000
            for i, d in enumerate(inc):
                value += d
                x.samples.append((start + i * 60, value))
            series.append(x)
    work = tmp_path_factory.mktemp("bench-prom")
    backfill(series, work / "data")
    del series
    p = start_prometheus(work, data_dir=work / "data")
    yield p, end, events, work
    p.stop()


def _scrape(url: str) -> tuple[float, float]:
    """Prometheus's own CPU seconds and the number of query requests it answered."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    cpu = queries = 0.0
    for line in text.splitlines():
        if line.startswith("process_cpu_seconds_total "):
            cpu = float(line.split()[1])
        elif line.startswith("prometheus_http_requests_total{") and (
            'handler="/api/v1/query"' in line or 'handler="/api/v1/query_range"' in line
        ):
            queries += float(line.split()[-1])
    return cpu, queries


def _run(cmd: list[str], env: dict[str, str], url: str) -> dict[str, float | str]:
    cpu0, q0 = _scrape(url)
    rss_r, rss_w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(rss_w), *cmd],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(rss_w,),
    )
    os.close(rss_w)
    out, err = proc.communicate(timeout=1800)
    with os.fdopen(rss_r, "rb") as f:
        rss_kb, wall = (float(x) for x in f.read().split())
    cpu1, q1 = _scrape(url)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return {
        "wall": wall,
        "rss_mb": rss_kb / 1024,
        "queries": q1 - q0 - 0,
        "prom_cpu": cpu1 - cpu0,
        "stdout": out.decode(),
    }


# ru_maxrss survives fork and exec: a child of this (large) pytest process starts with its
# peak RSS. A small launcher, itself started fresh, runs the command and reports the
# grandchild's own peak (wait4), which starts from the launcher's few MB, and its wall time.
_LAUNCHER = """
import os, sys, time
report_fd, cmd = int(sys.argv[1]), sys.argv[2:]
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
_, status, usage = os.wait4(pid, 0)
os.write(report_fd, f"{usage.ru_maxrss} {time.perf_counter() - began}".encode())
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _nexus_config(n: int, work: Path) -> Path:
    services: dict[int, list[dict]] = {}
    for k in range(n):
        s = k % SERVICES
        services.setdefault(s, []).append(
            {
                "id": f"slo{k}",
                "target": 99.5,
                "timeWindow": f"{DAYS}d",
                "sli": {
                    "type": "availability",
                    "goodQuery": f'http_requests_total{{service="svc{s}",code="200"}}',
                    "totalQuery": f'http_requests_total{{service="svc{s}"}}',
                },
                "alerting": {
                    "burnRate": {
                        "page-1h": {
                            "threshold": 14.4,
                            "window": "1h",
                            "shortWindow": "5m",
                            "severity": "critical",
                        },
                        "ticket-6h": {
                            "threshold": 6,
                            "window": "6h",
                            "shortWindow": "30m",
                            "severity": "warning",
                        },
                    }
                },
            }
        )
    doc = {
        "version": "1.0",
        "services": [
            {"name": f"svc{s}", "tier": "tier-2", "slos": slos} for s, slos in services.items()
        ],
    }
    path = work / f"nexus-{n}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _slogen_configs(n: int, work: Path, url: str) -> tuple[Path, Path]:
    folder = work / f"slogen-{n}"
    folder.mkdir(exist_ok=True)
    steps = [
        {
            "name": name,
            "burn_rate_threshold": thr,
            "alert": True,
            "window": w,
            "message_alert": "burning",
            "message_ok": "ok",
        }
        for name, thr, w in (
            ("1h", 14.4, 3600),
            ("6h", 6, 21600),
            ("1d", 3, 86400),
            ("period", 1, DAYS * 86400),
        )
    ]
    config = folder.parent / f"slogen-config-{n}.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "backends": {"prometheus": {"url": url}},
                "error_budget_policies": {"default": {"steps": steps}},
            }
        )
    )
    for k in range(n):
        s = k % SERVICES
        (folder / f"slo{k}.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "sre.google.com/v2",
                    "kind": "ServiceLevelObjective",
                    "metadata": {
                        "name": f"svc{s}-slo{k}",
                        "labels": {
                            "service_name": f"svc{s}",
                            "feature_name": "api",
                            "slo_name": f"slo{k}",
                        },
                    },
                    "spec": {
                        "description": "availability",
                        "backend": "prometheus",
                        "method": "good_bad_ratio",
                        "exporters": [],
                        "service_level_indicator": {
                            "filter_good": f'http_requests_total{{service="svc{s}",code="200"}}',
                            "filter_valid": f'http_requests_total{{service="svc{s}"}}',
                        },
                        "goal": 0.995,
                    },
                }
            )
        )
    return folder, config


@pytest.mark.skipif(SLOGEN is None, reason="slo-generator is not installed (see benches/README)")
@pytest.mark.parametrize("n", SIZES)
def test_budgets_against_slo_generator(prom, n: int, quick: bool) -> None:  # type: ignore[no-untyped-def]
    p, end, events, work = prom
    cfg = _nexus_config(n, work)
    folder, slogen_cfg = _slogen_configs(n, work, p.url)
    env = {**os.environ, "PROMETHEUS_URL": p.url}
    end_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end))
    nexus_cmd = [
        sys.executable,
        "-m",
        "nexus_sre",
        "budgets",
        str(cfg),
        "--source",
        "prometheus",
        "--prometheus-url",
        p.url,
        "--end",
        end_iso,
        "--format",
        "json",
    ]
    slogen_cmd = [str(SLOGEN), "compute", "-f", str(folder), "-c", str(slogen_cfg)]
    results: dict[str, list[dict]] = {"nexus": [], "slogen": []}
    for _ in range(RUNS):
        results["slogen"].append(_run(slogen_cmd, env, p.url))
        results["nexus"].append(_run(nexus_cmd, env, p.url))
    # exact: every SLO's events are the generated events of the period
    rows = json.loads(results["nexus"][0]["stdout"])["slos"]
    for row in rows:
        s = int(row["service"].removeprefix("svc"))
        _, good, bad = events[s]
        assert row["events"] == sum(good[1:]) + sum(bad[1:])  # the first sample: baseline
    med = {
        who: {
            k: statistics.median(r[k] for r in runs)
            for k in ("wall", "rss_mb", "queries", "prom_cpu")
        }
        for who, runs in results.items()
    }
    print(f"\n{n} SLO(s), {DAYS}d history, median of {RUNS}:")
    for who in ("nexus", "slogen"):
        m = med[who]
        print(
            f"  {who:7s} wall {m['wall']:.2f}s  rss {m['rss_mb']:.1f} MB  queries "
            f"{m['queries']:.0f}  prometheus cpu {m['prom_cpu']:.2f}s"
        )
    speedup = med["slogen"]["wall"] / med["nexus"]["wall"]
    rss = med["nexus"]["rss_mb"] / med["slogen"]["rss_mb"]
    print(
        f"  speed-up {speedup:.2f}x (target >= 2 at 30 and 300), rss ratio {rss:.2f} "
        "(target <= 1.5)"
    )
    if not quick and n >= 30:
        assert speedup >= 2
        assert rss <= 1.5
        assert med["nexus"]["prom_cpu"] <= med["slogen"]["prom_cpu"] * 1.1 + 0.05
