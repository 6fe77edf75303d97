"""`nexus-sre init [CONFIG]`: write a commented starter config (one service per tier), and with
`--ci github|gitlab` the CI jobs that validate it, gate releases on it and report on it."""

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
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    ci = p.add_argument_group(
        "CI/CD",
        "Also write CI jobs for this config: validation on pull requests, the budget gate every "
        "15 minutes (and for release workflows), daily and weekly reports, rules and dashboards "
        "sync. The config is kept if it exists.",
    )
    ci.add_argument(
        "--ci", choices=["github", "gitlab"], help="write .github/workflows/ or .gitlab-ci.yml"
    )
    ci.add_argument("--repo", default=".", help="repository root for the CI files (default: .)")
    ci.add_argument(
        "--ci-source",
        choices=["prometheus", "embedded"],
        default="prometheus",
        help="where the gate and reports read SLIs (default: prometheus)",
    )
    ci.add_argument(
        "--prometheus-url-secret",
        default="PROMETHEUS_URL",
        help="name of the secret holding the Prometheus URL (default: PROMETHEUS_URL)",
    )
    p.set_defaults(_config_default=DEFAULT_CONFIG)
    return p


def starter_text() -> str:
    return (Path(__file__).resolve().parent.parent / "examples" / "starter.yaml").read_text(
        encoding="utf-8"
    )


def run(args: argparse.Namespace) -> int:
    from ..common.paths import make_parent_dirs

    target = Path(args.config)
    if args.ci:
        _write_ci(args, target)
        if target.exists():
            return 0
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


def _write_ci(args: argparse.Namespace, config: Path) -> None:
    from ..ci import CiSettings, write_ci

    repo = Path(args.repo)
    try:
        rel = config.resolve().relative_to(repo.resolve())
    except ValueError:
        raise InvalidInputError(
            f"{config}: the config must be inside the repository {repo} for CI to read it"
        ) from None
    settings = CiSettings(
        config=rel.as_posix(),
        source=args.ci_source,
        prometheus_url_secret=args.prometheus_url_secret,
    )
    for path in write_ci(args.ci, repo, settings, force=args.force):
        print(f"wrote {path}", file=sys.stderr)
