"""Clocks: the real one, and one that tests and the demo move by hand."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class OffsetClock:
    """The demo's clock: real time moved forward by an offset kept in a file, so every process of one demo
    (the server, its sandboxes, the command line) sees the same moved time. A production server never uses it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[float, timedelta] | None = None
        self._lock = threading.Lock()

    @property
    def offset(self) -> timedelta:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                return timedelta(0)
            if self._seen is None or self._seen[0] != mtime:
                seconds = float(json.loads(self.path.read_text() or "{}").get("offset_seconds", 0))
                self._seen = (mtime, timedelta(seconds=seconds))
            return self._seen[1]

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward (never back) and return the new time."""
        if delta < timedelta(0):
            raise ValueError("the demo clock only moves forward")
        offset = self.offset + delta
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps({"offset_seconds": offset.total_seconds()}))
        os.replace(scratch, self.path)  # readers never see a half-written file
        return datetime.now(UTC) + offset
