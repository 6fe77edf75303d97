"""Reading config text safely: YAML (and JSON, which is YAML) into plain data plus positions.

The parser's events become plain data directly (events.py), so every value keeps the line
and column it came from (validation messages point at `file:line:col`) without holding
PyYAML's node tree in memory. Only plain YAML is accepted: any application tag
(`!!python/object`, `!foo`) is an error, never an object. Files are read up to the size
limit and no further, whatever they are (a device, a pipe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ConfigIssue
from .events import MAX_DEPTH, MAX_NODES, EventBuilder, Fail, PathKey, Positions, format_path
from .events import position as _pos

MAX_BYTES = 10 * 1024 * 1024  # a config is kilobytes; anything near this is a mistake

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "PathKey",
    "Positions",
    "format_path",
    "load_document",
    "read_config_file",
]

# JSON writes 1e-3 without a dot; YAML 1.1 (PyYAML) would otherwise read it as a string.
_JSON_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?[eE][-+]?[0-9]+$")


@dataclass
class Document:
    """A parsed config file: plain data (dict/list/str/int/Decimal/bool/None) and positions."""

    data: Any
    positions: Positions
    source: str


class _Loader(yaml.SafeLoader):
    """The pure-Python parser, with JSON-style floats."""


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _JSON_FLOAT, list("-0123456789"))

if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        """libyaml's parser (~12x faster), with JSON-style floats."""

    _CLoader.add_implicit_resolver("tag:yaml.org,2002:float", _JSON_FLOAT, list("-0123456789"))


def _new_loader(text: str, syntax: str) -> Any:
    """The fastest safe parser: libyaml's when PyYAML has it. JSON goes to the pure-Python
    parser, which accepts the surrogate-pair escapes JSON writers emit for characters beyond
    the BMP ("\\ud83d\\ude00"); libyaml refuses them."""
    if not yaml.__with_libyaml__ or syntax == "JSON":
        return _Loader(text)
    return _CLoader(text)


def _too_big(source: str) -> ConfigError:
    message = f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it"
    return ConfigError([ConfigIssue(source, "", message)])


def load_document(text: str | bytes, source: str = "<string>") -> Document:
    """Parse config text. Raises ConfigError (all problems found) for anything unusable."""

    def fail(message: str, mark: Any = None, path: PathKey = ()) -> ConfigError:
        line, col = _pos(mark) if mark is not None else (None, None)
        return ConfigError([ConfigIssue(source, format_path(path), message, line, col)])

    if len(text) > MAX_BYTES:
        raise _too_big(source)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise fail(f"not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    # JSON is read by the YAML parser (YAML 1.2 contains JSON); errors name what was written.
    syntax = "JSON" if source.lower().endswith(".json") else "YAML"
    if syntax == "JSON":
        # JSON allows tabs between tokens, YAML does not; tabs inside JSON strings are
        # invalid anyway, so this keeps every line and column intact.
        text = text.replace("\t", " ")
    loader = None
    try:
        loader = _new_loader(text, syntax)
        builder = EventBuilder(loader, source)
        try:
            builder.feed(_events(loader))
        except Fail as exc:
            raise fail(exc.message, exc.mark, exc.path) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            what = exc.problem or "syntax error"
            if exc.context:
                what = f"{exc.context}, {what}"
            raise fail(f"invalid {syntax}: {what}", mark) from None
        except yaml.YAMLError as exc:
            raise fail(f"invalid {syntax}: {exc}") from None
        data = builder.data
        if builder.documents == 0 or (data is None and not builder.positions.values):
            raise fail("the file is empty; expected a mapping with 'version', 'services', ...")
        if not isinstance(data, dict):
            kind = "a list" if isinstance(data, list) else repr(data)
            where = builder.positions.locate(()) if builder.positions.values else None
            raise ConfigError(
                [
                    ConfigIssue(
                        source,
                        "",
                        "expected a mapping at the top level (version:, global:, services:), "
                        f"got {kind}",
                        *(where or (None, None)),
                    )
                ]
            )
        if builder.issues:
            raise ConfigError(builder.issues)
        return Document(data, builder.positions, source)
    finally:
        if loader is not None:
            loader.dispose()


def _events(loader: Any) -> Any:
    while loader.check_event():
        yield loader.get_event()


def read_config_file(path: str | Path) -> Document:
    """Read and parse a config file. At most MAX_BYTES + 1 bytes are read, so a device
    (/dev/zero), a pipe or a growing file is refused as too large instead of filling memory."""
    source = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise ConfigError([ConfigIssue(source, "", "is a directory, not a config file")])
        with p.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(source, "", "no such file")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(source, "", f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise _too_big(source)
    return load_document(raw, source)
