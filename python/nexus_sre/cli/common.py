"""Options and helpers shared by the commands: the config argument (every command takes it
the same way) and the options of the commands that read SLO history (report, budgets)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from ..common.times import parse_iso
from ..config import Config, load_config
from ..errors import InvalidInputError
from ..sources import SOURCES

DEFAULT_CONFIG = "slos.yaml"  # what `nexus-sre init` writes
CONFIG_HELP = (
    "SLO config file, YAML or JSON (CONFIG or --config CONFIG; default: ./slos.yaml, "
    "else the example config shipped with nexus-sre)"
)


def add_config_argument(
    p: argparse.ArgumentParser,
    *,
    many: bool = False,
    allow_below_tier: bool = True,
    required: bool = False,
) -> None:
    """The config as every command takes it: a positional CONFIG or --config CONFIG (with
    `many`, several of either). `resolve_config` (run by `main`) sets `args.config` (with
    `many`, `args.configs`) to the path(s) to read; `load(args)` reads it. `required`:
    no default config (a command that changes something, such as deploy)."""
    if many:
        p.add_argument("config_args", nargs="*", metavar="CONFIG", help=CONFIG_HELP)
        p.add_argument(
            "--config",
            dest="config_options",
            action="append",
            default=[],
            metavar="CONFIG",
            help="the same as CONFIG (may be repeated)",
        )
    else:
        p.add_argument("config_arg", nargs="?", metavar="CONFIG", help=CONFIG_HELP)
        p.add_argument(
            "--config", dest="config_option", metavar="CONFIG", help="the same as CONFIG"
        )
    if allow_below_tier:
        p.add_argument(
            "--allow-below-tier",
            action="store_true",
            help="availability targets below their service tier's floor are warnings, not "
            "errors (as global.allowBelowTier: true in the config)",
        )
    p.set_defaults(_config_many=many, _config_required=required)


def resolve_config(args: argparse.Namespace) -> None:
    """Fill `args.config` (or `args.configs`) from CONFIG / --config, or the default."""
    many = getattr(args, "_config_many", None)
    if many is None:
        return  # a command without a config
    if many:
        given = [*args.config_args, *args.config_options]
        args.configs = given or [default_config()]
        return
    both = [c for c in (args.config_arg, args.config_option) if c is not None]
    if len(both) == 2 and both[0] != both[1]:
        raise InvalidInputError(
            f"CONFIG {both[0]!r} and --config {both[1]!r}: give the config file once"
        )
    fallback = getattr(args, "_config_default", None)  # init: where to write, not read
    if not both and getattr(args, "_config_required", False):
        raise InvalidInputError("CONFIG: give the SLO config file (CONFIG or --config CONFIG)")
    args.config = both[0] if both else (fallback or default_config())


def bundled_example() -> Path:
    """The example config shipped inside the package (examples/slos.yaml of the repo)."""
    return Path(__file__).resolve().parent.parent / "examples" / "slos.yaml"


def default_config() -> str:
    """./slos.yaml when there is one, else the bundled example (said on stderr)."""
    if Path(DEFAULT_CONFIG).exists():
        return DEFAULT_CONFIG
    example = bundled_example()
    print(
        f"nexus-sre: no CONFIG given and no ./{DEFAULT_CONFIG} here: using the example config "
        f"{example} (`nexus-sre init` writes a starter {DEFAULT_CONFIG})",
        file=sys.stderr,
    )
    return str(example)


def add_source_options(p: argparse.ArgumentParser) -> None:
    add_config_argument(p)
    p.add_argument(
        "--source",
        choices=SOURCES,
        default=None,
        help="where the SLI data comes from (default: the config's monitoringBackend, "
        "embedded when that is not a readable source)",
    )
    p.add_argument(
        "--data",
        help="parquet source: request export (Parquet/CSV file or directory); backfill "
        "source: the file `backfill -o` wrote",
    )
    p.add_argument(
        "--store", help="embedded store directory (default: $NEXUS_SRE_STORE or .nexus-sre/store)"
    )
    p.add_argument("--prometheus-url", help="Prometheus base URL (prometheus source)")
    period = p.add_argument_group("period (default: each SLO's own window, ending now)")
    period.add_argument("--days", type=float, help="the last N days")
    period.add_argument("--start", type=parse_time, help="ISO 8601 start (UTC if no zone)")
    period.add_argument("--end", type=parse_time, help="ISO 8601 end (default: now)")
    p.add_argument(
        "--services",
        type=lambda s: [x.strip() for x in s.split(",") if x.strip()],
        help="only these services (comma-separated)",
    )


def parse_time(text: str) -> datetime:
    """--start/--end: the library's ISO 8601 parser (UTC when no zone), its message under
    the option's name (argparse puts "argument --start:" in front)."""
    try:
        return parse_iso(text, name="")
    except InvalidInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def load(args: argparse.Namespace, path: str | None = None) -> Config:
    """The config of a command that took `add_config_argument`, with its flags."""
    return load_config(
        path or args.config, allow_below_tier_floor=getattr(args, "allow_below_tier", False)
    )


def pick_source(args: argparse.Namespace, config: Config) -> str:
    if args.source:
        return str(args.source)
    backend = config.global_.monitoring_backend
    if backend == "parquet":
        if not args.data:
            raise InvalidInputError(
                f"{config.source}: monitoringBackend is parquet: pass --data PATH "
                "(or --source embedded to read the embedded store)"
            )
        return "parquet"
    if backend == "prometheus":
        if not (args.prometheus_url or config.global_.prometheus):
            raise InvalidInputError(
                f"{config.source}: monitoringBackend is prometheus: pass --prometheus-url URL "
                "or set global.prometheus.url (or --source embedded to read the embedded store)"
            )
        return "prometheus"
    if backend == "datadog":
        return "datadog"
    return "embedded"


def source_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of `add_source_options` as keyword arguments for
    `sources.history.evaluations_from` (and `reporting.make_report`)."""
    return {
        "data": args.data,
        "store": args.store,
        "prometheus_url": args.prometheus_url,
        "start": args.start,
        "end": args.end,
        "days": args.days,
        "services": args.services,
    }


def check_period(args: argparse.Namespace) -> None:
    if args.days is not None and args.start is not None:
        raise InvalidInputError("--days and --start: give one or the other")
    if args.days is not None and args.days <= 0:
        raise InvalidInputError(f"--days: must be positive, got {args.days:g}")


def note_unmeasured(config: Config, source: str) -> None:
    """Request rows (parquet exports, backfill output) cannot measure ratio SLIs: say which
    SLOs a report from them leaves out, rather than dropping them silently."""
    if source not in ("parquet", "backfill"):
        return
    from ..backfill.engine import unmeasured_slos

    for name in unmeasured_slos(config):
        print(
            f"nexus-sre: note: {name} is a ratio SLI, which request rows do not measure; "
            f"left out of this {source} report (its good/total come from its queries)",
            file=sys.stderr,
        )


def note_time_weighted(pairs: Any, command: str = "nexus-sre") -> None:
    """Say once per SLO when its percent query is not an event ratio (time-weighted)."""
    from ..rules.sli import time_weighted_notes

    for note in time_weighted_notes(pairs):
        print(f"{command}: note: {note}", file=sys.stderr)
