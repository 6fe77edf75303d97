"""mkdocs hook: the site is the repository as GitHub shows it.

README.md becomes the home page (index.md) and every other page keeps its repository path
(docs/alerting.md stays docs/alerting.md), so the relative links written for GitHub
(`docs/prometheus.md` from the README, `../schemas/report.schema.json` from docs/) resolve
unchanged, and `mkdocs build --strict` fails on any link that is broken on GitHub too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

# Besides README.md and docs/: the repository files the docs link to.
EXTRA = ("benches/README.md", "examples/**/*", "schemas/*.json")
# Folders the docs link to (GitHub lists them): the site gets a page listing their files.
FOLDERS = ("examples/browser",)


def on_files(files: Files, config: Any) -> Files:
    repo = Path(config["config_file_path"]).parent
    out = Files([])
    out.append(File.generated(config, "index.md", abs_src_path=str(repo / "README.md")))
    paths = sorted((repo / "docs").rglob("*"))
    for pattern in EXTRA:
        paths += sorted(repo.glob(pattern))
    for path in paths:
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(repo).as_posix()
            out.append(File.generated(config, rel, abs_src_path=str(path)))
    for folder in FOLDERS:
        names = sorted(p.name for p in (repo / folder).iterdir() if p.is_file())
        listing = f"# {folder}\n\n" + "".join(f"* [{n}]({n})\n" for n in names)
        out.append(File.generated(config, f"{folder}/index.md", content=listing))
    # Theme assets (CSS, JS, fonts) come from the original collection.
    for f in files:
        if not f.src_uri.endswith(".md") and not (repo / "docs" / f.src_uri).exists():
            out.append(f)
    return out


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    """Links to the README (as GitHub shows it) point at the home page it became."""
    markdown = re.sub(r"\]\(((?:\.\./)+)README\.md", r"](\1index.md", markdown)
    for folder in FOLDERS:  # a link to a folder opens its listing
        markdown = re.sub(rf"\]\(((?:\.\./)*){folder}/?\)", rf"](\1{folder}/index.md)", markdown)
    return markdown
