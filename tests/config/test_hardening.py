"""Hostile and out-of-range configs (issue 19): each is a clear error with its location."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nexus_sre.config import load_config, load_config_text
from nexus_sre.config.checks import MAX_SLOS
from nexus_sre.config.loader import MAX_BYTES
from nexus_sre.errors import ConfigError

from .conftest import MINIMAL, ROOT, issues_of


def big_config(services: int) -> str:
    """benches/make_big_config.py's config (benches is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_big_config", ROOT / "benches" / "make_big_config.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.big_config(services))


def _slo(extra: str) -> str:
    """MINIMAL with `extra` lines added to its SLO (indented as its keys)."""
    lines = textwrap.dedent(extra).strip("\n").splitlines()
    return MINIMAL.replace(
        "        target: 99.5\n",
        "        target: 99.5\n" + "".join(f"        {line}\n" for line in lines),
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'timeWindow: "99999999999999999999d"',
            "cfg.yaml:8:21: services[0].slos[0].timeWindow: '99999999999999999999d' is longer "
            "than the longest supported duration, 366d",
        ),
        (
            "timeWindow: 367d",
            "cfg.yaml:8:21: services[0].slos[0].timeWindow: '367d' is longer than the longest "
            "supported duration, 366d",
        ),
        (
            "timeWindow: 30",
            "cfg.yaml:8:21: services[0].slos[0].timeWindow: a time window of 30s is shorter "
            "than one bucket (1m); SLO windows are minutes to days, e.g. '30d'",
        ),
        (
            'timeWindow: "30s"',
            "cfg.yaml:8:21: services[0].slos[0].timeWindow: a time window of 30s is shorter "
            "than one bucket (1m); SLO windows are minutes to days, e.g. '30d'",
        ),
        (
            "alerting: {burnRate: {x: {threshold: 1e400, window: 1h, severity: critical}}}",
            "cfg.yaml:8:46: services[0].slos[0].alerting.burnRate.x.threshold: a burn-rate "
            "factor must be at most 1,000,000, got the number 1.000e+400",
        ),
        (
            "alerting: {minEvents: 99999999999999999999999}",
            "cfg.yaml:8:31: services[0].slos[0].alerting.minEvents: must be <= "
            "9007199254740992, got the number 99999999999999999999999",
        ),
        (
            "alerting: {burnRate: {x: {threshold: 2, window: 9999999d, severity: info}}}",
            "cfg.yaml:8:57: services[0].slos[0].alerting.burnRate.x.window: '9999999d' is "
            "longer than the longest supported duration, 366d",
        ),
    ],
)
def test_values_outside_what_the_core_represents(extra: str, message: str) -> None:
    assert issues_of(_slo(extra)) == [message]


def test_the_tightest_target() -> None:
    (message,) = issues_of(MINIMAL.replace("target: 99.5", "target: 99.99999999999999999"))
    assert "leaves an error budget under 0.000001 %" in message
    assert load_config_text(MINIMAL.replace("target: 99.5", "target: 99.999999"))


def test_the_largest_window_works_end_to_end(tmp_path: Path) -> None:
    """366d is accepted by validate and budgets alike (no OverflowError)."""
    cfg = tmp_path / "slos.yaml"
    cfg.write_text(_slo("timeWindow: 366d").replace("tier-1", "tier-3"))
    env = {**os.environ, "NEXUS_SRE_STORE": str(tmp_path / "store")}
    demo = [sys.executable, "-m", "nexus_sre", "demo", str(cfg), "--days", "1"]
    r = subprocess.run(demo, capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "nexus_sre", "budgets", str(cfg)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "avail" in r.stdout


def test_a_device_is_read_up_to_the_limit_only() -> None:
    with pytest.raises(ConfigError) as info:
        load_config("/dev/zero")
    assert str(info.value) == "/dev/zero: file is larger than 10 MB; refusing to read it"


def test_a_pipe_is_read_up_to_the_limit_only(tmp_path: Path) -> None:
    fifo = tmp_path / "cfg.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys\nwith open({str(fifo)!r}, 'wb') as f:\n"
            "    try:\n        while True: f.write(b'#' * 65536)\n    except BrokenPipeError: pass",
        ],
        stderr=subprocess.DEVNULL,
    )
    try:
        with pytest.raises(ConfigError) as info:
            load_config(fifo)
        assert "file is larger than 10 MB" in str(info.value)
    finally:
        writer.kill()
        writer.wait()


def test_merge_keys_can_be_overridden() -> None:
    text = """\
        version: "1.0"
        defaults: &defaults
          id: base
          target: 99.5
          sli: {type: availability}
        services:
          - name: api
            slos:
              - <<: *defaults
                id: a
              - <<: [*defaults]
                id: b
                target: 99.9
        """
    data = textwrap.dedent(text)
    # `defaults` is not a config key; strip it after the anchors did their work.
    from nexus_sre.config import parse_config
    from nexus_sre.config.loader import load_document

    doc = load_document(data, "cfg.yaml")
    del doc.data["defaults"]
    config = parse_config(doc.data, "cfg.yaml", positions=doc.positions)
    assert [(s.id, float(s.target)) for _, s in config.slos()] == [("a", 99.5), ("b", 99.9)]


def test_a_real_duplicate_key_is_still_refused() -> None:
    text = """\
        version: "1.0"
        x: &d {id: base}
        services:
          - name: api
            slos:
              - <<: *d
                id: a
                id: b
        """
    assert issues_of(text) == [
        "cfg.yaml:8:9: services[0].slos[0].id: duplicate key 'id' (first given on line 7)"
    ]


def test_earlier_merge_sources_win() -> None:
    from nexus_sre.config.loader import load_document

    doc = load_document("a: &a {k: 1}\nb: &b {k: 2, j: 2}\nc: {<<: [*a, *b]}\n")
    assert doc.data["c"] == {"k": 1, "j": 2}


def test_too_many_slos_is_a_clear_error_and_cheap() -> None:
    text = big_config(MAX_SLOS + 1)
    started = time.perf_counter()
    assert issues_of(text) == [
        "cfg.yaml:3:3: services: 10,001 services; one config holds at most 10,000 (split it, "
        "e.g. one config per team)"
    ]
    assert time.perf_counter() - started < 30


def test_validation_memory_is_bounded(tmp_path: Path) -> None:
    """A config of nearly 10 MB (71,062 services) is refused at well under 100 MB of memory
    per MB of config; a child process so the peak is this load's alone."""
    path = tmp_path / "big.yaml"
    path.write_text(big_config(70_000))
    size_mb = path.stat().st_size / 2**20
    assert size_mb < MAX_BYTES / 2**20
    code = (
        "import resource, sys\nfrom nexus_sre.config import load_config\n"
        "try:\n    load_config(sys.argv[1])\nexcept Exception as e:\n    print(type(e).__name__)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    base = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "examples" / "slos.yaml")],
        capture_output=True,
        text=True,
        check=True,
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    error, peak_kb = r.stdout.split()
    assert error == "ConfigError"
    grown_mb = (int(peak_kb) - int(base.stdout.split()[-1])) / 1024
    assert grown_mb / size_mb < 50, f"{grown_mb:.0f} MB for {size_mb:.1f} MB of config"
    assert resource  # (used in the child)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil",
        "/x",
        "https://ok.example/ x",
        "ftp://host/x",
    ],
)
def test_runbook_urls_are_http_only(url: str) -> None:
    (message,) = issues_of(_slo(f"alerting: {{runbookUrl: {url!r}}}"))
    assert message.startswith("cfg.yaml:8:32: services[0].slos[0].alerting.runbookUrl: ")
    assert "URL" in message


def test_runbook_url_http_is_kept() -> None:
    config = load_config_text(_slo("alerting: {runbookUrl: 'https://runbooks.example/x?a=1'}"))
    assert config.slo("avail").alerting.runbook_url == "https://runbooks.example/x?a=1"


@pytest.mark.parametrize("char", ["\u202a", "\u202e", "\u2066", "\u2069"])
def test_bidirectional_controls_are_refused(char: str) -> None:
    text = _slo(f'name: "Avail{char}ability"')
    (message,) = issues_of(text)
    assert message.startswith(
        "cfg.yaml:8:15: services[0].slos[0].name: contains the invisible "
        f"bidirectional control character U+{ord(char):04X}"
    )
    key_text = MINIMAL.replace("    tier: tier-1", f'    tier: tier-1\n    "own{char}er": x')
    assert any("bidirectional control character" in m for m in issues_of(key_text))
