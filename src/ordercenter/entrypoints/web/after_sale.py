"""What the after-sale pages add to the frame and the order page. Each function answers "nothing yet"
until its service is wired here; the pages already show its place, so wiring one is a one-line change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ordercenter.domain.money import Money
from ordercenter.services.uow import UnitOfWork


@dataclass(frozen=True)
class AfterSaleMoney:
    """An order's after-sale money: refunded to the customer, recovered from the supplier, and the net."""

    refunded_to_customer: Money
    recovered_from_supplier: Money
    net: Money  # recovered minus refunded: negative is what the after-sale cost the shop


def deadline_count(uow: UnitOfWork, *, shop_id: int, now: datetime) -> int:
    """The number on the Deadlines badge of the navigation: 0 until the deadlines list is wired here
    (services.deadlines.list_deadlines, counted the cheap way)."""
    return 0


def after_sale_money(uow: UnitOfWork, *, shop_id: int, order_id: int) -> AfterSaleMoney | None:
    """The Money card's after-sale lines; None (the card shows the sale, cost and expected profit only)
    until services.customer_refunds.net_result is wired here."""
    return None
