"""Reading config text safely: YAML (and JSON, which is YAML) into plain data plus positions.

We compose PyYAML nodes ourselves instead of `yaml.safe_load` so that every value keeps the
line and column it came from: validation messages point at `file:line:col`. Floats become
exact Decimals from their source text (99.9 stays 99.9). Only plain YAML is accepted: any
application tag (`!!python/object`, `!foo`) is an error, never an object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, ConfigIssue

MAX_BYTES = 10 * 1024 * 1024  # a config is kilobytes; anything near this is a mistake
MAX_DEPTH = 64  # far beyond any real config, far below Python's recursion limit
MAX_NODES = 1_000_000  # aliases can multiply a small file; stop before memory does

PathKey = tuple[str | int, ...]

_STD_TAGS = {
    "tag:yaml.org,2002:" + t
    for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
# JSON writes 1e-3 without a dot; YAML 1.1 (PyYAML) would otherwise read it as a string.
_JSON_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?[eE][-+]?[0-9]+$")


@dataclass
class Positions:
    """Where each value (and each mapping key) sits in the source: path -> (line, column)."""

    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor present in the file."""
        if key and path in self.keys:
            return self.keys[path]
        p = path
        while True:
            if p in self.values:
                return self.values[p]
            if not p:
                return None, None
            p = p[:-1]


@dataclass
class Document:
    """A parsed config file: plain data (dict/list/str/int/Decimal/bool/None) and positions."""

    data: Any
    positions: Positions
    source: str


class _Loader(yaml.SafeLoader):
    """SafeLoader with a depth cap."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _Fail(f"nested more than {MAX_DEPTH} levels deep", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _JSON_FLOAT, list("-0123456789"))

if yaml.__with_libyaml__:

    class _CLoader(yaml.CSafeLoader):
        """libyaml's parser and composer (~12x faster); depth is checked on its event
        stream first, because its composer recurses in C with no cap of its own."""

    _CLoader.add_implicit_resolver("tag:yaml.org,2002:float", _JSON_FLOAT, list("-0123456789"))


def _new_loader(text: str, syntax: str) -> Any:
    """The fastest safe loader: libyaml's when PyYAML has it, after a depth check. JSON
    goes to the pure-Python parser, which accepts the surrogate-pair escapes JSON writers
    emit for characters beyond the BMP ("\\ud83d\\ude00"); libyaml refuses them."""
    if not yaml.__with_libyaml__ or syntax == "JSON":
        return _Loader(text)
    depth = 0
    for event in yaml.parse(text, Loader=_CLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return _CLoader(text)


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Fail(Exception):
    def __init__(self, message: str, mark: Any = None, path: PathKey = ()):
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path


def format_path(path: PathKey) -> str:
    """("services", 1, "slos", 0, "target") -> "services[1].slos[0].target"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


def _pos(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Builder:
    """Turns a node tree into plain data, recording positions and refusing unsafe tags."""

    def __init__(self, loader: Any, source: str):
        self.loader = loader
        self.source = source
        self.positions = Positions()
        self.issues: list[ConfigIssue] = []
        self.count = 0

    def issue(self, path: PathKey, message: str, mark: Any) -> None:
        line, col = _pos(mark) if mark is not None else (None, None)
        self.issues.append(ConfigIssue(self.source, format_path(path), message, line, col))

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        # Aliases can nest a document deeper than it is written (or into itself: `a: &x
        # [*x]`), past the parser's depth check: the path length is the real depth.
        if len(path) > MAX_DEPTH:
            raise _Fail(
                f"nested more than {MAX_DEPTH} levels deep (through aliases?)",
                node.start_mark,
                path[:1],
            )
        self.count += 1
        if self.count > MAX_NODES:
            raise _Fail(f"more than {MAX_NODES} values (runaway aliases?)", node.start_mark, path)
        self.positions.values.setdefault(path, _pos(node.start_mark))
        if node.tag not in _STD_TAGS:
            self.issue(
                path, f"unsupported YAML tag {node.tag!r}; use plain values", node.start_mark
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            try:
                value = Decimal(text)
            except InvalidOperation:
                value = None  # .inf / .nan: not a usable number
            if value is None or not value.is_finite():
                self.issue(path, f"{node.value!r} is not a finite number", node.start_mark)
                return None
            return value
        try:
            plain: Any = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.issue(path, f"cannot read value: {exc}", node.start_mark)
            return None
        if isinstance(plain, str) and _SURROGATE.search(plain):
            # "\ud83d\ude00" escapes (JSON writers emit them for emoji) arrive as two
            # surrogates: join each pair into its character; a lone one is an error.
            try:
                plain = plain.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                self.issue(
                    path, "a \\u escape is half a character (a lone surrogate)", node.start_mark
                )
                return None
        return plain

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        self.loader.flatten_mapping(node)  # applies `<<: *anchor` merge keys
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.issue(path, "mapping keys must be plain strings", key_node.start_mark)
                continue
            key = str(key_node.value)  # as written: `on:` stays "on", not True
            child = (*path, key)
            if key in first_seen:
                self.issue(
                    child,
                    f"duplicate key {key!r} (first given on line {first_seen[key]})",
                    key_node.start_mark,
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.positions.keys[child] = _pos(key_node.start_mark)
            out[key] = self.build(value_node, child)
        return out


def load_document(text: str | bytes, source: str = "<string>") -> Document:
    """Parse config text. Raises ConfigError (all problems found) for anything unusable."""

    def fail(message: str, mark: Any = None, path: PathKey = ()) -> ConfigError:
        line, col = _pos(mark) if mark is not None else (None, None)
        return ConfigError([ConfigIssue(source, format_path(path), message, line, col)])

    if len(text) > MAX_BYTES:
        raise fail(f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it")
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
        try:
            loader = _new_loader(text, syntax)
            node = loader.get_single_node()
        except _Fail as exc:
            raise fail(exc.message, exc.mark, exc.path) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            what = exc.problem or "syntax error"
            if exc.context:
                what = f"{exc.context}, {what}"
            raise fail(f"invalid {syntax}: {what}", mark) from None
        except yaml.YAMLError as exc:
            raise fail(f"invalid {syntax}: {exc}") from None
        if node is None:
            raise fail("the file is empty; expected a mapping with 'version', 'services', ...")
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else f"{node.value!r}"
            raise fail(
                f"expected a mapping at the top level (version:, global:, services:), got {kind}",
                node.start_mark,
            )
        builder = _Builder(loader, source)
        try:
            data = builder.build(node, ())
        except _Fail as exc:
            raise fail(exc.message, exc.mark, exc.path) from None
        if builder.issues:
            raise ConfigError(builder.issues)
        return Document(data, builder.positions, source)
    finally:
        if loader is not None:
            loader.dispose()


def read_config_file(path: str | Path) -> Document:
    """Read and parse a config file, with clean errors for missing or oversized files."""
    source = str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise ConfigError([ConfigIssue(source, "", "is a directory, not a config file")])
        if size > MAX_BYTES:
            raise ConfigError(
                [
                    ConfigIssue(
                        source,
                        "",
                        f"file is larger than {MAX_BYTES // (1024 * 1024)} MB; refusing to read it",
                    )
                ]
            )
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(source, "", "no such file")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(source, "", f"cannot read: {exc.strerror}")]) from None
    return load_document(raw, source)
