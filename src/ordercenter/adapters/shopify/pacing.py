"""Cost-aware pacing for the Admin GraphQL API: a leaky-bucket model per shop, and the retry backoff.

Shopify charges each query points from a bucket per app and shop (2,000 points refilled at 100/s on a
Standard plan; `extensions.cost.throttleStatus` reports the real numbers on every response). A query runs
only if the bucket holds its *requested* cost, so the limiter keeps a model of the bucket and makes a
caller wait before it would be overdrawn, estimating the next cost from the last requested cost of the
same operation. Every response corrects the model with the server's own figures.

One limiter per shop domain, shared by every client of that shop in the process (`limiter_for`), because
the bucket is the shop's, not the client's; with a Redis broker its level is kept in Redis, shared by every
process (API servers and workers spend from the same bucket).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import redis

from ordercenter.adapters import metrics, shared_budgets

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


class BucketLevel(Protocol):
    """The points in one shop's bucket, wherever they are kept; `need` is clamped to the bucket's size."""

    def available(self) -> float: ...

    def take(self, need: float) -> float:
        """Spend `need` points; return the seconds until the bucket holds them."""
        ...

    def correct(self, available: float | None, maximum: float | None, restore_rate: float | None) -> None:
        """Replace the model's figures with the server's."""
        ...

    def throttled(self, need: float, emptied: bool) -> float:
        """Shopify refused a query of `need` points: the seconds until it can afford it again."""
        ...

    def hold(self, need: float, seconds: float) -> None:
        """Nothing may be spent for `seconds`; then `need` points are there."""
        ...


class LocalBucketLevel:
    """The bucket kept in this process; thread-safe."""

    def __init__(self, clock: Callable[[], float], maximum: float, restore_rate: float) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._maximum = maximum
        self._rate = restore_rate
        self._available = maximum  # the level at `_as_of`; it refills linearly from there
        self._as_of = clock()

    def _level(self, now: float) -> float:
        return min(self._maximum, self._available + (now - self._as_of) * self._rate)

    def available(self) -> float:
        with self._lock:
            return self._level(self._clock())

    def take(self, need: float) -> float:
        with self._lock:
            now = self._clock()
            need = min(need, self._maximum)
            level = self._level(now)
            wait = max(0.0, (need - level) / self._rate)
            # At `now + wait` the bucket holds `need`; it is spent then.
            self._available = level + wait * self._rate - need
            self._as_of = now + wait
            return wait

    def correct(self, available: float | None, maximum: float | None, restore_rate: float | None) -> None:
        with self._lock:
            if maximum:
                self._maximum = maximum
            if restore_rate:
                self._rate = restore_rate
            if available is not None:
                self._available, self._as_of = available, self._clock()

    def throttled(self, need: float, emptied: bool) -> float:
        with self._lock:
            now = self._clock()
            if emptied:
                self._available, self._as_of = 0.0, now
            need = min(need, self._maximum)
            if self._level(now) > need - self._rate * MIN_THROTTLE_WAIT:
                # Shopify refused although the model says it could afford it: trust Shopify, pause a little.
                self._available, self._as_of = need - self._rate * MIN_THROTTLE_WAIT, now
            return (need - self._level(now)) / self._rate

    def hold(self, need: float, seconds: float) -> None:
        with self._lock:
            self._available, self._as_of = min(need, self._maximum), self._clock() + seconds


# The same model kept in a Redis hash, over the Redis server's clock so that every process agrees on
# time; each operation is one script, so concurrent processes spend the points one after the other.
# Numbers go back as strings: Redis turns Lua numbers into integers.
_BUCKET_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local op, need = ARGV[1], tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'available', 'as_of', 'maximum', 'rate')
local maximum = tonumber(v[3]) or tonumber(ARGV[3])
local rate = tonumber(v[4]) or tonumber(ARGV[4])
local available = tonumber(v[1]) or maximum
local as_of = tonumber(v[2]) or now
local min_wait = tonumber(ARGV[8])
local result = 0
local function level() return math.min(maximum, available + (now - as_of) * rate) end
need = math.min(need, maximum)
if op == 'available' then
  return string.format('%.6f', level())
elseif op == 'take' then
  local current = level()
  result = math.max(0, (need - current) / rate)
  available, as_of = current + result * rate - need, now + result
elseif op == 'correct' then
  if ARGV[6] ~= '' and tonumber(ARGV[6]) > 0 then maximum = tonumber(ARGV[6]) end
  if ARGV[7] ~= '' and tonumber(ARGV[7]) > 0 then rate = tonumber(ARGV[7]) end
  if ARGV[5] ~= '' then available, as_of = tonumber(ARGV[5]), now end
elseif op == 'throttled' then
  if ARGV[5] == 'emptied' then available, as_of = 0, now end
  if level() > need - rate * min_wait then available, as_of = need - rate * min_wait, now end
  result = (need - level()) / rate
elseif op == 'hold' then
  available, as_of = need, now + tonumber(ARGV[5])
end
redis.call('HSET', KEYS[1], 'available', string.format('%.6f', available), 'as_of', string.format('%.6f', as_of),
           'maximum', string.format('%.6f', maximum), 'rate', string.format('%.6f', rate))
-- A bucket left alone refills completely: after that its hash says nothing a new one would not.
redis.call('PEXPIRE', KEYS[1], math.ceil((math.max(as_of - now, 0) + maximum / rate) * 1000) + 60000)
return string.format('%.6f', result)
"""


class SharedBucketLevel:
    """The bucket kept in Redis, shared by every process that queries the shop."""

    def __init__(self, client: redis.Redis, key: str, maximum: float, restore_rate: float) -> None:
        self._script = client.register_script(_BUCKET_SCRIPT)
        self._key, self._maximum, self._rate = key, maximum, restore_rate

    def _run(self, op: str, need: float = 0.0, value: str = "", maximum: str = "", rate: str = "") -> float:
        return float(self._script(keys=[self._key], args=[op, need, self._maximum, self._rate, value, maximum,
                                                          rate, MIN_THROTTLE_WAIT]))

    def available(self) -> float:
        return self._run("available")

    def take(self, need: float) -> float:
        return self._run("take", need)

    def correct(self, available: float | None, maximum: float | None, restore_rate: float | None) -> None:
        self._run("correct", value=_figure(available), maximum=_figure(maximum), rate=_figure(restore_rate))

    def throttled(self, need: float, emptied: bool) -> float:
        return self._run("throttled", need, "emptied" if emptied else "")

    def hold(self, need: float, seconds: float) -> None:
        self._run("hold", need, repr(seconds))


def _figure(value: float | None) -> str:
    return "" if value is None else repr(value)


class CostLimiter:
    """The leaky-bucket model of one shop's GraphQL budget, with the cost last asked by each operation."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, maximum: float = DEFAULT_MAXIMUM,
                 restore_rate: float = DEFAULT_RESTORE_RATE, default_estimate: float = DEFAULT_ESTIMATE,
                 level: BucketLevel | None = None) -> None:
        self._level = level if level is not None else LocalBucketLevel(clock, maximum, restore_rate)
        self._lock = threading.Lock()
        self._default_estimate = default_estimate
        self._estimates: dict[str, float] = {}

    def estimate(self, operation: str) -> float:
        with self._lock:
            return self._estimates.get(operation, self._default_estimate)

    def available(self) -> float:
        """The points the model believes the bucket holds now."""
        return self._level.available()

    def reserve(self, operation: str) -> float:
        """Seconds to wait before sending `operation`; its estimated cost is taken from the bucket.

        Taking the points at once makes concurrent callers queue behind each other instead of all
        seeing the same free points; the server's figures replace the model on each response.
        """
        wait = self._level.take(self.estimate(operation))
        metrics.rate_limit_waited("shopify", wait)
        return wait

    def observe(self, operation: str, cost: QueryCost | None) -> None:
        """Correct the model with a response's cost report."""
        if cost is None:
            return
        if cost.requested is not None:
            with self._lock:
                self._estimates[operation] = cost.requested
        self._level.correct(cost.available, cost.maximum, cost.restore_rate)

    def throttled(self, operation: str, cost: QueryCost | None) -> float:
        """Record a THROTTLED answer; return the seconds the bucket needs to afford the query again.

        That is (requested − available) / restoreRate from the response's figures; without figures the
        bucket is taken as empty. The next `reserve` of the operation waits exactly that long.
        """
        self.observe(operation, cost)
        return self._level.throttled(self.estimate(operation), emptied=cost is None or cost.available is None)

    def hold(self, operation: str, seconds: float) -> None:
        """The server asked for a pause (HTTP 429 Retry-After): the next `reserve` waits that long."""
        self._level.hold(self.estimate(operation), seconds)


_registry: dict[str, CostLimiter] = {}
_registry_lock = threading.Lock()


def _forget_limiters() -> None:
    with _registry_lock:
        _registry.clear()


shared_budgets.on_change(_forget_limiters)


def limiter_for(shop_domain: str, *, clock: Callable[[], float] = time.monotonic) -> CostLimiter:
    """The one limiter of a shop in this process (created on first use with `clock`); its bucket is kept in
    Redis when `shared_budgets.share_budgets_through` named one, so every process spends from the same."""
    key = shop_domain.strip().lower()
    shared = shared_budgets.shared_client()
    with _registry_lock:
        limiter = _registry.get(key)
        if limiter is None:
            level = (SharedBucketLevel(shared, f"ordercenter:shopify-cost:{key}", DEFAULT_MAXIMUM,
                                       DEFAULT_RESTORE_RATE) if shared is not None else None)
            limiter = _registry[key] = CostLimiter(clock=clock, level=level)
        return limiter


def backoff_delay(attempt: int, *, base: float = 0.5, cap: float = 8.0,
                  jitter: Callable[[], float] = random.random) -> float:
    """Seconds before retry number `attempt` (0-based) of a transient failure: exponential, jittered 50–100%."""
    return float(min(cap, base * 2.0**attempt) * (0.5 + jitter() / 2))
