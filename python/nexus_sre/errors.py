"""The exception hierarchy. Everything nexus-sre raises on purpose derives from `SloError`.

The Rust extension raises these same classes (it imports this module once, in
`rust/nexus-sre-py/src/errors.rs`), so callers catch one hierarchy whatever layer failed.
"""

from __future__ import annotations

from dataclasses import dataclass


class SloError(Exception):
    """Root of every error nexus-sre raises on purpose."""


class InvalidInputError(SloError, ValueError):
    """A bad argument or value: the message names the argument and the value."""


class WindowError(InvalidInputError):
    """A window that does not parse, is not positive, or is longer than the horizon."""


class ArrowTypeError(InvalidInputError, TypeError):
    """Arrow data of the wrong type or shape (a missing column, a wrong dtype, unequal lengths)."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a config file, located as precisely as we can."""

    file: str
    path: str  # e.g. "services[1].slos[0].target"
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        loc = f" {self.path}:" if self.path else ""
        return f"{where}:{loc} {self.message}"


class ConfigError(InvalidInputError):
    """A config file with one or more problems; `issues` lists all of them, `warnings`
    what would only have been warned about (so a tool can still show them)."""

    def __init__(self, issues: list[ConfigIssue], warnings: list[ConfigIssue] | None = None):
        self.issues = list(issues)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(str(i) for i in self.issues))


class UnknownSLOError(SloError, KeyError):
    """An SLO id or service name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownAlertError(SloError, KeyError):
    """An alert id that is not (or no longer) active."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DataError(SloError):
    """Bad data in an input (nulls, negative latencies, timestamps out of range, ...)."""


class BadRowError(DataError):
    """A bad row in backfill input (a null, a time out of range, an unknown service, ...),
    raised by the Rust kernel (`rust/nexus-sre-py/src/errors.rs`) when not skipping.

    `column` is the column at fault, `reason` one of `nexus_sre.backfill.REASONS`, and the
    row is located as precisely as the input allows: `source` (the file path, or a label
    such as "<pyarrow.Table>"), `row` (counted from the start of the source), `row_group`
    (its Parquet row group, None for other inputs) and `location`, all of it in words.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str,
        reason: str,
        location: str,
        source: str,
        row: int | None = None,
        row_group: int | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.reason = reason
        self.location = location
        self.source = source
        self.row = row
        self.row_group = row_group

    def __reduce__(self) -> tuple[object, ...]:  # keyword-only fields survive pickling
        fields = {
            "column": self.column,
            "reason": self.reason,
            "location": self.location,
            "source": self.source,
            "row": self.row,
            "row_group": self.row_group,
        }
        return (_bad_row, (str(self), fields))


def _bad_row(message: str, fields: dict[str, object]) -> BadRowError:
    return BadRowError(message, **fields)  # type: ignore[arg-type]


class BadFileError(DataError):
    """A data file that cannot be read at all (not Parquet, truncated, unreadable): names it.
    A backfill fails with it, or lists the file and goes on with `on_bad_file="skip"`."""

    def __init__(self, message: str, path: str):
        super().__init__(message)
        self.path = path

    def __reduce__(self) -> tuple[type[BadFileError], tuple[str, str]]:
        # Keeps `path` when the error crosses from a Dask or Ray worker.
        return (type(self), (str(self), self.path))


class BackendError(SloError):
    """A monitoring backend (Prometheus, ...) failed or answered something unusable."""


class QueryError(BackendError):
    """The backend rejected a query; the message quotes the query and the backend's error."""


class NoDataError(BackendError):
    """The backend returned no samples: "no data", never 0 % or 100 %."""
