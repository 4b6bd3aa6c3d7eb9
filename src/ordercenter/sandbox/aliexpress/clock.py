"""The sandbox's business clock: wall time plus an offset that tests and the demo can advance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _wall() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Aware UTC. `frozen_at` stops time (tests); `advance` moves it forward either way."""

    def __init__(self, frozen_at: datetime | None = None, wall: Callable[[], datetime] = _wall) -> None:
        if frozen_at is not None and frozen_at.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        self._frozen_at = frozen_at
        self._offset = timedelta(0)
        self._wall = wall
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            base = self._frozen_at if self._frozen_at is not None else self._wall()
            return (base + self._offset).astimezone(UTC)

    @property
    def offset(self) -> timedelta:
        """How far `advance` has moved this clock in all."""
        with self._lock:
            return self._offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += delta
        return self.now()
