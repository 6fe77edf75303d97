"""`nexus-sre` as a user runs it: `python -m nexus_sre` in a fresh process on this checkout's
package, with an embedded store of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "slos.yaml"


def cli(
    *args: str, cwd: Path, store: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`nexus-sre ARGS` in `cwd`, reading and writing the store `store` (default
    `cwd/store`); stdout and stderr captured as text."""
    path = os.pathsep.join(p for p in (str(REPO / "python"), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "NEXUS_SRE_STORE": str(store or cwd / "store"), "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-m", "nexus_sre", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
