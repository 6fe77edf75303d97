"""The browser side of the error intake (examples/browser) in headless Chromium against a
real uvicorn server: a page that throws is counted, its messages land in the digest, and
the beacons stay out of the API's own request SLO."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from embed_harness import run_load, server_env, start_uvicorn


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("chromium not installed (scripts/install-chromium.sh installs it)")


@pytest.mark.chromium
def test_page_that_throws_is_counted_with_its_messages(dirs, servers, tmp_path: Path) -> None:
    srv = servers(start_uvicorn("starlette_app:app", tmp_path / "uv.log", server_env()))
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
    assert set(digest) == {
        "Uncaught ReferenceError: undefinedFunctionInCart is not defined",
        "Unhandled rejection: checkout total is NaN",
    }
    assert all(e["count"] == 1 and e["url"] == srv.url + "/page" for e in digest.values())
    # The page, script and beacons are not the API's requests; Chromium's /favicon.ico
    # (a 404, good) is the only one the middleware may have seen.
    assert state["slos"]["shop/availability"]["total"] <= 1


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
