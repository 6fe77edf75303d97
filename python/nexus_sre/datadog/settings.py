"""Where and how to reach Datadog: the API base URL (site or `url`) and the keys, read from
the environment variables the config names (never from the file)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config.model import Config, DatadogSettings
from ..errors import InvalidInputError


@dataclass(frozen=True)
class Connection:
    """A resolved connection: base URL, keys, and which variables they came from (for
    messages: a 403 names the variable to check)."""

    site: str
    url: str | None
    api_key: str = field(repr=False)
    app_key: str = field(repr=False)
    api_key_env: str
    app_key_env: str
    timeout: float = 30.0

    @property
    def base_url(self) -> str:
        return (self.url or f"https://api.{self.site}").rstrip("/")

    def configuration(self) -> Any:
        """A `datadog_api_client.Configuration`: the site as its server variable, or the
        `url` as the host; the client's own retries off (ours say what went wrong)."""
        from datadog_api_client import Configuration
        from urllib3.util.retry import Retry

        conf = Configuration(request_timeout=self.timeout, enable_retry=False)
        # No retries below ours either (urllib3 would retry timeouts thrice, unseen).
        conf.retry_policy = Retry(total=0, redirect=0, raise_on_status=False)
        conf.api_key["apiKeyAuth"] = self.api_key
        conf.api_key["appKeyAuth"] = self.app_key
        if self.url:
            conf.host = self.url.rstrip("/")
        else:
            conf.server_variables["site"] = self.site
        return conf


def connect(
    config: Config | DatadogSettings | None,
    *,
    url: str | None = None,
    env: Mapping[str, str] | None = None,
    need_app_key: bool = True,
) -> Connection:
    """The connection of `config.global_.datadog` (defaults: datadoghq.com, DD_API_KEY,
    DD_APP_KEY); `url` overrides the config's. A missing key is an error naming its
    variable."""
    settings = config.global_.datadog if isinstance(config, Config) else config
    settings = settings or DatadogSettings()
    environ = os.environ if env is None else env
    base = url or settings.url
    if base is not None and not base.startswith(("http://", "https://")):
        raise InvalidInputError(f"global.datadog.url: expected http:// or https://, got {base!r}")
    keys = {}
    for name in (settings.api_key_env, settings.app_key_env):
        value = environ.get(name, "").strip()
        needed = need_app_key or name == settings.api_key_env
        if not value and needed:
            which = "apiKeyEnv" if name == settings.api_key_env else "appKeyEnv"
            raise InvalidInputError(
                f"Datadog: the environment variable {name} (global.datadog.{which}) is not "
                "set; export the key there (keys never go in the config file)"
            )
        keys[name] = value
    return Connection(
        site=settings.site,
        url=base,
        api_key=keys[settings.api_key_env],
        app_key=keys[settings.app_key_env],
        api_key_env=settings.api_key_env,
        app_key_env=settings.app_key_env,
        timeout=float(settings.timeout_seconds),
    )
