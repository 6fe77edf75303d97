"""`nexus-sre deploy CONFIG --rules-dir DIR --prometheus-url URL`: write the SLO rules where
Prometheus loads them, reload it and check it loaded them; roll back on any failure."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import add_config_argument, load

NAME = "deploy"
HELP = "deploy the SLO rules to a running Prometheus (reload, verify, roll back on failure)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=HELP + ". Exit status 0 when Prometheus loaded every rule group, 2 when "
        "it rejected them or could not be reached (the previous rule file is then restored).",
    )
    add_config_argument(p, required=True)
    p.add_argument(
        "--rules-dir",
        required=True,
        metavar="DIR",
        help="the folder Prometheus's rule_files covers; the rules are written there",
    )
    p.add_argument(
        "--prometheus-url",
        metavar="URL",
        help="Prometheus base URL, with --web.enable-lifecycle (default: global.prometheus.url)",
    )
    p.add_argument("--filename", help="rule file name in DIR (default: nexus-sre.rules.yml)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per HTTP request")
    return p


def run(args: argparse.Namespace) -> int:
    from ..errors import SloError
    from ..live.prometheus_integration import PrometheusIntegration
    from ..rules.deploy import DEFAULT_FILENAME

    try:
        path = args.config  # CONFIG or --config, resolved by cli.main
        config = load(args)
        settings = config.global_.prometheus
        url = args.prometheus_url or (settings.url if settings else None)
        if not url:
            raise SloError(f"--prometheus-url: not given, and {path} sets no global.prometheus.url")
        with PrometheusIntegration(
            url,
            rules_dir=args.rules_dir,
            rules_file=args.filename or DEFAULT_FILENAME,
            timeout=args.timeout,
        ) as prometheus:
            written = prometheus.update_prometheus_rules(config)
    except SloError as exc:
        print(f"nexus-sre deploy: {exc}", file=sys.stderr)
        for note in getattr(exc, "__notes__", []):
            print(f"nexus-sre deploy: {note}", file=sys.stderr)
        print("nexus-sre deploy: nothing deployed; the previous rules stay", file=sys.stderr)
        return 2
    n = sum(1 for _ in config.slos())
    print(f"deployed the rules of {n} SLO(s) to {written}; Prometheus at {url} loaded them")
    return 0
