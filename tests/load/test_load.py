"""The load test, short: uvicorn and gunicorn (2 workers each, a shared store) under a set
load with a kill -9 halfway; /metrics and the store must equal what was answered. The
full run and its figures: `python tests/load/run.py` (benches/README.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run
from plan import STATUS_MIX, expected, make_plan


def test_the_plan_has_every_kind_of_request() -> None:
    plan = make_plan(2000)
    assert make_plan(2000) == plan  # seeded: the same plan every run
    assert {r.status for r in plan} == set(STATUS_MIX)
    want = expected(plan)
    bad = sum(1 for r in plan if r.status >= 500)
    assert want["load-availability"].total - want["load-availability"].good == bad
    assert 0 < want["load-latency"].good < 2000


@pytest.mark.parametrize("server", ["uvicorn", "gunicorn"])
def test_figures_equal_what_was_sent_through_a_worker_kill(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--rate", "100", "--seconds", "3", "--workers", "2", "--servers", server]
    argv += [
        "--overhead-rounds",
        "0",
        "--json",
        str(tmp_path / "r.json"),
        "--log-dir",
        str(tmp_path),
    ]
    code = run.main(argv)
    import json

    result = json.loads((tmp_path / "r.json").read_text())[server]
    assert result["problems"] == [], capsys.readouterr().out
    assert code == 0
    assert result["answered"] == result["planned"] == 300
    assert result["kill"]["replaced_after_s"] is not None
    assert result["kill"]["victim"] not in result["workers_after"]
    assert len(result["workers_after"]) == 2
