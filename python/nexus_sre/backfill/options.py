"""`BackfillOptions`: the keywords of `nexus_sre.backfill` and `backfill_partial` as one value,
which the engine and every Dask or Ray task take."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..common.times import epoch
from ..config.model import DEFAULT_BUCKET_SECONDS, Config
from ..errors import InvalidInputError
from .columns import Columns


@dataclass(frozen=True)
class BackfillOptions:
    """How to read and aggregate the data, for one config. The fields are the keywords of
    `nexus_sre.backfill` and `backfill_partial`, whose signatures are the one place their
    defaults and meaning are written. Plain data: one copy goes to every task."""

    config: Config
    columns: Columns | Mapping[str, Any] | None
    start: datetime | str | float | None
    end: datetime | str | float | None
    bucket_seconds: int | None
    skip_bad_rows: bool
    progress: bool | None
    threads: int | None  # the Rust kernel's; None: every core
    on_bad_file: str  # raise | skip (`backfill` only; a partial state always raises)

    def bounds(self) -> tuple[int | None, int | None]:
        """`start` and `end` as whole epoch seconds (None: open), the end after the start."""
        lo, hi = whole_seconds(self.start, "start"), whole_seconds(self.end, "end")
        if lo is not None and hi is not None and hi <= lo:
            raise InvalidInputError(f"end: must be after start ({self.end} <= {self.start})")
        return lo, hi

    def settings(self) -> tuple[Columns, int]:
        """The column mapping and bucket width to use: a `Columns` replaces the config's
        mapping, a mapping overrides single fields of it (as the command-line flags do);
        then the built-in defaults (`Columns()`, 60 s)."""
        columns = self.columns
        if not isinstance(columns, Columns):
            columns = Columns.layered(self.config.backfill.columns.given(), columns or {})
        bucket = self.bucket_seconds
        if bucket is None:
            bucket = self.config.backfill.bucket_seconds or DEFAULT_BUCKET_SECONDS
        if bucket <= 0 or bucket != int(bucket):
            raise InvalidInputError(
                f"bucket_seconds: must be a positive whole number, got {bucket}"
            )
        return columns, int(bucket)


def whole_seconds(value: datetime | str | float | int | None, name: str) -> int | None:
    """Whole epoch seconds (None stays None); see `common.times.epoch`."""
    return None if value is None else int(epoch(value, name) // 1)


def as_config(config: Config | str | os.PathLike[str]) -> Config:
    """A Config, or a path to a config file."""
    if isinstance(config, Config):
        return config
    from ..config import load_config

    return load_config(Path(config))
