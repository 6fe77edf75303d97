"""`nexus-sre validate CONFIG...` (alias validate-slos): check config files and report every
problem."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import ConfigError, ConfigIssue
from .common import add_config_argument


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check SLO config files",
        description="Check SLO config files (YAML or JSON) and report every problem at once. "
        "Exit status 0 when all are valid, 2 otherwise.",
    )
    add_config_argument(parser, many=True)
    parser.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="output format (default text); github: workflow annotation lines "
        "(::error file=...,line=...,col=...::message) on the config's lines",
    )
    return parser


def _issue_dict(issue: ConfigIssue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "line": issue.line,
        "column": issue.column,
        "path": issue.path,
        "severity": issue.severity,
        "message": issue.message,
    }


def validate_file(path: str, allow_below_tier: bool = False) -> dict[str, Any]:
    """The outcome for one file: {"file", "valid", "services", "slos", "issues"}."""
    from ..config import load_config

    try:
        config = load_config(path, allow_below_tier_floor=allow_below_tier)
    except ConfigError as exc:
        issues = sorted([*exc.issues, *exc.warnings], key=lambda i: (i.line or 0, i.column or 0))
        return {"file": path, "valid": False, "issues": [_issue_dict(i) for i in issues]}
    return {
        "file": path,
        "valid": True,
        "services": len(config.services),
        "slos": sum(1 for _ in config.slos()),
        "issues": [_issue_dict(i) for i in config.warnings],
    }


def _escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping: data escapes % CR LF; properties also : and ,."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def github_annotation(issue: dict[str, Any]) -> str:
    """`::error file=F,line=L,col=C,title=T::message` for one issue (warning for warnings)."""
    level = "warning" if issue["severity"] == "warning" else "error"
    props = [f"file={_escape(issue['file'], prop=True)}"]
    if issue["line"] is not None:
        props.append(f"line={issue['line']}")
        if issue["column"] is not None:
            props.append(f"col={issue['column']}")
    props.append(f"title={_escape('nexus-sre ' + (issue['path'] or 'config'), prop=True)}")
    where = f"{issue['path']}: " if issue["path"] else ""
    return f"::{level} {','.join(props)}::{_escape(where + issue['message'])}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def run(args: argparse.Namespace) -> int:
    results = [validate_file(p, args.allow_below_tier) for p in args.configs]
    ok = all(r["valid"] for r in results)
    if args.format == "json":
        json.dump({"valid": ok, "files": results}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0 if ok else 2
    if args.format == "github":
        for r in results:
            for issue in r["issues"]:
                print(github_annotation(issue))
    for r in results:
        for issue in r["issues"] if args.format == "text" else []:
            text = str(ConfigIssue(**{k: issue[k] for k in ConfigIssue.__dataclass_fields__}))
            prefix = "warning: " if issue["severity"] == "warning" else ""
            stream = sys.stdout if r["valid"] else sys.stderr
            print(prefix + text, file=stream)
        if r["valid"]:
            slos = _plural(r["slos"], "SLO")
            print(f"{r['file']}: OK — {_plural(r['services'], 'service')}, {slos}")
        else:
            errors = sum(1 for i in r["issues"] if i["severity"] == "error")
            print(f"{r['file']}: {_plural(errors, 'error')}", file=sys.stderr)
    return 0 if ok else 2
