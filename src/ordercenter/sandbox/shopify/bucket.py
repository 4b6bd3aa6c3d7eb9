"""Shopify's GraphQL rate limit: a leaky bucket of cost points per app and shop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def to_graphql(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


class LeakyBucket:
    """Points refill at `restore_rate` per second up to `size`; a query must find its requested cost."""

    def __init__(self, size: float, restore_rate: float, clock: Callable[[], datetime]) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._size = size
        self._rate = restore_rate
        self._available = size
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, (now - self._last).total_seconds())
        self._available = min(self._size, self._available + elapsed * self._rate)
        self._last = now

    def status(self) -> ThrottleStatus:
        with self._lock:
            self._refill()
            return self._status()

    def _status(self) -> ThrottleStatus:
        # Shopify reports whole points as floats (e.g. 1990.0).
        return ThrottleStatus(float(self._size), float(int(self._available)), float(self._rate))

    def take(self, cost: float) -> tuple[bool, ThrottleStatus]:
        """Take `cost` points if they are there; (taken?, status after)."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False, self._status()
            self._available -= cost
            return True, self._status()

    def give_back(self, points: float) -> ThrottleStatus:
        """Return the difference between requested and actual cost after a query ran."""
        with self._lock:
            self._refill()
            self._available = min(self._size, self._available + max(0.0, points))
            return self._status()

    def configure(self, *, size: float | None = None, restore_rate: float | None = None) -> None:
        with self._lock:
            self._refill()
            if size is not None:
                self._size = size
                self._available = min(self._available, size)
            if restore_rate is not None:
                self._rate = restore_rate

    def drain(self) -> None:
        """Empty the bucket, so the next queries are THROTTLED until it refills."""
        with self._lock:
            self._refill()
            self._available = 0.0
