"""Runs the code blocks of one Markdown file, in order, in a fresh process (a script).

`python doc_runner.py PLAN.json` reads the blocks (see doc_blocks.py for the conventions),
runs them in the plan's working directory and prints one JSON line per block: where, ok,
and what went wrong. Python blocks share one namespace and are compiled with the Markdown
file's name and line numbers, so a traceback points into the doc. Shell blocks run in bash,
each command's exit code checked against the one the doc states.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any

ASSERT = re.compile(r"^(?P<indent>\s*)(?P<expr>\S.*?)\s+#\s*=>\s*(?P<want>.+?)\s*$")
SHELL_TIMEOUT = 120


def _same(value: Any, want: str) -> bool:
    try:
        return math.isclose(float(value), float(want), rel_tol=1e-9, abs_tol=0.0)
    except (TypeError, ValueError):
        return want in (str(value), repr(value))


def _expect(value: Any, want: str, where: str) -> None:
    if not _same(value, want):
        raise AssertionError(f"{where}: the doc says {want}, the code gives {value!r}")


def with_assertions(code: str, file: str, first_line: int) -> str:
    """Turn `expr  # => VALUE` lines into checks (only lines that are whole expressions)."""
    out = []
    for k, line in enumerate(code.splitlines()):
        m = ASSERT.match(line)
        if m:
            try:
                compile(m["expr"], "<doc>", "eval")
            except SyntaxError:
                pass
            else:
                where = f"{file}:{first_line + k}"
                line = f"{m['indent']}__doc_expect__(({m['expr']}), {m['want']!r}, {where!r})"
        out.append(line)
    return "\n".join(out) + "\n"


def run_python(block: dict[str, Any], namespace: dict[str, Any]) -> str | None:
    code = with_assertions(block["code"], block["file"], block["line"])
    padded = "\n" * (block["line"] - 1) + code  # tracebacks show the Markdown line numbers
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(padded, block["file"], "exec"), namespace)
    except BaseException:
        tb = traceback.format_exc(limit=-4)
        return f"{tb}\n--- stdout ---\n{out.getvalue()[-2000:]}"
    return None


def shell_script(commands: list[dict[str, Any]]) -> str:
    parts = []
    for c in commands:
        first = re.sub(r"[\\\"'`$]", "", c["text"].splitlines()[0][:120])
        parts.append(c["text"])
        parts.append(
            f'__rc=$?; if [ "$__rc" -ne {c["expect"]} ]; then echo "[doc line {c["line"]}] '
            f'exit $__rc, the doc expects {c["expect"]}: {first}" >&2; exit 97; fi'
        )
    return "\n".join(parts) + "\n"


def run_shell(block: dict[str, Any], workdir: str) -> str | None:
    proc = subprocess.run(
        ["bash", "-c", shell_script(block["commands"])],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=SHELL_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode == 0:
        return None
    err, out = proc.stderr[-3000:], proc.stdout[-1500:]
    return f"exit {proc.returncode}\n--- stderr ---\n{err}\n--- stdout ---\n{out}"


def main(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text())
    os.chdir(plan["workdir"])
    namespace: dict[str, Any] = {"__name__": "__doc__", "__doc_expect__": _expect}
    for block in plan["blocks"]:
        if block["kind"] == "python":
            error = run_python(block, namespace)
        else:
            error = run_shell(block, plan["workdir"])
        print(json.dumps({"where": block["where"], "ok": error is None, "error": error}))
        sys.stdout.flush()
    # Threads a block started (SLOManager.start(), servers) must not keep the process alive.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])
