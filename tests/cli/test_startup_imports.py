"""`validate` and `budgets` start lean: neither imports numpy nor pyarrow (checked in a
fresh interpreter, after the command ran)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import json, sys
from nexus_sre.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps({m: m in sys.modules for m in ("numpy", "pyarrow")}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "examples/slos.yaml"],
        # nothing listens on port 9: the command reads its config, builds every SLO's
        # queries and fails to connect, without having imported numpy or pyarrow
        [
            "budgets",
            "examples/slos.yaml",
            "--source",
            "prometheus",
            "--prometheus-url",
            "http://127.0.0.1:9",
        ],
    ],
)
def test_command_does_not_import_numpy_or_pyarrow(args: list[str]) -> None:
    r = subprocess.run(
        [sys.executable, "-c", CHECK, *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    loaded = json.loads(r.stdout.strip().splitlines()[-1])
    assert loaded == {"numpy": False, "pyarrow": False}, r.stderr
