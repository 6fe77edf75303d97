"""A bounded digest of recent browser errors per service: the distinct messages with their
counts (the top ones are what a report shows), the last component and URL of each, and
how many beacons were received and dropped. Memory is bounded: at most `max_messages`
distinct messages per service (texts clipped to `TEXT_LIMITS`); when full, a new message
replaces the least counted one (of those, the least recently seen), so a message seen
often is never pushed out by a stream of one-off ones. A count is exact since its message
entered the digest: never more than the true number, less only for a message that was
pushed out and came back."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

#: Text kept per field of a digest entry (characters): enough to recognise an error.
TEXT_LIMITS = {"message": 500, "component": 200, "url": 500}


@dataclass
class BrowserError:
    """One distinct message: how often it was seen, where last (component, URL), and when
    first and last (seconds since the epoch)."""

    message: str
    count: int
    component: str | None
    url: str | None
    first_seen: float
    last_seen: float


@dataclass
class _Service:
    entries: dict[str, BrowserError]
    received: int = 0
    dropped: int = 0


def _clip(text: str | None, field: str) -> str | None:
    return None if text is None else text[: TEXT_LIMITS[field]]


class BrowserErrorDigest:
    """Per-service digests; thread-safe. `add` one beacon, `top(service)` the most counted."""

    def __init__(self, max_messages: int = 100) -> None:
        if max_messages < 1:
            raise ValueError(f"max_messages: must be at least 1, got {max_messages}")
        self.max_messages = max_messages
        self._services: dict[str, _Service] = {}
        self._lock = threading.Lock()

    def _service(self, service: str) -> _Service:
        return self._services.setdefault(service, _Service({}))

    def add(
        self,
        service: str,
        message: str,
        component: str | None,
        url: str | None,
        at: float,
        *,
        recorded: bool = True,
    ) -> None:
        """Count one beacon; `recorded=False` counts it as dropped (received, not kept)."""
        with self._lock:
            s = self._service(service)
            s.received += 1
            if not recorded:
                s.dropped += 1
                return
            key = _clip(message, "message") or ""
            e = s.entries.get(key)
            if e is None:
                if len(s.entries) >= self.max_messages:
                    least = min(s.entries.values(), key=lambda x: (x.count, x.last_seen))
                    del s.entries[least.message]
                e = BrowserError(key, 0, None, None, at, at)
                s.entries[key] = e
            e.count += 1
            e.component = _clip(component, "component") or e.component
            e.url = _clip(url, "url") or e.url
            e.first_seen = min(e.first_seen, at)
            e.last_seen = max(e.last_seen, at)

    def top(self, service: str, limit: int | None = 10) -> list[BrowserError]:
        """The most counted messages of `service`, most first (copies)."""
        with self._lock:
            s = self._services.get(service)
            found = list(s.entries.values()) if s else []
        found.sort(key=lambda e: (-e.count, -e.last_seen, e.message))
        return [BrowserError(**asdict(e)) for e in found[:limit]]

    def totals(self, service: str) -> tuple[int, int]:
        """(received, dropped) beacons of `service` since start (or restore)."""
        with self._lock:
            s = self._services.get(service)
            return (s.received, s.dropped) if s else (0, 0)

    # -- persistence (a JSON-able dict, kept in the snapshot segments) -----------------

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                name: {
                    "received": s.received,
                    "dropped": s.dropped,
                    "entries": [asdict(e) for e in s.entries.values()],
                }
                for name, s in self._services.items()
            }

    def merge_json(self, data: Any) -> None:
        """Add a saved digest to this one (at restore). Malformed parts raise ValueError."""
        if not isinstance(data, dict):
            raise ValueError("browser error digest: expected an object")
        for name, saved in data.items():
            try:
                entries = [BrowserError(**e) for e in saved.get("entries", [])]
            except (TypeError, AttributeError) as err:
                raise ValueError(f"browser error digest of {name!r}: {err}") from None
            with self._lock:
                s = self._service(str(name))
                s.received += int(saved.get("received", 0))
                s.dropped += int(saved.get("dropped", 0))
            for e in entries:
                with self._lock:
                    s = self._service(str(name))
                    mine = s.entries.get(e.message)
                    if mine is None:
                        if len(s.entries) >= self.max_messages:
                            continue  # the saved digest was bigger; keep the first ones
                        s.entries[e.message] = e
                    else:
                        mine.count += e.count
                        mine.first_seen = min(mine.first_seen, e.first_seen)
                        mine.last_seen = max(mine.last_seen, e.last_seen)
