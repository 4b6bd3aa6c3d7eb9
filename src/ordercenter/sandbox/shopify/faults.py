"""Fault injection for the Admin API: latency, server errors, throttling, dropped connections."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import Any


class DroppedConnection(Exception):  # noqa: N818 - named after what the client sees
    """Raised inside the ASGI app so the server closes the connection without a response."""


@dataclass
class FaultSettings:
    #: Seconds added before every Admin API answer.
    latency_seconds: float = 0.0
    #: The next N Admin API requests answer `fail_status` instead of running.
    fail_next: int = 0
    fail_status: int = 503
    #: The next N Admin API requests are answered THROTTLED whatever the bucket holds.
    throttle_next: int = 0
    #: Answer throttling with HTTP 429 instead of Shopify's usual 200 + THROTTLED error.
    throttle_with_429: bool = False
    #: The next N Admin API requests drop the connection without any response.
    drop_next: int = 0


class Faults:
    """Thread-safe holder of the current fault settings; counters are consumed per request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()

    def snapshot(self) -> FaultSettings:
        with self._lock:
            return FaultSettings(**asdict(self._settings))

    def update(self, **changes: Any) -> FaultSettings:
        names = {f.name for f in fields(FaultSettings)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            for name, value in changes.items():
                setattr(self._settings, name, type(getattr(self._settings, name))(value))
            return FaultSettings(**asdict(self._settings))

    def reset(self) -> None:
        with self._lock:
            self._settings = FaultSettings()

    def _consume(self, name: str) -> int | None:
        """Use up one unit of a countdown setting; the fail status (or 0) if one was left, else None."""
        with self._lock:
            left = int(getattr(self._settings, name))
            if left <= 0:
                return None
            setattr(self._settings, name, left - 1)
            return self._settings.fail_status

    def consume_drop(self) -> bool:
        return self._consume("drop_next") is not None

    def consume_failure(self) -> int | None:
        """The HTTP status to fail this request with, or None."""
        return self._consume("fail_next")

    def consume_throttle(self) -> bool:
        return self._consume("throttle_next") is not None
