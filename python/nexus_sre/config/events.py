"""Plain data from a YAML event stream, with the position of every value, in one pass.

We build values straight from the parser's events instead of composing PyYAML's node tree:
nodes and their marks cost ~85 MB per MB of config, the events are dropped as they are
read. The walk is iterative (no recursion however deep the input), counts every value
(an alias counts as everything it repeats) and refuses what a config never needs: deep
nesting, alias bombs, application tags. Floats become exact Decimals from their text.
Merge keys (`<<: *defaults`) are applied as YAML defines them: keys written in the mapping
override merged ones; a key written twice is still an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ..errors import ConfigIssue

MAX_DEPTH = 64  # far beyond any real config
MAX_NODES = 1_000_000  # aliases can multiply a small file; stop before memory does

PathKey = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STD_TAGS = {
    _TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
}
_STR, _FLOAT, _MERGE = _TAG + "str", _TAG + "float", _TAG + "merge"
_SURROGATE = re.compile("[\ud800-\udfff]")


class Fail(Exception):
    """A problem that stops reading: the message, where (a yaml Mark) and the value's path."""

    def __init__(self, message: str, mark: Any = None, path: PathKey = ()):
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path


_COLUMNS = 1 << 24  # a position is stored as one int, line * _COLUMNS + column (memory)


@dataclass
class Positions:
    """Where each value (and each mapping key) sits in the source: path -> packed position
    (see `position`); `locate` gives (line, column)."""

    values: dict[PathKey, int] = field(default_factory=dict)
    keys: dict[PathKey, int] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[int | None, int | None]:
        """The position of `path`, or of its nearest ancestor present in the file."""
        if key and path in self.keys:
            return unpack(self.keys[path])
        p = path
        while True:
            if p in self.values:
                return unpack(self.values[p])
            if not p:
                return None, None
            p = p[:-1]


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


def position(mark: Any) -> tuple[int, int]:
    """1-based (line, column) of a yaml Mark."""
    return mark.line + 1, mark.column + 1


def _packed(mark: Any) -> int:
    return (mark.line + 1) * _COLUMNS + min(mark.column + 1, _COLUMNS - 1)


def unpack(packed: int) -> tuple[int, int]:
    return divmod(packed, _COLUMNS)


_NO_KEY = object()  # a mapping key we refused: its value is read and dropped


class _Frame:
    """A mapping or sequence being read."""

    __slots__ = (
        "anchor",
        "bad",
        "depth",
        "items",
        "key",
        "key_line",
        "key_path",
        "mapping",
        "mark",
        "merges",
        "path",
        "weight",
    )

    def __init__(self, mapping: bool, path: PathKey, mark: Any, anchor: str | None, bad: bool):
        self.mapping = mapping
        self.path = path
        self.mark = mark
        self.anchor = anchor
        self.bad = bad  # an unsupported tag: read the content, keep None
        self.items: Any = {} if mapping else []
        self.key: Any = None  # mapping: the key waiting for its value (None: expecting a key)
        self.key_path: PathKey = path  # mapping: the path of that key
        self.key_line: dict[str, int] = {}  # mapping: the line each written key is on
        self.merges: list[tuple[Any, Any]] = []  # mapping: (value of `<<`, its mark)
        self.weight = 1  # values in this subtree, aliases counted in full
        self.depth = 0  # levels below this one, aliases included


class EventBuilder:
    """Feeds on parser events; `data`, `positions` and `issues` hold the outcome."""

    def __init__(self, constructor: Any, source: str):
        self.constructor = constructor  # resolves plain scalars' tags, builds int/bool/...
        self.source = source
        self.positions = Positions()
        self.issues: list[ConfigIssue] = []
        self.count = 0
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # value, weight, depth
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.documents = 0
        self.data: Any = None
        self._tags: dict[str, str] = {}  # plain scalar text -> resolved tag

    def issue(self, path: PathKey, message: str, mark: Any) -> None:
        line, col = position(mark) if mark is not None else (None, None)
        self.issues.append(ConfigIssue(self.source, format_path(path), message, line, col))

    def feed(self, events: Iterable[Any]) -> None:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self._scalar_event(event)
            elif isinstance(event, yaml.CollectionStartEvent):
                self._start(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self._end()
            elif isinstance(event, yaml.AliasEvent):
                self._alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise Fail(
                        "invalid YAML: expected a single document in the stream, but found "
                        "another document",
                        event.start_mark,
                    )

    # Where the next value goes ----------------------------------------------------------

    def _next_path(self) -> PathKey | None:
        """The path of the value about to be read; None for a mapping key."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if not top.mapping:
            return (*top.path, len(top.items))
        if top.key is None:
            return None
        if top.key is _NO_KEY or top.key is _MERGE:
            return top.path
        return top.key_path  # the tuple the key's position is stored under: shared

    def _count(self, weight: int, mark: Any, path: PathKey) -> None:
        self.count += weight
        if self.count > MAX_NODES:
            raise Fail(f"more than {MAX_NODES} values (runaway aliases?)", mark, path)

    def _attach(self, value: Any, mark: Any, weight: int, depth: int) -> None:
        if not self.stack:
            self.data = value
            return
        top = self.stack[-1]
        top.weight += weight
        top.depth = max(top.depth, depth + 1)
        if not top.mapping:
            top.items.append(value)
            return
        key, top.key = top.key, None
        if key is _NO_KEY:
            return
        if key is _MERGE:
            top.merges.append((value, mark))
            return
        top.items[key] = value

    # Events ------------------------------------------------------------------------------

    def _scalar_event(self, event: Any) -> None:
        path = self._next_path()
        if path is None:  # a mapping key
            self._key(event)
            return
        self._count(1, event.start_mark, path)
        self.positions.values.setdefault(path, _packed(event.start_mark))
        value = self._scalar(event, path)
        if event.anchor:
            self.anchors[event.anchor] = (value, 1, 0)
        self._attach(value, event.start_mark, 1, 0)

    def _key(self, event: Any) -> None:
        top = self.stack[-1]
        if event.anchor:  # an anchored key is legal, and useless here
            self.anchors[event.anchor] = (event.value, 1, 0)
        if event.tag is None and event.implicit[0] and event.value == "<<":
            top.key = _MERGE
            return
        key = str(event.value)  # as written: `on:` stays "on", not True
        path = (*top.path, key)
        if key in top.key_line:
            self.issue(
                path,
                f"duplicate key {key!r} (first given on line {top.key_line[key]})",
                event.start_mark,
            )
            top.key = _NO_KEY
            return
        top.key_line[key] = event.start_mark.line + 1
        self.positions.keys[path] = _packed(event.start_mark)
        top.key, top.key_path = key, path

    def _start(self, event: Any) -> None:
        path = self._next_path()
        mapping = isinstance(event, yaml.MappingStartEvent)
        if path is None:  # a collection used as a mapping key
            top = self.stack[-1]
            self.issue(top.path, "mapping keys must be plain strings", event.start_mark)
            top.key = _NO_KEY
            path = top.path
            bad = True
        else:
            tag = event.tag
            bad = tag not in (None, "!", _TAG + ("map" if mapping else "seq"))
            if bad:
                self.issue(
                    path, f"unsupported YAML tag {tag!r}; use plain values", event.start_mark
                )
        if len(self.stack) >= MAX_DEPTH:
            raise Fail(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self._count(1, event.start_mark, path)
        self.positions.values.setdefault(path, _packed(event.start_mark))
        if event.anchor:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(mapping, path, event.start_mark, event.anchor, bad))

    def _end(self) -> None:
        frame = self.stack.pop()
        value = None if frame.bad else frame.items
        if frame.mapping and frame.merges and not frame.bad:
            value = self._merged(frame)
        if frame.anchor:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (value, frame.weight, frame.depth)
        self._attach(value, frame.mark, frame.weight, frame.depth)

    def _merged(self, frame: _Frame) -> dict[str, Any]:
        """Merged mappings first (in `<<: [*a, *b]` the earlier wins), written keys last."""
        out: dict[str, Any] = {}
        sources: list[dict[str, Any]] = []
        for value, mark in frame.merges:
            parts = value if isinstance(value, list) else [value]
            if not all(isinstance(p, dict) for p in parts):
                self.issue(
                    frame.path, "a merge key '<<' takes a mapping or a list of mappings", mark
                )
                continue
            sources.extend(parts)
        for part in reversed(sources):
            out.update(part)
        out.update(frame.items)
        return out

    def _alias(self, event: Any) -> None:
        path = self._next_path()
        if path is None:
            top = self.stack[-1]
            self.issue(top.path, "mapping keys must be plain strings", event.start_mark)
            top.key = _NO_KEY
            return
        if event.anchor in self.open_anchors:
            # `a: &x [*x]` contains itself: infinitely deep once followed.
            raise Fail(
                f"nested more than {MAX_DEPTH} levels deep (through aliases?)",
                self._anchor_mark(event.anchor),
                path[:1],
            )
        if event.anchor not in self.anchors:
            raise Fail(f"invalid YAML: found undefined alias {event.anchor!r}", event.start_mark)
        value, weight, depth = self.anchors[event.anchor]
        if len(path) + depth > MAX_DEPTH:
            raise Fail(
                f"nested more than {MAX_DEPTH} levels deep (through aliases?)",
                event.start_mark,
                path[:1],
            )
        self._count(weight, event.start_mark, path)
        self.positions.values.setdefault(path, _packed(event.start_mark))
        self._attach(value, event.start_mark, weight, depth)

    def _anchor_mark(self, anchor: str) -> Any:
        for frame in self.stack:
            if frame.anchor == anchor:
                return frame.mark
        return None

    # Scalars -------------------------------------------------------------------------------

    def _resolve(self, event: Any) -> str:
        tag = event.tag
        if tag is not None and tag != "!":
            return str(tag)
        if not event.implicit[0]:
            return _STR  # quoted
        value = event.value
        found = self._tags.get(value)
        if found is None:
            found = self.constructor.resolve(yaml.ScalarNode, value, (True, False))
            if len(self._tags) < 10_000:
                self._tags[value] = found
        return found

    def _scalar(self, event: Any, path: PathKey) -> Any:
        tag = self._resolve(event)
        if tag not in _STD_TAGS or tag == _MERGE:
            self.issue(path, f"unsupported YAML tag {tag!r}; use plain values", event.start_mark)
            return None
        text = event.value
        if tag == _STR:
            return self._text(text, path, event.start_mark)
        if tag == _FLOAT:
            try:
                number = Decimal(text.replace("_", ""))
            except InvalidOperation:
                number = None  # .inf / .nan: not a usable number
            if number is None or not number.is_finite():
                self.issue(path, f"{text!r} is not a finite number", event.start_mark)
                return None
            return number
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark)
        try:
            return self.constructor.yaml_constructors[tag](self.constructor, node)
        except (yaml.YAMLError, ValueError) as exc:
            self.issue(path, f"cannot read value: {exc}", event.start_mark)
            return None

    def _text(self, text: str, path: PathKey, mark: Any) -> str | None:
        if _SURROGATE.search(text):
            # "\ud83d\ude00" escapes (JSON writers emit them for emoji) arrive as two
            # surrogates: join each pair into its character; a lone one is an error.
            try:
                return text.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeDecodeError:
                self.issue(path, "a \\u escape is half a character (a lone surrogate)", mark)
                return None
        return text
