"""What the after-sale pages add to the frame and the order page: the Deadlines badge and the Money
card's after-sale lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.money import Money
from ordercenter.services import after_sale_pages, deadlines
from ordercenter.services.uow import UnitOfWork

# The badge counts what the Deadlines page lists: at most its own default length.
BADGE_LIMIT = 100


@dataclass(frozen=True)
class AfterSaleMoney:
    """An order's after-sale money: refunded to the customer, recovered from the supplier, and the net."""

    refunded_to_customer: Money
    recovered_from_supplier: Money
    net: Money  # recovered minus refunded: negative is what the after-sale cost the shop


def deadline_count(uow: UnitOfWork, *, shop_id: int, now: datetime) -> int:
    """The number on the Deadlines badge of the navigation: what the Deadlines page lists, at most BADGE_LIMIT."""
    return len(deadlines.list_deadlines(uow, shop_id=shop_id, now=now, limit=BADGE_LIMIT))


def after_sale_money(uow: UnitOfWork, *, shop_id: int, order_id: int) -> AfterSaleMoney | None:
    """The Money card's after-sale lines; None (the card shows the sale, cost and expected profit only)
    while the order has no after-sale request."""
    found = after_sale_pages.order_money(uow, shop_id=shop_id, order_id=order_id)
    if found is None:
        return None
    return AfterSaleMoney(found.refunded_to_customer, found.recovered_from_supplier, found.net)
