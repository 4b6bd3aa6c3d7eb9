"""Fault injection and call limits for the sandbox supplier.

Faults are queued by the operator and consumed by matching requests:
- `timeout_after_commit`: the request is processed (an order is committed), then the answer is held
  back for `delay` seconds, so a client with a shorter timeout sees a timeout;
- `server_error`: HTTP 502 with an HTML body, nothing processed;
- `rate_limit`: an `ApiCallLimit` error_response, nothing processed;
- `slow`: the answer comes after `delay` seconds.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    TIMEOUT_AFTER_COMMIT = "timeout_after_commit"
    SERVER_ERROR = "server_error"
    RATE_LIMIT = "rate_limit"
    SLOW = "slow"


@dataclass
class Fault:
    kind: FaultKind
    method: str | None  # None: any business method
    remaining: int
    delay: float


class FaultPlan:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._calls: dict[str, deque[float]] = {}
        self._monotonic = monotonic

    def inject(self, kind: FaultKind | str, *, method: str | None = None, times: int = 1, delay: float = 5.0) -> Fault:
        fault = Fault(FaultKind(kind), method, times, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str) -> Fault | None:
        """The first queued fault for `method` (used up once its count reaches zero)."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (None, method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def over_limit(self, app_key: str, calls_per_second: float | None) -> bool:
        """Whether this call exceeds the per-app-key limit over the last second (and so is refused)."""
        if calls_per_second is None:
            return False
        now = self._monotonic()
        with self._lock:
            calls = self._calls.setdefault(app_key, deque())
            while calls and calls[0] <= now - 1.0:
                calls.popleft()
            if len(calls) >= calls_per_second:
                return True
            calls.append(now)
            return False
