"""`${VAR}` and `${VAR:-default}` in string values, expanded from the environment.

Secrets and URLs stay out of the file this way. `$${...}` writes a literal `${...}`.
Like the shell, `:-` also applies when the variable is set but empty.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from .loader import PathKey

_REF = re.compile(r"\$\$|\$\{([^}:]*)(?::-([^}]*))?\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expand_string(text: str, env: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """Expand references in one string; returns the text and a list of problems."""
    env = os.environ if env is None else env
    problems: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(2)
        if not _NAME.fullmatch(name):
            problems.append(f"{m.group(0)!r} is not a valid variable reference")
            return m.group(0)
        value = env.get(name)
        if value is None or (value == "" and default is not None):
            if default is not None:
                return default
            problems.append(
                f"environment variable {name} is not set "
                f"(set it, or write ${{{name}:-default}} for a fallback)"
            )
            return m.group(0)
        return value

    if "$" not in text:
        return text, problems
    return _REF.sub(sub, text), problems


def expand_env(
    data: Any,
    report: Callable[[PathKey, str], None],
    env: Mapping[str, str] | None = None,
    path: PathKey = (),
) -> Any:
    """A copy of `data` with every string value expanded; problems go to `report(path, msg)`."""
    if isinstance(data, dict):
        return {k: expand_env(v, report, env, (*path, k)) for k, v in data.items()}
    if isinstance(data, list):
        return [expand_env(v, report, env, (*path, i)) for i, v in enumerate(data)]
    if isinstance(data, str):
        text, problems = expand_string(data, env)
        for problem in problems:
            report(path, problem)
        return text
    return data
