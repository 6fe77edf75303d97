"""`nexus-sre rules CONFIG`: Prometheus recording and alerting rules (and promtool tests)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..common.paths import make_parent_dirs

NAME = "rules"
HELP = "generate Prometheus recording and alerting rules for the SLOs of a config"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    p.add_argument("config", help="SLO config file (YAML or JSON)")
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
        help="also write a promtool unit-test file per SLO into DIR (needs -o, prometheus format)",
    )
    p.set_defaults(run=run)
    return p


def _write(path: Path, text: str) -> None:
    make_parent_dirs(path)
    path.write_text(text, encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..errors import SloError
    from ..rules import cost, generate, promtool_tests, render
    from ..rules.output import dump_yaml

    try:
        if args.tests and not args.output:
            raise SloError("--tests needs -o FILE: the tests load the rule file from disk")
        if args.tests and args.format != "prometheus":
            raise SloError("--tests works with --format prometheus (promtool reads rule files)")
        config = load_config(args.config)
        rules = generate(config)
        groups = [g for r in rules for g in r.groups]
        text = render(groups, args.format, name=args.name, namespace=args.namespace)
        if args.output:
            _write(Path(args.output), text)
        else:
            sys.stdout.write(text)
        if args.tests:
            tests_dir = Path(args.tests)
            rule_file = os.path.relpath(Path(args.output).resolve(), tests_dir.resolve())
            for r in rules:
                doc = promtool_tests(r, rule_file)
                if doc is None:
                    print(
                        f"nexus-sre rules: no promtool test for {r.service.name}/{r.slo.id}: "
                        "its SLI has no plain good/total series to feed",
                        file=sys.stderr,
                    )
                    continue
                _write(tests_dir / f"{r.service.name}-{r.slo.id}.test.yaml", dump_yaml(doc))
        print(cost(rules).summary(), file=sys.stderr)
    except SloError as exc:
        print(f"nexus-sre rules: {exc}", file=sys.stderr)
        return 2
    return 0
