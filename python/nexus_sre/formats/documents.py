"""Reading source files for conversion: folders, multi-document YAML and JSON, each document
keeping the line and column of every value (through the config loader), and format detection
from `apiVersion`/`kind` (or `version`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.loader import PathKey, Positions, load_document, read_config_file
from ..errors import ConfigError, ConfigIssue
from .losses import FormatError, Where

FORMATS = ("nexus", "openslo", "sloth", "pyrra", "slo-generator")
SUFFIXES = (".yaml", ".yml", ".json")
_SEPARATOR = re.compile(r"^(---|\.\.\.)(?=\s|$)")


@dataclass
class SourceDoc:
    """One YAML document: plain data and where each value sits in its file."""

    data: Any
    positions: Positions
    file: str
    index: int = 0  # the document's number within its file

    def at(self, *path: str | int) -> Where:
        key: PathKey = tuple(path)
        line, column = self.positions.locate(key)
        return Where(self.file, key, line, column)

    def get(self, *path: str | int) -> Any:
        value = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return None
            elif not isinstance(value, dict):
                return None
            value = value[part] if isinstance(part, int) else value.get(part)
        return value


def split_documents(text: str) -> list[tuple[int, str]]:
    """(first line index, text) of each non-empty document in a multi-document stream.

    Each chunk is padded back to its place (blank lines before it, the `---` blanked out)
    so the loader's line and column numbers are those of the original file.
    """
    out: list[tuple[int, str]] = []
    start, chunk = 0, list[str]()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _SEPARATOR.match(line)
        if m:
            out.append((start, "\n".join(chunk)))
            start = i
            chunk = [" " * len(m.group(1)) + line[len(m.group(1)) :]] if m.group(1) == "---" else []
            if m.group(1) == "...":
                start = i + 1
            continue
        chunk.append(line)
    out.append((start, "\n".join(chunk)))
    return [(s, c) for s, c in out if _has_content(c)]


def _has_content(chunk: str) -> bool:
    return any(
        ln.strip() and not ln.strip().startswith("#") and not ln.startswith("%")
        for ln in chunk.splitlines()
    )


def read_file(path: Path) -> list[SourceDoc]:
    source = str(path)
    if path.suffix.lower() == ".json":
        doc = read_config_file(path)
        return [SourceDoc(doc.data, doc.positions, source)]
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FormatError([ConfigIssue(source, "", "no such file")]) from None
    except OSError as exc:
        raise FormatError([ConfigIssue(source, "", f"cannot read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError([ConfigIssue(source, "", f"not UTF-8 text (byte {exc.start})")]) from None
    docs = []
    for n, (first, chunk) in enumerate(split_documents(text)):
        doc = load_document("\n" * first + chunk, source)
        docs.append(SourceDoc(doc.data, doc.positions, source, n))
    if not docs:
        raise FormatError([ConfigIssue(source, "", "the file is empty")])
    return docs


def read_sources(paths: list[str | Path]) -> list[SourceDoc]:
    """Every document of every file; a folder is read whole (its YAML/JSON files, sorted)."""
    docs: list[SourceDoc] = []
    issues: list[ConfigIssue] = []
    for given in paths:
        p = Path(given)
        files = (
            sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            if p.is_dir()
            else [p]
        )
        if p.is_dir() and not files:
            issues.append(ConfigIssue(str(p), "", "the folder holds no .yaml, .yml or .json file"))
        for f in files:
            try:
                docs.extend(read_file(f))
            except ConfigError as exc:
                issues.extend(exc.issues)
    if issues:
        raise FormatError(issues)
    return docs


def detect(doc: SourceDoc) -> str | None:
    """The format of one document, from apiVersion/kind (or version), or None."""
    data = doc.data
    if not isinstance(data, dict):
        return None
    api = str(data.get("apiVersion", ""))
    kind = data.get("kind")
    if api.startswith("openslo/"):
        return "openslo"
    if data.get("version") == "prometheus/v1" or (
        api.startswith("sloth.slok.dev/") and kind == "PrometheusServiceLevel"
    ):
        return "sloth"
    if api.startswith("pyrra.dev/") and kind == "ServiceLevelObjective":
        return "pyrra"
    if api.startswith("sre.google.com/") or (
        not api and ("error_budget_policies" in data or "backends" in data)
    ):
        return "slo-generator"
    if "services" in data and not api:
        return "nexus"
    return None


def detect_all(docs: list[SourceDoc], given: str | None) -> str:
    """The one format of all documents (`given` when set); FormatError when they disagree or
    one is unrecognised."""
    issues: list[ConfigIssue] = []
    found: dict[str, SourceDoc] = {}
    for doc in docs:
        fmt = detect(doc)
        if fmt is None:
            if given is None:
                issues.append(
                    doc.at().issue(
                        "cannot tell the format: no apiVersion/kind (or version) of OpenSLO, "
                        "Sloth, Pyrra, slo-generator or nexus-sre; pass --from",
                        "error",
                    )
                )
            continue
        found.setdefault(fmt, doc)
    if issues:
        raise FormatError(issues)
    if given is not None:
        return given
    if len(found) > 1:
        kinds = ", ".join(f"{f} ({d.file})" for f, d in found.items())
        raise FormatError([ConfigIssue(docs[0].file, "", f"the sources mix formats: {kinds}")])
    if not found:
        raise FormatError([ConfigIssue("<none>", "", "no documents to convert")])
    return next(iter(found))
