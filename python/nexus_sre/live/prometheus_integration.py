"""`PrometheusIntegration`: the seed's Prometheus object in Python. SLIs read from
Prometheus, rules generated and deployed (write, reload, verify, roll back), and the alerts
Alertmanager holds. A thin face over `sources.prometheus` and `rules`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..common.durations import parse_duration
from ..config import SLI, SLO, Config, Service
from ..errors import InvalidInputError
from ..rules import generate, render
from ..rules.deploy import DEFAULT_FILENAME, ActiveAlert, get_active_alerts, update_prometheus_rules
from ..sources.prometheus import PrometheusBackend, SliReading
from .registry import SloRegistry

SloLike = SLO | tuple[Service, SLO] | Mapping[str, Any]


class PrometheusIntegration:
    """`prometheus_url`: where SLIs are read and rules reloaded. `alertmanager_url`: where
    `get_active_alerts` reads. `rules_dir`: the folder Prometheus's `rule_files` covers,
    into which `update_prometheus_rules` writes `rules_file`. `config`: lets SLOs be named
    by id. Use it as a context manager, or call `close()`."""

    def __init__(
        self,
        prometheus_url: str,
        alertmanager_url: str | None = None,
        *,
        rules_dir: str | Path | None = None,
        rules_file: str = DEFAULT_FILENAME,
        config: Config | None = None,
        timeout: float = 10.0,
        **backend_options: Any,
    ):
        self.prometheus_url = prometheus_url.rstrip("/")
        self.alertmanager_url = alertmanager_url.rstrip("/") if alertmanager_url else None
        self.rules_dir = Path(rules_dir) if rules_dir is not None else None
        self.rules_file = rules_file
        self.config = config
        self.timeout = timeout
        self.backend = PrometheusBackend(
            prometheus_url, config=config, timeout=timeout, **backend_options
        )

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> PrometheusIntegration:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # SLIs ------------------------------------------------------------------------------

    def sli_reading(
        self, slo_or_sli: SloLike | SLI | str, window: str | int = "5m", *, at: float | None = None
    ) -> SliReading:
        """The SLI over `window` ("5m", "1h", "30d"; an int is seconds) ending at `at`
        (default now): percent, and good/total events when the SLI counts events.
        NoDataError without traffic or series."""
        seconds = parse_duration(window, name="window")
        return self.backend.calculate_sli(self._pair(slo_or_sli), seconds, at)

    def calculate_sli(
        self, slo_or_sli: SloLike | SLI | str, window: str | int = "5m", *, at: float | None = None
    ) -> float:
        """The SLI in percent over `window`: an SLO (model, id, seed object) or an SLI alone
        (a dict such as {"type": "availability", "query": ...} or an `SLI` model)."""
        return self.sli_reading(slo_or_sli, window, at=at).sli_percent

    # Rules -----------------------------------------------------------------------------

    def generate_alerting_rules(self, slos: Any) -> dict[str, Any]:
        """The rule file for `slos` as a document ({"groups": [...]}): the recording rules
        the alerts read, and the multi-window burn-rate and budget alerts."""
        return {"groups": [g for r in generate(slo_pairs(slos)) for g in r.groups]}

    def rules_yaml(self, slos: Any) -> str:
        """The same rule file as YAML text, as `nexus-sre rules` writes it."""
        return render(self.generate_alerting_rules(slos)["groups"])

    def update_prometheus_rules(self, slos: Any) -> Path:
        """Write the rules into `rules_dir`, reload Prometheus, and check every group is
        loaded; on any failure the previous file is put back and reloaded, and the error
        (a BackendError) carries Prometheus's message. Returns the rule file's path."""
        if self.rules_dir is None:
            raise InvalidInputError(
                "update_prometheus_rules: give PrometheusIntegration(rules_dir=...), the "
                "folder that Prometheus's rule_files covers"
            )
        return update_prometheus_rules(
            slo_pairs(slos),
            self.rules_dir,
            self.prometheus_url,
            filename=self.rules_file,
            timeout=self.timeout,
        )

    # Alerts ----------------------------------------------------------------------------

    def get_active_alerts(self) -> list[ActiveAlert]:
        """Active alerts from Alertmanager (API v2: neither silenced nor inhibited), or
        from Prometheus when no Alertmanager was given."""
        if self.alertmanager_url:
            return get_active_alerts(alertmanager_url=self.alertmanager_url, timeout=self.timeout)
        return get_active_alerts(prometheus_url=self.prometheus_url, timeout=self.timeout)

    # ----------------------------------------------------------------------------------

    def _pair(self, item: SloLike | SLI | str) -> tuple[Service, SLO]:
        if isinstance(item, str):
            if self.config is None:
                raise InvalidInputError(
                    f"calculate_sli: {item!r} is an SLO id; give PrometheusIntegration(config=...) "
                    "to look it up, or pass the SLO itself"
                )
            return self.config.find(item)
        if isinstance(item, SLI):
            item = item.model_dump(exclude_none=True)
        if isinstance(item, Mapping) and "target" not in item and "type" in item:
            item = _sli_alone(item)
        return slo_pairs([item])[0]


def _sli_alone(sli: Mapping[str, Any]) -> dict[str, Any]:
    """An SLI on its own, as an SLO object whose target does not matter to the SLI."""
    doc = dict(sli)
    if "threshold_ms" in doc:  # from an SLI model: the file format's spelling
        doc["threshold"] = doc.pop("threshold_ms")
    for model_key, file_key in (("good_query", "goodQuery"), ("total_query", "totalQuery")):
        if model_key in doc:
            doc[file_key] = doc.pop(model_key)
    return {"id": str(doc.get("id") or "sli"), "target": 99, "sli": doc}


def slo_pairs(slos: Any) -> list[tuple[Service, SLO]]:
    """(service, SLO) pairs from a Config, an SLOManager, or an iterable of SLO models,
    (service, SLO) pairs and seed SLO objects (dicts carrying `service` and `tier`)."""
    if isinstance(slos, Config):
        return list(slos.slos())
    if hasattr(slos, "slos") and callable(slos.slos):  # an SLOManager
        return list(slos.slos())
    if isinstance(slos, Mapping | SLO) or not isinstance(slos, Iterable):
        raise InvalidInputError(
            "slos: expected a Config, an SLOManager, or a list of SLOs (seed objects, SLO "
            f"models or (service, SLO) pairs), got {type(slos).__name__}"
        )
    registry = SloRegistry(lambda service, slo: None)
    for item in slos:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], SLO):
            service, slo = item
            registry.register(slo, service=service.name, tier=service.tier, owner=service.owner)
        else:
            registry.register(item)
    return registry.slos()
