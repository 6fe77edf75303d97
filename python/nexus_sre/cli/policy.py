"""`nexus-sre policy CONFIG`: the error budget policy as Markdown for a team's wiki; with a
source (--source, --store, --data, --prometheus-url or a period), also which steps are in
force now for each SLO."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import add_source_options, check_period, load

HELP = "print the error budget policy as Markdown (and the steps in force now)"
_DATA_OPTIONS = ("source", "data", "store", "prometheus_url", "days", "start", "end")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("policy", help=HELP, description=HELP)
    add_source_options(p)  # CONFIG or --config CONFIG, and where the data comes from
    p.add_argument("-o", "--output", help="write the Markdown to this file (default stdout)")
    return p


def run(args: argparse.Namespace) -> int:
    from ..report.policy_markdown import in_force_markdown, policy_markdown

    check_period(args)
    config = load(args)
    text = policy_markdown(config)
    if any(getattr(args, k) is not None for k in _DATA_OPTIONS):
        from .budgets import evaluations_now

        text += "\n" + in_force_markdown(config, evaluations_now(args, config))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0
