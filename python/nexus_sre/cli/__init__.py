"""The `nexus-sre` command line: argparse with one module per subcommand.

Each command module (listed in COMMANDS) exposes `add_parser(subparsers)` and
`run(args) -> int`; a command that reads a config takes it through
`common.add_config_argument` (CONFIG or --config CONFIG, resolved before `run`). ALIASES
adds the toolkit's original names. Modules are imported one by one so a missing or broken
optional command never breaks the others. Exit codes: 0 success, 1 an SLO violation or
gate, 2 bad input (always a message, never a traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from ..errors import SloError
from .common import resolve_config

COMMANDS = (
    "init",
    "validate",
    "schema_cmd",
    "budgets",
    "policy",
    "report",
    "rules",
    "dashboards",
    "deploy",
    "backfill",
    "demo",
    "convert",
    "datadog",
)
# The toolkit's original command names (its README): each also runs its command.
ALIASES: dict[str, tuple[str, ...]] = {
    "validate": ("validate-slos",),
    "budgets": ("calculate-budgets",),
    "report": ("slo-report",),
    "dashboards": ("generate-dashboards",),
}
EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _command_modules() -> tuple[list[ModuleType], dict[str, str]]:
    """The importable command modules, and {name: reason} for those that failed to import."""
    found, broken = [], {}
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # not written (yet): simply not offered
            broken[name] = str(exc)
            continue
        except ImportError as exc:  # e.g. the Rust extension is not built
            broken[name] = str(exc)
            continue
        if hasattr(module, "add_parser") and hasattr(module, "run"):
            found.append(module)
    return found, broken


class _Subcommands:
    """The subparsers action, adding each command's ALIASES (listed in --help)."""

    def __init__(self, action: Any):
        self._action = action

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.setdefault("aliases", list(ALIASES.get(name, ())))
        parser: argparse.ArgumentParser = self._action.add_parser(name, **kwargs)
        return parser

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._action, attr)


def _unavailable(reason: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        print(f"nexus-sre {args.command}: unavailable here ({reason})", file=sys.stderr)
        return EXIT_BAD_INPUT

    return run


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="nexus-sre",
        description="SLOs, error budgets and multi-window multi-burn-rate alerting.",
    )
    parser.add_argument("--version", action="version", version=f"nexus-sre {__version__}")
    subparsers = _Subcommands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    modules, broken = _command_modules()
    for module in modules:
        sub = module.add_parser(subparsers)
        sub.set_defaults(_run=module.run)
    # A command whose module cannot be imported still shows up, and says why when run.
    for name, reason in broken.items():
        command = name.removesuffix("_cmd")
        stub = subparsers.add_parser(command, help=f"(unavailable: {reason})", add_help=True)
        stub.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        stub.set_defaults(_run=_unavailable(reason))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        resolve_config(args)
        return int(args._run(args))
    except SloError as exc:
        print(f"nexus-sre: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do, and keep
        # the interpreter's final flush from raising again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # SIGPIPE, as a shell reports it
    except OSError as exc:
        # A file that cannot be written or read (a directory in the way, a full disk, no
        # permission): what and where, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"nexus-sre: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
