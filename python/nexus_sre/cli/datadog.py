"""`nexus-sre datadog CONFIG`: the config's SLOs as Datadog SLOs, burn-rate and error-budget
monitors and a dashboard: written as JSON (-o DIR), compared with what exists (--dry-run),
or created and updated in place (--apply)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .common import add_config_argument, load

NAME = "datadog"
HELP = "export the SLOs to Datadog: SLOs, burn-rate monitors, a dashboard (-o, --dry-run, --apply)"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(NAME, help=HELP, description=HELP)
    add_config_argument(p, required=True)  # --apply changes Datadog: never a default config
    p.add_argument(
        "-o", "--output", metavar="DIR", help="write slos.json, monitors.json, dashboard.json here"
    )
    act = p.add_mutually_exclusive_group()
    act.add_argument("--apply", action="store_true", help="create or update the objects in Datadog")
    act.add_argument("--dry-run", action="store_true", help="print the changes --apply would make")
    p.add_argument(
        "--dashboard-title", default=None, help="the dashboard's title (it is matched by title)"
    )
    p.add_argument("--no-dashboard", action="store_true", help="leave the dashboard out")
    return p


def _dump(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    from ..datadog.dashboard import DEFAULT_TITLE, dashboard_body
    from ..datadog.export import export
    from ..errors import InvalidInputError

    if not (args.output or args.apply or args.dry_run):
        raise InvalidInputError("datadog: give -o DIR, --dry-run or --apply")
    config = load(args)
    objects = export(config)
    board = (
        None if args.no_dashboard else dashboard_body(config, args.dashboard_title or DEFAULT_TITLE)
    )
    for note in objects.notes:
        print(f"nexus-sre datadog: note: {note}", file=sys.stderr)
    if args.output:
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        _dump(out / "slos.json", [m.body for m in objects.slos])
        _dump(out / "monitors.json", [m.body for m in objects.monitors])
        if board is not None:
            _dump(out / "dashboard.json", board)
        print(
            f"{out}: {len(objects.slos)} SLO(s), {len(objects.monitors)} monitor(s)"
            + ("" if board is None else ", 1 dashboard"),
            file=sys.stderr,
        )
    if args.apply or args.dry_run:
        from ..datadog.apply import Applier
        from ..datadog.settings import connect

        with Applier(connect(config)) as applier:
            plan = applier.run(objects, board, write=args.apply)
        if plan.changes or plan.stale:
            print(plan.text())
        verb = "made" if args.apply else "to make"
        print(
            f"{plan.pending} change(s) {verb} in Datadog at {applier.conn.base_url}",
            file=sys.stderr,
        )
    return 0
