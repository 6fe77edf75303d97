"""`nexus-sre rules CONFIG`: Prometheus recording and alerting rules (and promtool tests)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..common.paths import make_parent_dirs
from .common import add_config_argument, load, note_time_weighted

NAME = "rules"
HELP = "generate Prometheus recording and alerting rules for the SLOs of a config"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    add_config_argument(p)
    p.add_argument("-o", "--output", help="write the rule file here (default: stdout)")
    p.add_argument(
        "--format",
        choices=("prometheus", "prometheus-operator"),
        default="prometheus",
        help="a Prometheus rule file, or a prometheus-operator PrometheusRule resource",
    )
    p.add_argument("--name", default="nexus-sre-slos", help="PrometheusRule metadata.name")
    p.add_argument("--namespace", help="PrometheusRule metadata.namespace")
    p.add_argument(
        "--tests",
        metavar="DIR",
        help="also write a promtool unit-test file per SLO into DIR, with the rule groups it tests "
        "(prometheus format)",
    )
    p.set_defaults(run=run)
    return p


def _write(path: Path, text: str) -> None:
    make_parent_dirs(path)
    path.write_text(text, encoding="utf-8")


def _write_dashboards(config: Any, rule_file: Path) -> None:
    """global.dashboards.autoGenerate: the dashboards go beside the rules, in dashboards/."""
    from ..dashboards import generate_dashboards, write_dashboards

    folder = rule_file.parent / "dashboards"
    write_dashboards(generate_dashboards(config), folder)
    print(f"nexus-sre rules: dashboards written to {folder} (autoGenerate)", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from ..errors import SloError
    from ..rules import cost, generate, render
    from ..rules.promtool import promtool_test_files

    try:
        if args.tests and args.format != "prometheus":
            raise SloError("--tests works with --format prometheus (promtool reads rule files)")
        config = load(args)
        note_time_weighted(config.slos(), "nexus-sre rules")
        rules = generate(config)
        groups = [g for r in rules for g in r.groups]
        text = render(groups, args.format, name=args.name, namespace=args.namespace)
        if args.output:
            _write(Path(args.output), text)
        else:
            sys.stdout.write(text)
        if args.tests:
            files, skipped = promtool_test_files(rules)
            for r in skipped:
                print(
                    f"nexus-sre rules: no promtool test for {r.service.name}/{r.slo.id}: "
                    "its SLI has no plain good/total series to feed",
                    file=sys.stderr,
                )
            for name, body in files.items():
                _write(Path(args.tests) / name, body)
        print(cost(rules).summary(), file=sys.stderr)
        if args.output and config.global_.dashboards.auto_generate:
            _write_dashboards(config, Path(args.output))
    except SloError as exc:
        print(f"nexus-sre rules: {exc}", file=sys.stderr)
        return 2
    return 0
