"""`nexus-sre report CONFIG` (alias slo-report): the SLO report in JSON, HTML, CSV, YAML or
Markdown.

Exit codes: 0 every SLO meets its target, 1 some miss (0 with --exit-zero), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..common.paths import make_parent_dirs
from .common import (
    add_source_options,
    check_period,
    load,
    note_unmeasured,
    pick_source,
    source_options,
)

HELP = "write the SLO report (budgets, burn rates, alerts, recommendations)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("report", help=HELP, description=HELP)
    add_source_options(p)
    p.add_argument(
        "--format",
        default="json",
        choices=("json", "html", "csv", "yaml", "markdown"),
        help="output format",
    )
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when some SLO misses its target"
    )
    return p


def run(args: argparse.Namespace) -> int:
    from ..report import render
    from ..report.make import make_report

    check_period(args)
    config = load(args)
    source = pick_source(args, config)
    note_unmeasured(config, source)
    report, _ = make_report(config, source=source, **source_options(args))
    text = render(report, args.format)
    if args.output:
        out = Path(args.output)
        make_parent_dirs(out)
        out.write_text(text, encoding="utf-8")
        s = report["summary"]
        print(
            f"{out}: {args.format} report, {s['slosMeetingTarget']} of {s['totalSLOs']} SLOs "
            f"meeting target",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    missed = [slo for svc in report["services"] for slo in svc["slos"] if slo["targetMet"] is False]
    return 0 if args.exit_zero or not missed else 1
