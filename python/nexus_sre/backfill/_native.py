"""The Rust extension, loaded on first use (importing nexus_sre.backfill does not need it)."""

from __future__ import annotations

import importlib
from typing import Any


def core() -> Any:
    return importlib.import_module("nexus_sre._core")
