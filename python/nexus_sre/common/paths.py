"""Output paths: make the missing directories, or say plainly why a path cannot be written."""

from __future__ import annotations

import os

from ..errors import InvalidInputError


def make_parent_dirs(path: str | os.PathLike[str], what: str = "--output") -> None:
    """Create the directories `path` needs; InvalidInputError naming the obstacle when one
    of them is a file."""
    parent = os.path.dirname(os.path.abspath(path))
    existing = parent
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InvalidInputError(
            f"{what}: cannot write {os.fspath(path)}: {existing} is a file, not a directory"
        )
    try:
        os.makedirs(parent, exist_ok=True)
    except OSError as exc:
        raise InvalidInputError(
            f"{what}: cannot write {os.fspath(path)}: {exc.strerror or exc}"
        ) from None
