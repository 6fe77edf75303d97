"""Plain text made safe for GitHub-flavoured Markdown (table cells, paragraphs)."""

from __future__ import annotations

import re
from typing import Any

# Characters that mean something in GitHub-flavoured Markdown.
# Our text never starts a line, so line-start markers (#, -, 1.) need no escaping.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~>])")


def md_escape(text: Any) -> str:
    """Plain text for a Markdown table cell or paragraph."""
    s = str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    # Angle brackets and ampersands as entities: GitHub renders raw HTML otherwise.
    return s.replace("&", "&amp;").replace("<", "&lt;")
