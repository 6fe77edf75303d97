"""`nexus-sre schema config`: print the JSON Schema of the config file."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema",
        help="print a JSON Schema",
        description="Print the JSON Schema of a nexus-sre file format.",
    )
    parser.add_argument(
        "which",
        choices=["config", "report"],
        help="config (the SLO config file) or report (the JSON report)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    if args.which == "report":
        from importlib.resources import files

        sys.stdout.write(files("nexus_sre.report").joinpath("report.schema.json").read_text())
        return 0
    from ..config.schema import config_schema_text

    sys.stdout.write(config_schema_text())
    return 0
