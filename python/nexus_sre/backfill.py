"""`nexus_sre.backfill`: bulk backfill over Parquet exports and any Arrow data.

The module is callable: `nexus_sre.backfill(config, data, ...)` is `backfill.backfill(...)`.
The implementation lives in `nexus_sre.bulk`; this module is the public face (and the
report's parquet source, `evaluations_from_data`).
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .bulk import (
    BackfillResult,
    Columns,
    PartialState,
    backfill,
    backfill_partial,
    evaluations_from_data,
    finish,
    to_evaluations,
)

__all__ = [
    "BackfillResult",
    "Columns",
    "PartialState",
    "backfill",
    "backfill_partial",
    "evaluations_from_data",
    "finish",
    "to_evaluations",
]


class _CallableModule(types.ModuleType):
    # `import nexus_sre.backfill` makes the package attribute this module; keep
    # `nexus_sre.backfill(config, data)` working whichever was touched first.
    def __call__(self, *args: Any, **kwargs: Any) -> BackfillResult:
        return backfill(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
