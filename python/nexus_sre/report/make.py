"""The report job as a library call: config + source → report dict → text.

`make_report` is what `nexus-sre report` runs; applications and CI scripts can call it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Config
from ..slo.evaluation import SloEvaluation
from ..sources.select import evaluations_from
from . import build_report, services_meta_from_config


def config_hash(config: Config) -> str:
    """sha256 of the config file's bytes (of the model's JSON when it has no file)."""
    path = Path(config.source)
    data = path.read_bytes() if path.is_file() else config.model_dump_json().encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_report(
    config: Config,
    *,
    source: str = "embedded",
    generated_at: datetime | None = None,
    **options: Any,
) -> tuple[dict[str, Any], list[SloEvaluation]]:
    """Evaluate every SLO from `source` and build the report (see docs/report.md). The
    embedded source (`store=`: a snapshot directory or an `EmbeddedStore`) also gives each
    service's recent browser errors; the others have none."""
    browser_errors = None
    if source == "embedded":
        from ..sources.embedded import browser_error_digests, resolve_store

        store, label = resolve_store(config, options.get("store"))
        options = {**options, "store": store, "store_label": options.get("store_label", label)}
        evaluations = evaluations_from(source, config, **options)
        browser_errors = browser_error_digests(store, options.get("services"))
    else:
        evaluations = evaluations_from(source, config, **options)
    meta = services_meta_from_config(config)
    if options.get("services"):
        # Services filtered out are not in the report at all (not as no-data).
        meta = {name: m for name, m in meta.items() if name in options["services"]}
    start = min((e.period_start for e in evaluations), default=datetime.now(UTC))
    end = max((e.period_end for e in evaluations), default=datetime.now(UTC))
    report = build_report(
        evaluations,
        source=source,
        period_start=start,
        period_end=end,
        config_hash=config_hash(config),
        services_meta=meta,
        generated_at=generated_at,
        browser_errors=browser_errors,
    )
    return report, evaluations
