"""Old import paths of modules that moved, kept working for one release with a warning.

A meta-path finder answers for the old names with the new module object itself, so
`from nexus_sre.manager import SLOManager` and `nexus_sre.live.manager.SLOManager` are the
same class. Remove an entry one release after it was added.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

# old module -> new module (added in 0.2; remove in 0.3)
MOVED = {
    "nexus_sre.durations": "nexus_sre.common.durations",
    "nexus_sre.figures": "nexus_sre.common.figures",
    "nexus_sre.status_codes": "nexus_sre.common.status_codes",
    "nexus_sre.paths": "nexus_sre.common.paths",
    "nexus_sre.evaluate": "nexus_sre.slo.evaluate",
    "nexus_sre.evaluation": "nexus_sre.slo.evaluation",
    "nexus_sre.manager": "nexus_sre.live.manager",
    "nexus_sre.alerts": "nexus_sre.live.alerts",
    "nexus_sre.reporting": "nexus_sre.report.make",
    "nexus_sre.deploy": "nexus_sre.rules.deploy",
    "nexus_sre.demo": "nexus_sre.embedded.demo",
    "nexus_sre.embedded.prometheus": "nexus_sre.embedded.collector",
    "nexus_sre.embedded.persist": "nexus_sre.embedded.snapshots",
    "nexus_sre.sources.history": "nexus_sre.sources.select",
    "nexus_sre.bulk": "nexus_sre.backfill",
}


def new_name(old: str) -> str | None:
    """The new module name for an old one (submodules of a moved package too)."""
    for prefix in sorted(MOVED, key=len, reverse=True):
        if old == prefix or old.startswith(prefix + "."):
            return MOVED[prefix] + old[len(prefix) :]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.target}; the old path will be removed in 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        pass  # the new module is already executed


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())
