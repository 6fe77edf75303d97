"""Fenced code blocks of the Markdown docs, and the conventions that say how each one runs.

Conventions (also in docs/writing-docs.md):

* Every fenced block names its language. ```bash, ```sh, ```console and ```python blocks
  run; every other language (yaml, json, text, promql, ...) is data and does not.
* A runnable block that must not run has `<!-- not run: REASON -->` on the line above it
  (the reason is required), and the harness lists it as skipped.
* In a shell block every command must exit 0, unless its comment says otherwise:
  `nexus-sre budgets slos.yaml --check-violations   # exit 1: the demo's frontend overspends`.
  In a ```console block, commands are the lines after `$ `; the other lines are output.
* In a Python block, `expression  # => VALUE` asserts the value (compared as a number when
  both are numbers, else as str() or repr()). A file's Python blocks share one namespace,
  in document order.
* Placeholders for the test servers: `http://localhost:9090` (or `$PROMETHEUS_URL`) is a
  real Prometheus, `http://localhost:9093` (`$ALERTMANAGER_URL`) a real Alertmanager,
  `/etc/prometheus/rules` the folder that Prometheus loads rules from; `/dev/shm/` and
  `/var/lib/` are folders inside the block's temporary working directory.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

RUNNABLE = {
    "bash": "shell",
    "sh": "shell",
    "shell": "shell",
    "console": "shell",
    "python": "python",
}
SKIP = re.compile(r"^\s*<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
EXIT = re.compile(r"(?:^|\s)#\s*exit\s+(?P<code>\d+)\b")
NEEDS_PROMETHEUS = ("localhost:9090", "$PROMETHEUS_URL", "${PROMETHEUS_URL}", "/etc/prometheus")
NEEDS_ALERTMANAGER = ("localhost:9093", "$ALERTMANAGER_URL", "${ALERTMANAGER_URL}")


@dataclass
class Command:
    line: int  # 1-based line in the Markdown file
    text: str
    expect: int = 0


@dataclass
class Block:
    file: Path
    line: int  # line of the first code line (after the fence)
    lang: str
    code: str
    skip: str | None = None  # the reason, when marked `not run`
    commands: list[Command] = field(default_factory=list)

    @property
    def kind(self) -> str | None:
        return RUNNABLE.get(self.lang)

    @property
    def where(self) -> str:
        return f"{self.file.name}:{self.line}"

    def needs(self, markers: tuple[str, ...]) -> bool:
        return any(m in self.code for m in markers)


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, in order (nested fences are not supported)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent = m["fence"], len(m["indent"])
        lang = m["info"].strip().split(" ")[0].lower() if m["info"].strip() else ""
        above = next((lines[k] for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        skip = SKIP.match(above)
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence[0] * len(fence)):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: fence opened here is never closed")
        block = Block(path, i + 2, lang, "\n".join(body) + "\n", skip["reason"] if skip else None)
        if block.kind == "shell":
            block.commands = console_commands(block) if lang == "console" else shell_commands(block)
        out.append(block)
        i = j + 1
    return out


def _complete(text: str) -> bool:
    """True when `text` is a whole shell command: no open quote, no trailing backslash."""
    if text.rstrip("\n").endswith("\\"):
        return False
    try:
        shlex.split(text, comments=True)
    except ValueError:  # no closing quotation
        return False
    return True


def shell_commands(block: Block) -> list[Command]:
    """Split a shell block into commands: continuation lines, multi-line quotes and here-
    documents stay with their command; blank and comment-only lines are dropped."""
    lines = block.code.splitlines()
    out: list[Command] = []
    k = 0
    while k < len(lines):
        if not lines[k].strip() or lines[k].lstrip().startswith("#"):
            k += 1
            continue
        start, text = k, lines[k]
        while not _complete(text) and k + 1 < len(lines):
            k += 1
            text += "\n" + lines[k]
        heredoc = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", text)
        command = text  # without the here-document's body, where `# exit` is data
        if heredoc:
            end = heredoc[1]
            while k + 1 < len(lines) and lines[k].strip() != end:
                k += 1
                text += "\n" + lines[k]
        m = EXIT.search(command)
        out.append(Command(block.line + start, text, int(m["code"]) if m else 0))
        k += 1
    return out


def console_commands(block: Block) -> list[Command]:
    """The `$ ` lines of a console block (with their continuation lines)."""
    lines = block.code.splitlines()
    out: list[Command] = []
    k = 0
    while k < len(lines):
        if not lines[k].startswith("$ "):
            k += 1
            continue
        start, text = k, lines[k][2:]
        while not _complete(text) and k + 1 < len(lines):
            k += 1
            text += "\n" + lines[k].removeprefix("> ")
        m = EXIT.search(text)
        out.append(Command(block.line + start, text, int(m["code"]) if m else 0))
        k += 1
    return out


def substitute(text: str, servers: dict[str, str], workdir: Path) -> str:
    """Point the placeholders at the test servers and the working directory."""
    pairs = {
        "http://localhost:9090": servers.get("prometheus", "http://localhost:9090"),
        "http://localhost:9093": servers.get("alertmanager", "http://localhost:9093"),
        "/etc/prometheus/rules": servers.get("rules_dir", "/etc/prometheus/rules"),
        "/dev/shm/": f"{workdir}/shm/",
        "/var/lib/": f"{workdir}/var/lib/",
    }
    for old, new in pairs.items():
        text = text.replace(old, new)
    return text
