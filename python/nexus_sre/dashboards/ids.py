"""Stable dashboard uids and file names, derived from the config.

A uid depends only on the dashboards' folder and the service name, so regenerating (after
any other change) updates a dashboard in place instead of adding a copy. Grafana allows at
most 40 characters of letters, digits, `-` and `_`: longer or altered names keep a short
hash of the original so two names never share a uid.
"""

from __future__ import annotations

import hashlib
import re

MAX_UID = 40


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _uid(*parts: str) -> str:
    raw = "-".join(parts)
    clean = "-".join(slug(p) for p in parts)
    if clean == raw and len(clean) <= MAX_UID:
        return clean
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{clean[: MAX_UID - 9].rstrip('-')}-{digest}"


def overview_uid(folder: str) -> str:
    return _uid("slo", slug(folder), "overview")


def service_uid(folder: str, service: str) -> str:
    return _uid("slo", slug(folder), service)


def file_name(uid: str) -> str:
    return f"{uid}.json"
