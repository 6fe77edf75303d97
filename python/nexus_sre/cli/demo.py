"""`nexus-sre demo`: fill the embedded store with a realistic 30-day demo dataset."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import add_config_argument

HELP = "create a deterministic 30-day demo dataset (with incidents) in the embedded store"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("demo", help=HELP, description=HELP)
    add_config_argument(p)
    p.add_argument(
        "--store", help="store directory (default: $NEXUS_SRE_STORE or .nexus-sre/store)"
    )
    p.add_argument("--days", type=int, default=30, help="days of history (default 30)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    return p


def run(args: argparse.Namespace) -> int:
    from ..embedded import EmbeddedStore
    from ..embedded.demo import seed_store
    from ..errors import InvalidInputError
    from ..sources.embedded import default_store_dir
    from .common import load

    if args.days <= 0 or args.days > 30:
        raise InvalidInputError(f"--days: must be between 1 and 30, got {args.days}")
    config = load(args)
    store = EmbeddedStore.from_config(config, clock="event")
    events = seed_store(store, config, days=args.days, seed=args.seed)
    target = args.store or default_store_dir()
    store.save(target)
    print(
        f"{target}: demo data for {sum(len(s.slos) for s in config.services)} SLOs, "
        f"{args.days} days, {events:,} events",
        file=sys.stderr,
    )
    return 0
