"""Deploying rules to a running Prometheus, and reading the alerts that fire.

`update_prometheus_rules` replaces one rule file atomically, asks Prometheus to reload, and
checks through /api/v1/rules that every generated group is loaded; on any failure the
previous file comes back (and is reloaded) and the error carries Prometheus's message.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..config.model import SLO, Config, Service
from ..errors import BackendError, InvalidInputError
from . import generate, render

DEFAULT_FILENAME = "nexus-sre.rules.yml"


def _atomic_write(path: Path, data: bytes) -> None:
    """Write-then-rename in the same folder: readers see the old or the new file, never half."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def _reload(client: httpx.Client, url: str) -> None:
    try:
        resp = client.post(f"{url}/-/reload")
    except httpx.HTTPError as exc:
        raise BackendError(f"cannot reach Prometheus at {url} to reload: {exc}") from exc
    if resp.status_code != 200:
        raise BackendError(
            f"Prometheus at {url} refused the reload (HTTP {resp.status_code}): "
            f"{resp.text.strip()[:2000]}"
        )


def _loaded_groups(client: httpx.Client, url: str, rule_file: Path) -> set[str]:
    try:
        resp = client.get(f"{url}/api/v1/rules")
        resp.raise_for_status()
        groups = resp.json()["data"]["groups"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise BackendError(f"cannot read the loaded rules from Prometheus at {url}: {exc}") from exc
    target = os.path.realpath(rule_file)
    return {g["name"] for g in groups if os.path.realpath(g.get("file", "")) == target}


def update_prometheus_rules(
    config_or_slos: Config | Iterable[tuple[Service, SLO]],
    rules_dir: str | Path,
    url: str,
    *,
    filename: str = DEFAULT_FILENAME,
    timeout: float = 10.0,
    confirm_within: float = 10.0,
) -> Path:
    """Write the SLO rules to rules_dir/filename, reload Prometheus, confirm every group is
    loaded. Prometheus's `rule_files` must cover that path. Returns the file's path."""
    folder = Path(rules_dir)
    if not folder.is_dir():
        raise InvalidInputError(f"rules_dir: {folder} is not a directory")
    url = url.rstrip("/")
    groups = [g for r in generate(config_or_slos) for g in r.groups]
    expected = {g["name"] for g in groups}
    path = folder / filename
    previous = path.read_bytes() if path.exists() else None
    with httpx.Client(timeout=timeout) as client:
        _atomic_write(path, render(groups).encode())
        try:
            _reload(client, url)
            deadline = time.monotonic() + confirm_within
            while True:
                missing = expected - _loaded_groups(client, url, path)
                if not missing:
                    return path
                if time.monotonic() > deadline:
                    raise BackendError(
                        f"Prometheus at {url} reloaded but did not load groups "
                        f"{sorted(missing)} from {path}; is {folder} in rule_files?"
                    )
                time.sleep(0.2)
        except BaseException as exc:
            _restore(client, url, path, previous, exc)
            raise
    raise AssertionError("unreachable")


def _restore(
    client: httpx.Client, url: str, path: Path, previous: bytes | None, cause: BaseException
) -> None:
    """Put the previous rule file back and reload, so Prometheus keeps working rules."""
    if previous is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        _atomic_write(path, previous)
    try:
        _reload(client, url)
    except BackendError as again:
        cause.add_note(f"restoring the previous rules failed too: {again}")


@dataclass(frozen=True)
class ActiveAlert:
    source: str  # "prometheus" or "alertmanager"
    name: str
    labels: dict[str, str]
    annotations: dict[str, str] = field(default_factory=dict)
    active_since: str | None = None


def _json(client: httpx.Client, url: str) -> Any:
    try:
        resp = client.get(url)
        resp.raise_for_status()
        return resp.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise BackendError(f"cannot read alerts from {url}: {exc}") from exc


def get_active_alerts(
    prometheus_url: str | None = None,
    alertmanager_url: str | None = None,
    *,
    timeout: float = 10.0,
) -> list[ActiveAlert]:
    """Firing alerts from Prometheus (/api/v1/alerts) and/or Alertmanager (/api/v2/alerts,
    active and neither silenced nor inhibited)."""
    if not prometheus_url and not alertmanager_url:
        raise InvalidInputError("give prometheus_url, alertmanager_url, or both")
    out: list[ActiveAlert] = []
    with httpx.Client(timeout=timeout) as client:
        if prometheus_url:
            body = _json(client, f"{prometheus_url.rstrip('/')}/api/v1/alerts")
            for a in body.get("data", {}).get("alerts", []):
                if a.get("state") == "firing":
                    labels = dict(a.get("labels", {}))
                    out.append(
                        ActiveAlert(
                            "prometheus",
                            labels.get("alertname", ""),
                            labels,
                            dict(a.get("annotations", {})),
                            a.get("activeAt"),
                        )
                    )
        if alertmanager_url:
            url = (
                f"{alertmanager_url.rstrip('/')}/api/v2/alerts"
                "?active=true&silenced=false&inhibited=false"
            )
            for a in _json(client, url):
                if a.get("status", {}).get("state") == "active":
                    labels = dict(a.get("labels", {}))
                    out.append(
                        ActiveAlert(
                            "alertmanager",
                            labels.get("alertname", ""),
                            labels,
                            dict(a.get("annotations", {})),
                            a.get("startsAt"),
                        )
                    )
    return out
