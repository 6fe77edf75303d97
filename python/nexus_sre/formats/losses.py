"""What a conversion could not carry over: losses (warnings) and refusals (errors), each
located by the source file, line and field it came from.

A loss is a field the target format has no place for; a refusal is something whose meaning
cannot be kept at all. Nothing is dropped silently: every reader and writer reports through a
`Notes`, and `--strict` (``strict=True``) turns every loss into an error.
"""

from __future__ import annotations

import warnings as _warnings
from dataclasses import dataclass, field

from ..config.loader import PathKey, Positions, format_path
from ..errors import ConfigError, ConfigIssue


class FormatError(ConfigError):
    """A source that cannot be converted (bad input, a refused construct, or a loss under
    strict); `issues` lists every problem with file:line."""


class FormatLossWarning(UserWarning):
    """Raised through `warnings` by the library API for each field a conversion dropped."""


@dataclass(frozen=True)
class Where:
    """A place in a source file: file, field path (as written there), line and column."""

    file: str
    path: PathKey = ()
    line: int | None = None
    column: int | None = None

    def child(self, *keys: str | int, positions: Positions | None = None) -> Where:
        path = (*self.path, *keys)
        if positions is None:
            return Where(self.file, path, self.line, self.column)
        line, column = positions.locate(path)
        return Where(self.file, path, line, column)

    def issue(self, message: str, severity: str) -> ConfigIssue:
        return ConfigIssue(
            self.file, format_path(self.path), message, self.line, self.column, severity
        )


@dataclass
class Notes:
    """Collects losses and refusals while reading or writing one conversion."""

    warnings: list[ConfigIssue] = field(default_factory=list)
    errors: list[ConfigIssue] = field(default_factory=list)

    def lost(self, where: Where, message: str) -> None:
        """`where` holds something the target cannot represent; say what and why."""
        issue = where.issue(message, "warning")
        if issue not in self.warnings:
            self.warnings.append(issue)

    def refuse(self, where: Where, message: str) -> None:
        """`where` cannot be converted without changing its meaning."""
        issue = where.issue(message, "error")
        if issue not in self.errors:
            self.errors.append(issue)

    def extend(self, other: Notes) -> None:
        for w in other.warnings:
            if w not in self.warnings:
                self.warnings.append(w)
        for e in other.errors:
            if e not in self.errors:
                self.errors.append(e)

    def check(self, *, strict: bool = False) -> None:
        """FormatError when anything was refused, or (strict) anything was lost."""
        errors = list(self.errors)
        if strict:
            errors += [
                ConfigIssue(
                    w.file,
                    w.path,
                    w.message + " (an error under --strict)",
                    w.line,
                    w.column,
                    "error",
                )
                for w in self.warnings
            ]
        if errors:
            raise FormatError(_ordered(errors), [] if strict else _ordered(self.warnings))

    def emit(self) -> None:
        """Report the losses through Python's `warnings` (for library callers)."""
        for w in self.warnings:
            _warnings.warn(str(w), FormatLossWarning, stacklevel=3)


def _ordered(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return sorted(issues, key=lambda i: (i.file, i.line or 0, i.column or 0, i.path))
