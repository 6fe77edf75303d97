"""Pushing dashboards to Grafana over its HTTP API, idempotently.

The folder is looked up by title (`GET /api/folders`) and created when missing
(`POST /api/folders`); each dashboard is saved with `POST /api/dashboards/db` and
`overwrite: true` under its stable uid, so a second deploy updates in place. The token is a
Grafana service-account token read from an environment variable. Every failure is a
`BackendError` that says what to do (401 token, 403 permission, 412 conflict, unreachable).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import BackendError, InvalidInputError
from .ids import slug

if TYPE_CHECKING:
    from . import Dashboards

DEFAULT_TOKEN_ENV = "GRAFANA_TOKEN"


@dataclass(frozen=True)
class DeployResult:
    uid: str
    title: str
    url: str  # where Grafana serves it (relative to the Grafana root)
    version: int | None
    status: str  # Grafana's status, "success"


class _Grafana:
    def __init__(self, url: str, token: str, timeout: float):
        self.url = url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            resp = self.client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise BackendError(f"cannot reach Grafana at {self.url}: {exc}") from None
        if resp.status_code < 300:
            try:
                return resp.json()
            except ValueError:
                raise BackendError(
                    f"Grafana at {self.url}{path} answered HTTP {resp.status_code} with "
                    f"non-JSON: {resp.text[:200]!r}"
                ) from None
        raise BackendError(self._explain(method, path, resp))

    def _explain(self, method: str, path: str, resp: httpx.Response) -> str:
        try:
            message = str(resp.json().get("message", ""))
        except (ValueError, AttributeError):
            message = resp.text[:200]
        where = f"Grafana at {self.url}: {method} {path}: HTTP {resp.status_code}"
        detail = f" ({message})" if message else ""
        if resp.status_code == 401:
            return (
                f"{where}{detail}: the token was rejected; set a valid Grafana service-account "
                "token in the token environment variable"
            )
        if resp.status_code == 403:
            return (
                f"{where}{detail}: the token's service account may not do this; give it the "
                "Editor role (or write access to the folder)"
            )
        if resp.status_code == 412:
            return (
                f"{where}{detail}: precondition failed (a version conflict, or a dashboard "
                "with the same name in the folder under another uid); rename or delete it"
            )
        return f"{where}{detail}"


def _folder_uid(grafana: _Grafana, title: str) -> str:
    """The uid of the folder with this title, creating it when missing."""
    folders = grafana.call("GET", "/api/folders")
    if not isinstance(folders, list):
        raise BackendError(f"Grafana at {grafana.url}: GET /api/folders did not return a list")
    for f in folders:
        if isinstance(f, dict) and f.get("title") == title:
            return str(f["uid"])
    created = grafana.call(
        "POST", "/api/folders", {"uid": f"slo-{slug(title)}"[:40], "title": title}
    )
    return str(created["uid"])


def deploy_dashboards(
    generated: Dashboards,
    url: str,
    *,
    token: str | None = None,
    token_env: str = DEFAULT_TOKEN_ENV,
    timeout: float = 30.0,
) -> list[DeployResult]:
    """Save every dashboard in its folder; the token comes from `token` or `$token_env`."""
    if not url.startswith(("http://", "https://")):
        raise InvalidInputError(f"--deploy: expected an http:// or https:// URL, got {url!r}")
    token = token or os.environ.get(token_env)
    if not token:
        raise InvalidInputError(
            f"--deploy: no Grafana token: set ${token_env} to a service-account token"
        )
    grafana = _Grafana(url, token, timeout)
    try:
        folder_uid = _folder_uid(grafana, generated.folder)
        results = []
        for dash in generated.dashboards:
            body = {
                "dashboard": {**dash, "id": None},
                "folderUid": folder_uid,
                "overwrite": True,
                "message": "nexus-sre dashboards",
            }
            saved = grafana.call("POST", "/api/dashboards/db", body)
            results.append(
                DeployResult(
                    uid=str(saved.get("uid", dash["uid"])),
                    title=str(dash["title"]),
                    url=str(saved.get("url", "")),
                    version=saved.get("version"),
                    status=str(saved.get("status", "")),
                )
            )
        return results
    finally:
        grafana.client.close()
