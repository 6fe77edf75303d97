"""`nexus-sre init [CONFIG]`: write a commented starter config (one service per tier)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from .common import DEFAULT_CONFIG, add_config_argument

HELP = f"write a commented starter config ({DEFAULT_CONFIG}, one service of each tier)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("init", help=HELP, description=HELP)
    add_config_argument(p, allow_below_tier=False)
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(_config_default=DEFAULT_CONFIG)
    return p


def starter_text() -> str:
    return (Path(__file__).resolve().parent.parent / "examples" / "starter.yaml").read_text(
        encoding="utf-8"
    )


def run(args: argparse.Namespace) -> int:
    from ..common.paths import make_parent_dirs

    target = Path(args.config)
    if target.exists() and not args.force:
        raise InvalidInputError(f"{target}: already exists; pass --force to overwrite it")
    if target.is_dir():
        raise InvalidInputError(f"{target}: is a directory; give a file name such as slos.yaml")
    make_parent_dirs(target)
    target.write_text(starter_text(), encoding="utf-8")
    print(
        f"wrote {target}: 4 services (tier-0 to tier-3), 4 SLOs. Next: nexus-sre validate {target}",
        file=sys.stderr,
    )
    return 0
