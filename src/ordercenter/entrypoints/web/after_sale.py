"""What the after-sale pages add to the frame and the order page: the Deadlines badge and the Money
card's after-sale lines."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from starlette.applications import Starlette

from ordercenter.domain.money import Money
from ordercenter.services import after_sale_pages, deadlines
from ordercenter.services.uow import UnitOfWork

# The badge counts what the Deadlines page lists: at most its own default length.
BADGE_LIMIT = 100
# Listing the deadlines reads every open supplier order of the shop (tens of milliseconds at 100k orders),
# and the frame shows the badge on every page and every polled fragment: the count is kept this long
# per shop. The Deadlines page itself always lists afresh.
BADGE_TTL_SECONDS = 30.0


class DeadlineCountCache:
    """The badge's count per shop, for BADGE_TTL_SECONDS."""

    def __init__(self, ttl: float = BADGE_TTL_SECONDS) -> None:
        self._ttl = ttl
        self._counts: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def get(self, shop_id: int) -> int | None:
        with self._lock:
            kept = self._counts.get(shop_id)
        return kept[1] if kept is not None and time.monotonic() - kept[0] < self._ttl else None

    def keep(self, shop_id: int, count: int) -> None:
        with self._lock:
            self._counts[shop_id] = (time.monotonic(), count)


def badge_cache(app: Starlette) -> DeadlineCountCache:
    """The app's badge counts (made on first use)."""
    cache = getattr(app.state, "deadline_counts", None)
    if cache is None:
        cache = app.state.deadline_counts = DeadlineCountCache()
    assert isinstance(cache, DeadlineCountCache)
    return cache


@dataclass(frozen=True)
class AfterSaleMoney:
    """An order's after-sale money: refunded to the customer, recovered from the supplier, and the net."""

    refunded_to_customer: Money
    recovered_from_supplier: Money
    net: Money  # recovered minus refunded: negative is what the after-sale cost the shop


def deadline_count(uow: UnitOfWork, *, shop_id: int, now: datetime, cache: DeadlineCountCache | None = None) -> int:
    """The number on the Deadlines badge of the navigation: what the Deadlines page lists, at most BADGE_LIMIT
    (kept a little while in `cache`, when one is given)."""
    kept = cache.get(shop_id) if cache is not None else None
    if kept is not None:
        return kept
    count = len(deadlines.list_deadlines(uow, shop_id=shop_id, now=now, limit=BADGE_LIMIT))
    if cache is not None:
        cache.keep(shop_id, count)
    return count


def after_sale_money(uow: UnitOfWork, *, shop_id: int, order_id: int) -> AfterSaleMoney | None:
    """The Money card's after-sale lines; None (the card shows the sale, cost and expected profit only)
    while the order has no after-sale request."""
    found = after_sale_pages.order_money(uow, shop_id=shop_id, order_id=order_id)
    if found is None:
        return None
    return AfterSaleMoney(found.refunded_to_customer, found.recovered_from_supplier, found.net)
