"""Test-wide set-up: the shared harness (tests/harness) is importable, and its fixtures load."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "harness"))

pytest_plugins = ["shared_fixtures"]
