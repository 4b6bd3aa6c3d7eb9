"""The tab counts of the orders page, kept for a few seconds per shop.

Counting a shop's orders by stage reads every one of them (tens of milliseconds at 100k orders on
PostgreSQL), while search-as-you-type and paging re-render the page several times a second. The rows
are always read fresh; only the badges may lag, by at most TTL, and a placement from these pages
clears its shop's counts at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ordercenter.domain.status import Stage

TTL_SECONDS = 5.0


class StageCountCache:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._ttl = ttl
        self._counts: dict[int, tuple[float, dict[Stage, int]]] = {}
        self._lock = threading.Lock()

    def get(self, shop_id: int, count: Callable[[], dict[Stage, int]]) -> dict[Stage, int]:
        """The shop's counts, from `count` when the kept ones are older than the TTL."""
        now = time.monotonic()
        with self._lock:
            kept = self._counts.get(shop_id)
        if kept is not None and now - kept[0] < self._ttl:
            return kept[1]
        fresh = count()
        with self._lock:
            self._counts[shop_id] = (now, fresh)
        return fresh

    def forget(self, shop_id: int) -> None:
        with self._lock:
            self._counts.pop(shop_id, None)
