"""The HTML report: escaped, self-contained, printable, fast, and drawn by a real Chromium."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
import subprocess
import zlib
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from nexus_sre.report import render
from nexus_sre.slo.evaluation import Series

EVIL = "<script>alert(1)</script>"
LINE_0_RGB = (0x09, 0x69, 0xDA)  # `svg .line-0` stroke in render_html._CSS


def _evil_report(rf):
    ev = rf.eval(
        service=EVIL,
        owner=EVIL,
        slo_id=EVIL,
        slo_name=EVIL,
        sli_type=EVIL,
        alerts=[rf.alert(EVIL, severity=EVIL)],
        burn_rates={EVIL: 1.5},
        series=rf.series(50),
    )
    return rf.build([ev], source=EVIL, config_hash=EVIL)


def test_every_string_is_escaped(rf):
    html = render(_evil_report(rf), "html")
    assert "<script" not in html.lower()
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 8


def test_self_contained(rf, sample_evals):
    html = render(rf.build(sample_evals), "html")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    for needle in ("<script", "<link", " src=", "url(", "@import", "<img", "<iframe"):
        assert needle not in html.lower(), needle
    assert "default-src 'none'" in html  # CSP: nothing could load even if injected


def test_prints_well(rf, sample_evals):
    html = render(rf.build(sample_evals), "html")
    assert "@media print" in html and "break-inside: avoid" in html
    for colour in re.findall(r"background:\s*#([0-9a-f]{6})", html, re.I):
        r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b > 200, colour  # light backgrounds only


def test_status_reads_without_colour(rf, sample_evals):
    report = rf.build(sample_evals)
    html = render(report, "html")
    table = html[html.index("<h2>Compliance</h2>") : html.index("<h2>Recommendations</h2>")]
    for svc in report["services"]:
        for slo in svc["slos"]:
            label = {"healthy": "✔ met", "at-risk": "▲ at risk", "violated": "✖ violated"}.get(
                slo["status"], "○ no data"
            )
            assert label in table


def _chart_count(report):
    with_series = [
        s
        for svc in report["services"]
        for s in svc["slos"]
        if s["series"] and s["status"] != "no-data"
    ]
    charts = 3 * len(with_series)
    paths = sum(2 + len(s["series"]["burnRate"]) for s in with_series)
    return charts, paths


def test_one_path_per_series(rf, sample_evals):
    report = rf.build(sample_evals)
    html = render(report, "html")
    charts, paths = _chart_count(report)
    assert html.count('<svg class="chart"') == charts
    assert len(re.findall(r'<path class="series [^"]*" d="M', html)) == paths


def test_gap_in_sli_lifts_the_pen(rf):
    s = rf.series(20)
    sli = [None, 99.0, 99.5, None, None, 99.9, *([99.9] * 14)]
    ev = rf.eval(series=dataclasses.replace(s, sli_percent=sli))
    html = render(rf.build([ev]), "html")
    sli_path = re.search(r'<path class="series line-0" d="([^"]+)"><title>SLI', html)
    assert sli_path is not None
    assert sli_path.group(1).count("M") == 2  # two runs of known values


def _list_series(n: int, windows: tuple[str, ...], start):
    ts = [start + timedelta(minutes=i + 1) for i in range(n)]
    return Series(
        timestamps=ts,
        sli_percent=[99.9 + (i % 100) / 1000 for i in range(n)],
        budget_remaining_percent=[100 - i * 100 / n for i in range(n)],
        burn_rate={
            w: [(i * (7919 + j) % 1000) / 100 for i in range(n)] for j, w in enumerate(windows)
        },
    )


@pytest.mark.parametrize(
    ("as_arrays", "windows"),
    [
        (False, ("1h", "6h")),  # Python lists, as SloEvaluation allows
        (True, ("5m", "1h", "6h", "3d")),  # numpy arrays straight from the core
    ],
)
def test_minute_buckets_are_capped_per_chart(rf, as_arrays, windows):
    # Speed is measured in benches/test_report_bench.py; this checks the output's shape.
    n = 30 * 24 * 60
    series = _list_series(n, windows, rf.start)
    if as_arrays:
        series = dataclasses.replace(
            series, burn_rate={w: np.array(v) for w, v in series.burn_rate.items()}
        )
    base = rf.eval(series=series)
    evals = [
        dataclasses.replace(base, service=f"svc-{i // 5}", slo_id=f"slo-{i}") for i in range(20)
    ]
    html = render(rf.build(evals), "html")
    assert html.count('<svg class="chart"') == 60
    # Every chart stays within the point cap: 300 points -> 299 "L" segments at most.
    first = re.search(r'd="M[^"]*"', html)
    assert first is not None and first.group(0).count(" ") <= 2 * 300


# --- headless Chromium -------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is required in CI: run scripts/install-chromium.sh")
    pytest.skip("chromium not installed (scripts/install-chromium.sh installs it)")


def _run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        _chromium(),
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        "--log-level=0",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def _console(stderr: str) -> list[str]:
    """Console messages (any level, incl. uncaught errors and CSP reports) Chromium logged."""
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln]


@pytest.mark.chromium
def test_console_detection_works(tmp_path):
    # The check below is only worth something if a console error does show up.
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><script>console.error('boom')</script>")
    assert any("boom" in ln for ln in _console(_run_chromium("--dump-dom", page.as_uri()).stderr))


@pytest.mark.chromium
def test_chromium_renders_without_console_errors(rf, sample_evals, tmp_path):
    report = rf.build(sample_evals)
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    result = _run_chromium("--dump-dom", page.as_uri())
    assert _console(result.stderr) == []
    dom = result.stdout
    charts, paths = _chart_count(report)
    assert dom.count('<svg class="chart"') == charts
    assert len(re.findall(r'<path class="series [^"]*" d="M\d+ \d+L\d', dom)) == paths


@pytest.mark.chromium
def test_chromium_shows_script_names_as_text(rf, tmp_path):
    page = tmp_path / "evil.html"
    page.write_text(render(_evil_report(rf), "html"), encoding="utf-8")
    result = _run_chromium("--dump-dom", page.as_uri())
    assert _console(result.stderr) == []
    assert "<script" not in result.stdout.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout


def _png_pixels(data: bytes) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into an (h, w, channels) array."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, -1)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if f == 0:
            row = line
        elif f == 1:  # Sub: running sum per channel
            row = np.cumsum(line.reshape(-1, channels), axis=0).reshape(-1) % 256
        elif f == 2:  # Up
            row = (line + prev) % 256
        else:  # Average and Paeth depend on the reconstructed left byte: go byte by byte
            vals, up = line.tolist(), prev.tolist()
            rec = [0] * stride
            for i in range(stride):
                a = rec[i - channels] if i >= channels else 0
                b = up[i]
                if f == 3:
                    rec[i] = (vals[i] + (a + b) // 2) % 256
                else:
                    c = up[i - channels] if i >= channels else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                    rec[i] = (vals[i] + pred) % 256
            row = np.array(rec, dtype=np.int32)
        out[y] = row
        prev = row
    return out.reshape(height, width, channels)[:, :, :3]


def _line_pixels(png: Path) -> int:
    px = _png_pixels(png.read_bytes())
    return int((np.abs(px - np.array(LINE_0_RGB)).max(axis=2) <= 24).sum())


@pytest.mark.chromium
def test_screenshot_draws_the_chart_lines(rf, tmp_path):
    # One SLO, so its charts sit inside the first screen.
    evals = [rf.eval(sli_type="latency", series=rf.series(400))]
    shots = {}
    for label, points in (("charts", 300), ("no-series", 0)):
        page = tmp_path / f"{label}.html"
        page.write_text(render(rf.build(evals, max_points=points), "html"), encoding="utf-8")
        shot = tmp_path / f"{label}.png"
        result = _run_chromium("--window-size=1280,1400", f"--screenshot={shot}", page.as_uri())
        assert _console(result.stderr) == []
        shots[label] = _line_pixels(shot)
    # Same page apart from the series: the difference is the drawn lines, in the line colour.
    assert shots["charts"] - shots["no-series"] > 500, shots
