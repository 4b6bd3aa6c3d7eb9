"""Cost-aware pacing for the Admin GraphQL API: a leaky-bucket model per shop, and the retry backoff.

Shopify charges each query points from a bucket per app and shop (2,000 points refilled at 100/s on a
Standard plan; `extensions.cost.throttleStatus` reports the real numbers on every response). A query runs
only if the bucket holds its *requested* cost, so the limiter keeps a model of the bucket and makes a
caller wait before it would be overdrawn, estimating the next cost from the last requested cost of the
same operation. Every response corrects the model with the server's own figures.

One limiter per shop domain, shared by every client of that shop in the process (`limiter_for`), because
the bucket is the shop's, not the client's.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ordercenter.adapters import metrics

# Shopify's Standard plan figures, used until the first response tells the real ones.
DEFAULT_MAXIMUM = 2000.0
DEFAULT_RESTORE_RATE = 100.0
# The estimate for an operation never seen before: a page of orders with its lines costs about this.
DEFAULT_ESTIMATE = 100.0
# The least pause after a THROTTLED answer, whatever the model believes.
MIN_THROTTLE_WAIT = 0.5


@dataclass(frozen=True)
class QueryCost:
    """`extensions.cost` of one response; any figure may be missing (a throttled response has no actual)."""

    requested: float | None = None
    actual: float | None = None
    maximum: float | None = None
    available: float | None = None
    restore_rate: float | None = None

    @classmethod
    def from_extensions(cls, extensions: Any) -> QueryCost | None:
        cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
        if not isinstance(cost, Mapping):
            return None
        status = cost.get("throttleStatus")
        status = status if isinstance(status, Mapping) else {}
        return cls(
            requested=_number(cost.get("requestedQueryCost")),
            actual=_number(cost.get("actualQueryCost")),
            maximum=_number(status.get("maximumAvailable")),
            available=_number(status.get("currentlyAvailable")),
            restore_rate=_number(status.get("restoreRate")),
        )


def _number(value: Any) -> float | None:
    # Cost figures are plain JSON numbers of points, not money: float is right here.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class CostLimiter:
    """The leaky-bucket model of one shop's GraphQL budget; thread-safe."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, maximum: float = DEFAULT_MAXIMUM,
                 restore_rate: float = DEFAULT_RESTORE_RATE, default_estimate: float = DEFAULT_ESTIMATE) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._maximum = maximum
        self._rate = restore_rate
        self._default_estimate = default_estimate
        self._available = maximum  # the level at `_as_of`; it refills linearly from there
        self._as_of = clock()
        self._estimates: dict[str, float] = {}

    def _level(self, now: float) -> float:
        return min(self._maximum, self._available + (now - self._as_of) * self._rate)

    def estimate(self, operation: str) -> float:
        with self._lock:
            return self._estimates.get(operation, self._default_estimate)

    def available(self) -> float:
        """The points the model believes the bucket holds now."""
        with self._lock:
            return self._level(self._clock())

    def reserve(self, operation: str) -> float:
        """Seconds to wait before sending `operation`; its estimated cost is taken from the bucket.

        Taking the points at once makes concurrent callers queue behind each other instead of all
        seeing the same free points; the server's figures replace the model on each response.
        """
        with self._lock:
            now = self._clock()
            need = min(self._estimates.get(operation, self._default_estimate), self._maximum)
            level = self._level(now)
            wait = max(0.0, (need - level) / self._rate)
            # At `now + wait` the bucket holds `need`; it is spent then.
            self._available = level + wait * self._rate - need
            self._as_of = now + wait
        metrics.rate_limit_waited("shopify", wait)
        return wait

    def observe(self, operation: str, cost: QueryCost | None) -> None:
        """Correct the model with a response's cost report."""
        if cost is None:
            return
        with self._lock:
            if cost.requested is not None:
                self._estimates[operation] = cost.requested
            if cost.maximum:
                self._maximum = cost.maximum
            if cost.restore_rate:
                self._rate = cost.restore_rate
            if cost.available is not None:
                self._available = cost.available
                self._as_of = self._clock()

    def throttled(self, operation: str, cost: QueryCost | None) -> float:
        """Record a THROTTLED answer; return the seconds the bucket needs to afford the query again.

        That is (requested − available) / restoreRate from the response's figures; without figures the
        bucket is taken as empty. The next `reserve` of the operation waits exactly that long.
        """
        self.observe(operation, cost)
        with self._lock:
            now = self._clock()
            if cost is None or cost.available is None:
                self._available, self._as_of = 0.0, now
            need = min(self._estimates.get(operation, self._default_estimate), self._maximum)
            if self._level(now) > need - self._rate * MIN_THROTTLE_WAIT:
                # Shopify refused although the model says it could afford it: trust Shopify, pause a little.
                self._available, self._as_of = need - self._rate * MIN_THROTTLE_WAIT, now
            return (need - self._level(now)) / self._rate

    def hold(self, operation: str, seconds: float) -> None:
        """The server asked for a pause (HTTP 429 Retry-After): the next `reserve` waits that long."""
        with self._lock:
            need = min(self._estimates.get(operation, self._default_estimate), self._maximum)
            self._available, self._as_of = need, self._clock() + seconds


_registry: dict[str, CostLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(shop_domain: str, *, clock: Callable[[], float] = time.monotonic) -> CostLimiter:
    """The one limiter of a shop in this process (created on first use with `clock`)."""
    key = shop_domain.strip().lower()
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            limiter = _registry[key] = CostLimiter(clock=clock)
        return limiter


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 8.0,
                  jitter: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt` (0-based) of a transient failure: exponential, jittered 50–100%."""
    return float(min(cap, base * 2.0**attempt) * (0.5 + jitter() / 2))
