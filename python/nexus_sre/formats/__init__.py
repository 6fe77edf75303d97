"""SLO formats in and out: OpenSLO v1, Sloth, Pyrra and slo-generator v2 to and from the
nexus-sre config, with every field that cannot be carried listed, never dropped silently.

- `load(*paths, fmt=None, strict=False) -> Config`: read files or folders (multi-document
  YAML read whole); the format is detected from apiVersion/kind when `fmt` is None.
- `dump(config, fmt, strict=False) -> str`: write a Config in `fmt`.
- `read(paths, fmt=None) -> Conversion` and `write(conversion, fmt) -> Output`: the same with
  the losses (`ConfigIssue` warnings with file:line) handed back instead of warned.
- `convert(paths, to, fmt=None, strict=False) -> Output`: both steps.

Losses are `FormatLossWarning`s from `load`/`dump`; `strict=True` makes them `FormatError`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config.model import Config
from ..errors import ConfigIssue
from . import nexus, openslo, pyrra, slo_generator, sloth
from .conversion import Conversion
from .documents import FORMATS, SourceDoc, detect, detect_all, read_sources
from .losses import FormatError, FormatLossWarning, Notes

Reader = Callable[[list[SourceDoc], Notes], Conversion]
Writer = Callable[[Conversion, Notes], list[dict[str, Any]]]

READERS: dict[str, Reader] = {
    "nexus": nexus.read,
    "openslo": openslo.read,
    "sloth": sloth.read,
    "pyrra": pyrra.read,
    "slo-generator": slo_generator.read,
}
WRITERS: dict[str, Writer] = {
    "nexus": nexus.write,
    "openslo": openslo.write,
    "sloth": sloth.write,
    "pyrra": pyrra.write,
    "slo-generator": slo_generator.write,
}


@dataclass
class Output:
    """A written conversion: the text, and every loss (reading and writing) with file:line."""

    text: str
    documents: list[dict[str, Any]]
    warnings: list[ConfigIssue]


def _format(fmt: str) -> str:
    name = fmt.replace("_", "-").lower()
    if name not in FORMATS:
        raise FormatError(
            [
                ConfigIssue(
                    "<arguments>", "", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"
                )
            ]
        )
    return name


def read(paths: Sequence[str | Path], fmt: str | None = None) -> Conversion:
    """Read sources into a Conversion (config, provenance, losses so far)."""
    docs = read_sources(list(paths))
    name = detect_all(docs, _format(fmt) if fmt else None)
    notes = Notes()
    conversion = READERS[name](docs, notes)
    notes.check()
    return conversion


def write(conversion: Conversion, fmt: str, *, strict: bool = False) -> Output:
    """Write a Conversion in `fmt`; FormatError on refusals (and, strict, on losses)."""
    notes = Notes()
    notes.extend(conversion.notes)
    name = _format(fmt)
    if name != conversion.source_format:
        for slo_id, kept in conversion.metadata.items():
            for key, item in kept.items():
                notes.lost(item.where, f"{key} of SLO {slo_id!r}: {name} has no place for it")
    docs = WRITERS[name](conversion, notes)
    notes.check(strict=strict)
    return Output(nexus.dump_documents(docs), docs, notes.warnings)


def convert(
    paths: Sequence[str | Path], to: str = "nexus", fmt: str | None = None, *, strict: bool = False
) -> Output:
    conversion = read(paths, fmt)
    conversion.notes.check(strict=strict)
    return write(conversion, to, strict=strict)


def load(*paths: str | Path, fmt: str | None = None, strict: bool = False) -> Config:
    """A Config from files in any format; losses are warned (errors when strict)."""
    conversion = read(paths, fmt)
    conversion.notes.check(strict=strict)
    conversion.notes.emit()
    return conversion.config


def dump(config: Config, fmt: str, *, strict: bool = False) -> str:
    """A Config as text in `fmt`; losses are warned (errors when strict)."""
    origins: dict[Any, Any] = {}
    out = write(Conversion(config, origins), fmt, strict=strict)
    notes = Notes(warnings=out.warnings)
    notes.emit()
    return out.text


__all__ = [
    "FORMATS",
    "Conversion",
    "FormatError",
    "FormatLossWarning",
    "Output",
    "convert",
    "detect",
    "dump",
    "load",
    "read",
    "write",
]
