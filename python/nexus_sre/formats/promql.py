"""Query text shared by the formats: window placeholders, counter templates, and good events
written as "total minus bad" (and read back).

nexus-sre counts good events: a `goodQuery`/`totalQuery` template with a `{{window}}`
placeholder, or a plain counter selector it wraps in `sum(increase(...[{{window}}]))`
(rules/sli.py). Sloth, Pyrra and OpenSLO often give *bad* events instead; those become
`(total) - ((bad) or vector(0))` — a missing bad series means no bad events, as in the
source tools, where error/total over an absent error series yields no alert either.
"""

from __future__ import annotations

import re

from ..rules.sli import WINDOW, increase_of, is_selector

SLOTH_WINDOW = "{{.window}}"
SLO_GENERATOR_WINDOW = "[window]"

_COUNTER = re.compile(r"^sum\(increase\((?P<sel>[^\[\]]+)\[\{\{window\}\}\]\)\)$")
_MINUS_BAD = re.compile(r"^\((?P<total>.+)\) - \(\((?P<bad>.+)\) or vector\(0\)\)$", re.S)


def counter_template(query: str) -> str:
    """A nexus good/total template from a selector or an expression that already has one."""
    query = query.strip()
    if WINDOW in query:
        return query
    return increase_of(query)


def selector_of(template: str) -> str | None:
    """The selector behind `sum(increase(SEL[{{window}}]))` or a plain selector; else None."""
    text = template.strip()
    if is_selector(text):
        return text
    m = _COUNTER.match(text)
    return m.group("sel").strip() if m else None


def good_from_bad(total: str, bad: str) -> str:
    return f"({total}) - (({bad}) or vector(0))"


def bad_from_good(good: str, total: str) -> str | None:
    """The bad-events template when `good` was written by `good_from_bad` with this total."""
    m = _MINUS_BAD.match(good.strip())
    if m and m.group("total").strip() == total.strip():
        return m.group("bad").strip()
    return None


def from_sloth(query: str) -> str:
    return query.replace(SLOTH_WINDOW, WINDOW).replace("{{ .window }}", WINDOW).strip()


def to_sloth(template: str) -> str:
    return counter_template(template).replace(WINDOW, SLOTH_WINDOW)
