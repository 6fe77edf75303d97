"""Calling Datadog's API through the official client, with bounded retries and clear errors.

429: wait as Datadog's rate-limit headers say (X-RateLimit-Reset: seconds until the window
resets), up to `max_wait`; 5xx and unreachable: retry with backoff, `retries` times; 401/403:
an error naming the key variables to check; 400: the API's own error text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import BackendError, QueryError
from .settings import Connection

T = TypeVar("T")


def _errors(body: Any) -> str:
    if isinstance(body, dict) and body.get("errors"):
        return "; ".join(str(e) for e in body["errors"])
    return str(body or "")[:300]


def _reset_seconds(headers: dict[str, str] | None) -> float | None:
    """Seconds until the rate-limit window resets (X-RateLimit-Reset), if Datadog said."""
    for key, value in (headers or {}).items():
        if key.lower() == "x-ratelimit-reset":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _limit_text(headers: dict[str, str] | None) -> str:
    h = {k.lower(): v for k, v in (headers or {}).items()}
    parts = [
        f"{name} {h[f'x-ratelimit-{name}']}"
        for name in ("limit", "period", "remaining", "reset")
        if f"x-ratelimit-{name}" in h
    ]
    return f" (rate limit: {', '.join(parts)})" if parts else ""


def call(
    conn: Connection,
    fn: Callable[[], T],
    what: str,
    *,
    retries: int = 3,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`fn()` (one API call), retried on 429, 5xx and connection failures."""
    from datadog_api_client.exceptions import ApiException
    from urllib3.exceptions import HTTPError as TransportError

    where = f"Datadog at {conn.base_url}"
    last = ""
    for attempt in range(retries + 1):
        pause = backoff * 2**attempt
        try:
            return fn()
        except ApiException as exc:
            status = int(exc.status or 0)
            if status in (401, 403):
                raise BackendError(
                    f"{where} refused {what} (HTTP {status}: {_errors(exc.body)}): check the "
                    f"API key in ${conn.api_key_env} and the application key in "
                    f"${conn.app_key_env} (and that the application key has the scopes needed)"
                ) from None
            if status == 429:
                reset = _reset_seconds(exc.headers)
                last = f"HTTP 429 rate limited{_limit_text(exc.headers)}"
                if reset is not None:
                    if reset > max_wait:
                        raise BackendError(
                            f"{where}: {what} is rate limited for {reset:g}s more"
                            f"{_limit_text(exc.headers)}, beyond the {max_wait:g}s this "
                            "waits; try again later"
                        ) from None
                    pause = reset
            elif status >= 500:
                last = f"HTTP {status}: {_errors(exc.body)}"
            elif status in (400, 422):
                raise QueryError(f"{where} rejected {what}: {_errors(exc.body)}") from None
            else:
                raise BackendError(
                    f"{where}: {what} failed with HTTP {status}: {_errors(exc.body)}"
                ) from None
        except TransportError as exc:
            reason = getattr(exc, "reason", None) or exc
            last = f"unreachable or no answer ({type(reason).__name__}: {reason})"
        if attempt < retries:
            sleep(pause)
    raise BackendError(f"{where}: {what} failed after {retries + 1} attempt(s): {last}")
