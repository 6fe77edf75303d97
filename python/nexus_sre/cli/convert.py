"""`nexus-sre convert SOURCE... [--from FMT] [--to FMT] [-o OUT]`: SLOs between OpenSLO v1,
Sloth, Pyrra, slo-generator v2 and the nexus-sre config, listing every field that is lost."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..common.paths import make_parent_dirs

NAME = "convert"
HELP = "convert SLOs between OpenSLO, Sloth, Pyrra, slo-generator and nexus-sre configs"
FORMATS = ("nexus", "openslo", "sloth", "pyrra", "slo-generator")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=HELP + ". Folders and multi-document YAML files are read whole. Each field "
        "the target cannot hold is listed as a warning with its source file and line. Exit "
        "status 0 when converted, 2 on bad input (or, with --strict, any loss).",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="files or folders to convert")
    p.add_argument(
        "--from",
        dest="source_format",
        choices=FORMATS,
        help="the sources' format (default: detected from apiVersion/kind)",
    )
    p.add_argument(
        "--to",
        dest="target_format",
        choices=FORMATS,
        default="nexus",
        help="the format to write (default nexus)",
    )
    p.add_argument("-o", "--output", help="write here (default: stdout)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="treat every loss as an error: write nothing unless all is kept",
    )
    return p


def run(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..formats import convert

    try:
        out = convert(args.sources, args.target_format, args.source_format, strict=args.strict)
    except ConfigError as exc:
        for warning in exc.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for issue in exc.issues:
            print(str(issue), file=sys.stderr)
        print(f"nexus-sre convert: {len(exc.issues)} error(s); nothing written", file=sys.stderr)
        return 2
    for warning in out.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.output:
        path = Path(args.output)
        make_parent_dirs(path)
        path.write_text(out.text, encoding="utf-8")
    else:
        sys.stdout.write(out.text)
    lost = f", {len(out.warnings)} field(s) lost (listed above)" if out.warnings else ""
    print(
        f"nexus-sre convert: {len(out.documents)} document(s) written as "
        f"{args.target_format}{lost}",
        file=sys.stderr,
    )
    return 0
