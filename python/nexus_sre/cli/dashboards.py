"""`nexus-sre dashboards CONFIG -o DIR` (alias generate-dashboards): Grafana dashboards for
the SLOs of a config, as files with a provisioning YAML, or pushed with `--deploy URL`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .common import add_config_argument, load

NAME = "dashboards"
HELP = "generate Grafana dashboards (overview + one per service) for the SLOs of a config"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        NAME,
        help=HELP,
        description=HELP,  # alias generate-dashboards: cli.ALIASES
    )
    add_config_argument(p)
    p.add_argument("-o", "--output", metavar="DIR", help="write the dashboards here")
    p.add_argument(
        "--provision-path",
        metavar="PATH",
        help="the folder Grafana reads the JSON files from, written into the provisioning "
        "YAML (default: DIR, absolute)",
    )
    p.add_argument("--deploy", metavar="URL", help="push them to the Grafana at URL")
    p.add_argument(
        "--token-env",
        default="GRAFANA_TOKEN",
        metavar="VAR",
        help="environment variable holding the Grafana service-account token (--deploy)",
    )
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from ..dashboards import deploy_dashboards, generate_dashboards, write_dashboards
    from ..errors import SloError

    try:
        if not args.output and not args.deploy:
            raise SloError("nothing to do: give -o DIR, --deploy URL, or both")
        generated = generate_dashboards(load(args))
        if args.output:
            written = write_dashboards(generated, args.output, args.provision_path)
            for path in written:
                print(f"wrote {path}", file=sys.stderr)
        if args.deploy:
            for r in deploy_dashboards(generated, args.deploy, token_env=args.token_env):
                print(f"deployed {r.title} (uid {r.uid}, version {r.version}) {r.url}")
    except SloError as exc:
        print(f"nexus-sre dashboards: {exc}", file=sys.stderr)
        return 2
    return 0
