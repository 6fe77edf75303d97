"""The browser side of the error intake (examples/browser) in headless Chromium against a
real uvicorn server: a page that throws is counted, its messages land in the digest and in
the reports made from the server's snapshot (library and CLI), and the beacons stay out of
the API's own request SLO."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from embed_harness import APPS, run_load, server_env, start_uvicorn

from nexus_sre.config import load_config
from nexus_sre.report.make import make_report

MESSAGES = {
    "Uncaught ReferenceError: undefinedFunctionInCart is not defined",
    "Unhandled rejection: checkout total is NaN",
}


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium not installed (scripts/install-chromium.sh installs it)")


def _server_config(tmp_path: Path) -> Path:
    """The test servers' config (tests/harness/apps/common.py) as a file, for reports."""
    spec = importlib.util.spec_from_file_location("apps_common", APPS / "common.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path / "slos.yaml"
    path.write_text(module.CONFIG)
    return path


@pytest.mark.chromium
def test_page_that_throws_is_counted_and_reported(dirs, servers, tmp_path: Path) -> None:
    env = server_env(NEXUS_TEST_PERSIST_DIR=str(dirs["persist"]), NEXUS_TEST_FLUSH="600")
    srv = servers(start_uvicorn("starlette_app:app", tmp_path / "uv.log", env))
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            srv.url + "/page",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    deadline = time.monotonic() + 20
    while True:
        state = httpx.get(srv.url + "/state").json()
        if state["slos"]["web-frontend/browser-errors"]["total"] >= 2:
            break
        assert time.monotonic() < deadline, state
        time.sleep(0.2)
    assert state["slos"]["web-frontend/browser-errors"] == {
        "good": 0,
        "total": 2,
        "cumulative": [0, 2],
    }
    digest = {e["message"]: e for e in state["browser_errors"]["web-frontend"]}
    assert set(digest) == MESSAGES
    assert all(e["count"] == 1 and e["url"] == srv.url + "/page" for e in digest.values())
    # The page, script and beacons are not the API's requests; Chromium's /favicon.ico
    # (a 404, good) is the only one the middleware may have seen.
    assert state["slos"]["shop/availability"]["total"] <= 1

    # The server writes its last snapshot at shutdown; a report made afterwards from that
    # snapshot shows the messages: through the library ...
    srv.stop()  # SIGTERM: uvicorn's lifespan shutdown writes the last snapshot
    assert len(list(dirs["persist"].glob("segment-*.arrow"))) == 1
    config = load_config(_server_config(tmp_path))
    # A period holds whole minutes: end it after the minute the beacons came in.
    end = datetime.fromtimestamp((time.time() // 60 + 1) * 60, UTC)
    report, _ = make_report(config, source="embedded", store=str(dirs["persist"]), end=end)
    web = next(s for s in report["services"] if s["name"] == "web-frontend")
    shown = {b["message"]: b for b in web["browserErrors"]}
    assert set(shown) == MESSAGES
    assert all(b["count"] == 1 and b["url"] == srv.url + "/page" for b in shown.values())
    assert all("browserErrors" not in s for s in report["services"] if s is not web)
    # ... and through the command line, in JSON, HTML and Markdown.
    for fmt in ("json", "html", "markdown"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "nexus_sre",
                "report",
                str(_server_config(tmp_path)),
                "--source",
                "embedded",
                "--store",
                str(dirs["persist"]),
                "--format",
                fmt,
                "--end",
                end.isoformat(),
                "--exit-zero",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            cwd=tmp_path,
        )
        assert out.returncode == 0, out.stderr
        if fmt == "json":
            assert json.loads(out.stdout)["services"] == report["services"]
        else:
            assert ("Browser errors" in out.stdout) and all(m in out.stdout for m in MESSAGES)


def test_beacons_do_not_count_against_the_api(dirs, servers, tmp_path: Path) -> None:
    """1,000 requests and 12 beacons are 1,000 events of the API's SLO, not 1,012."""
    srv = servers(start_uvicorn("starlette_app:app", tmp_path / "uv.log", server_env()))
    res = run_load(srv.url, ["/ok"] * 1000, threads=4)
    assert res.count("/ok", 200) == 1000
    for i in range(12):
        r = httpx.post(srv.url + "/errors", json={"message": f"e{i % 3}", "component": "Cart"})
        assert r.status_code == 204
    state = httpx.get(srv.url + "/state").json()
    assert state["slos"]["shop/availability"]["total"] == 1000
    assert state["slos"]["shop/latency"]["total"] == 1000
    assert state["slos"]["web-frontend/browser-errors"]["total"] == 12
    assert sorted((e["message"], e["count"]) for e in state["browser_errors"]["web-frontend"]) == [
        ("e0", 4),
        ("e1", 4),
        ("e2", 4),
    ]
