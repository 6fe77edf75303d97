"""The package's shape: the public API, old import paths (deprecated), and module rules
(every module says what it is in its first line; none is a room too large to read)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import nexus_sre
from nexus_sre._moved import MOVED

PACKAGE = Path(nexus_sre.__file__).parent
MAX_LINES = 500


def test_public_api_is_reachable() -> None:
    from nexus_sre.backfill.engine import run_backfill

    for name in nexus_sre.__all__:
        assert getattr(nexus_sre, name) is not None, name
    # The package attribute stays the function even after its modules were imported.
    assert callable(nexus_sre.backfill) and nexus_sre.backfill.__module__ == "nexus_sre.backfill"
    assert run_backfill is not None


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_import_paths_work_with_a_deprecation_warning(old: str) -> None:
    # A fresh interpreter: in this one the old name may already be cached.
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('error')\n"
        f"try:\n    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n    print('warned:', w)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert f"warned: {old} moved to {MOVED[old]}" in out.stdout


def test_an_old_path_gives_the_same_objects() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("nexus_sre.bulk.engine")
    new = importlib.import_module("nexus_sre.backfill.engine")
    assert old is new


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_is(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text()))
    assert doc and doc.strip(), f"{path.relative_to(PACKAGE)} has no module docstring"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_too_large(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)}: {lines} lines (max {MAX_LINES})"
