"""Where the process-wide call budgets live: in memory, or in one Redis shared by every process.

With a Redis broker, API processes and workers call the same supplier app keys and the same shops, so
their budgets (AliExpress calls per app key, Shopify query cost per shop) are kept in that Redis. Each
budget registry registers a reset, so that naming another Redis drops the budgets built for the old one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import redis

_lock = threading.Lock()
_client: redis.Redis | None = None
_url: str | None = None
_resets: list[Callable[[], None]] = []


def share_budgets_through(redis_url: str | None) -> None:
    """Keep the call budgets in this Redis (several processes), or in memory with None."""
    global _client, _url  # noqa: PLW0603  (the budgets are process-wide by nature)
    with _lock:
        if redis_url == _url:
            return
        _client, _url = (redis.Redis.from_url(redis_url) if redis_url else None), redis_url
        resets = list(_resets)
    for reset in resets:
        reset()


def shared_client() -> redis.Redis | None:
    """The Redis the budgets are shared through, or None when they are kept in memory."""
    with _lock:
        return _client


def on_change(reset: Callable[[], None]) -> None:
    """Call `reset` whenever the budgets move to another store."""
    with _lock:
        _resets.append(reset)
